"""Safe extraction of a model archive (.tar.bz2/.tar.gz/.tar.xz/.tar) into a fresh folder.

Every member is checked before anything is written: absolute paths, ``..`` components, links
that point outside the destination, and device/FIFO entries are refused, and the archive is
refused as a whole. A leading ``./`` (as in the 110M archive) is accepted. Runs on a worker thread.
"""

from __future__ import annotations

import errno
import lzma
import os
import posixpath
import shutil
import tarfile
import zlib
from pathlib import Path, PurePosixPath, PureWindowsPath

from swictation_gui.errors import DownloadError
from swictation_gui.models.download import CancelToken, ProgressFn, RateMeter, os_error

_COPY_CHUNK = 1024 * 1024


class UnsafeArchiveError(DownloadError):
    """The archive contains an entry that would write outside its folder, or a device file."""


def normalize_member(name: str) -> str:
    """The member's path relative to the destination, "" for the archive root ("." / "./").

    Raises:
        UnsafeArchiveError: for absolute paths and ``..`` components.
    """
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive or PureWindowsPath(name).is_absolute():
        raise UnsafeArchiveError(f"absolute path {name!r}")
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"path {name!r} leaves the archive folder")
    return "/".join(parts)


def _link_target(member: tarfile.TarInfo, name: str) -> str:
    """Where a link member points, relative to the destination; refuses anything outside."""
    target = member.linkname
    if target.startswith(("/", "\\")) or PureWindowsPath(target).drive:
        raise UnsafeArchiveError(f"link {member.name!r} points to the absolute path {target!r}")
    base = posixpath.dirname(name) if member.issym() else ""
    resolved = posixpath.normpath(posixpath.join(base, target.replace("\\", "/")))
    if resolved == ".." or resolved.startswith("../") or resolved.startswith("/"):
        raise UnsafeArchiveError(f"link {member.name!r} points outside the archive folder ({target!r})")
    return "" if resolved == "." else resolved


def _inside(dest: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(dest.resolve())
    except ValueError:
        return False
    return True


def extract(archive: Path, dest: Path, on_progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> list[str]:
    """Extract ``archive`` into the existing, empty folder ``dest``; returns the top-level names.

    Runs on a worker thread. On any error the caller deletes ``dest``; this function never writes
    outside it.

    Raises:
        UnsafeArchiveError: a member would escape ``dest`` or is a device file.
        DownloadError: the archive is damaged or cannot be written (disk full, permissions),
            or CancelledError.
    """
    total = archive.stat().st_size
    meter = RateMeter("extract", total)
    tops: list[str] = []
    try:
        with archive.open("rb") as raw, tarfile.open(fileobj=raw, mode="r:*") as tar:
            for member in tar:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                name = _extract_member(tar, member, dest, cancel)
                if name:
                    top = name.split("/", 1)[0]
                    if top not in tops:
                        tops.append(top)
                meter.report(raw.tell(), on_progress)
            meter.report(total, on_progress, force=True)
    except UnsafeArchiveError as exc:
        raise UnsafeArchiveError(f"Refusing to install {archive.name}: it contains an unsafe entry ({exc}). "
                                 "The archive was not installed; download the model from its official source.") \
            from None
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        raise _corrupt(archive, exc) from None
    except OSError as exc:
        if exc.errno in (None, errno.EEXIST, errno.EISDIR, errno.ENOTDIR) or "Invalid data stream" in str(exc):
            raise _corrupt(archive, exc) from None  # a damaged stream, or entries that contradict each other
        raise os_error(exc, dest, "unpacking the model") from None
    return tops


def _corrupt(archive: Path, exc: BaseException) -> DownloadError:
    reason = str(exc)[:120] or "truncated"
    return DownloadError(f"The archive {archive.name} is damaged or not a model archive ({reason}). "
                         "It was deleted; download it again.")


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, cancel: CancelToken | None) -> str:
    name = normalize_member(member.name)
    if member.isdev() or member.isfifo() or not (member.isfile() or member.isdir() or member.issym()
                                                  or member.islnk()):
        raise UnsafeArchiveError(f"special file {member.name!r}")
    link = _link_target(member, name) if (member.issym() or member.islnk()) else None
    if not name:
        if member.isdir():
            return ""
        raise UnsafeArchiveError(f"entry {member.name!r} has no file name")
    target = dest / name
    if not _inside(dest, target.parent):
        raise UnsafeArchiveError(f"path {member.name!r} goes through a link that leaves the archive folder")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        target.unlink()
    if member.isdir():
        target.mkdir(parents=True, exist_ok=True)
        return name
    target.parent.mkdir(parents=True, exist_ok=True)
    if member.issym():
        assert link is not None
        os.symlink(member.linkname, target)
        if not _inside(dest, target):
            target.unlink()
            raise UnsafeArchiveError(f"link {member.name!r} points outside the archive folder")
        return name
    if member.islnk():
        assert link is not None
        source = dest / link
        if not source.is_file() or not _inside(dest, source):
            raise UnsafeArchiveError(f"hard link {member.name!r} to {member.linkname!r}, which is not in the archive")
        shutil.copyfile(source, target)
        return name
    stream = tar.extractfile(member)
    if stream is None:
        raise UnsafeArchiveError(f"unreadable entry {member.name!r}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    with stream, os.fdopen(os.open(target, flags, 0o644), "wb") as out:
        while block := stream.read(_COPY_CHUNK):
            if cancel is not None:
                cancel.raise_if_cancelled()
            out.write(block)
    return name
