"""Download → verify → extract → check → atomic rename: installing a model never leaves half a model.

``install(source)`` does the whole job on the calling thread (a worker thread in the GUI). The
archive is downloaded to ``<models>/.downloads/<archive>.part`` (kept when the connection drops,
so the next call resumes), verified by size and SHA-256, unpacked into a temporary folder next to
the target, checked with ``models.check.check_folder`` (a real sherpa-onnx load in a child
process) and only then renamed into place. An existing install is replaced only after the new
one has passed; temporary folders are removed on every failure. A local archive (``file://``
URL, from ``source_for_file``) goes through the same steps except the download, and is never deleted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from swictation_gui import log, paths
from swictation_gui.errors import DownloadError, ModelError
from swictation_gui.models import archive, catalogue, check
from swictation_gui.models.catalogue import CATALOGUE, ModelFiles, ModelLocation, ModelSpec, detect_files
from swictation_gui.models.download import (
    CancelledError,
    CancelToken,
    LocalDiskError,
    Progress,
    ProgressFn,
    ensure_free_space,
    fetch,
    os_error,
    sha256_of,
)

WarningFn = Callable[[str], None]
_MB = 1024 * 1024
_STALE_S = 24 * 3600
_ARCHIVE_SUFFIXES = (".tar.bz2", ".tbz2", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar")


@dataclass(frozen=True)
class Source:
    """What to download and how to verify it.

    Attributes:
        url: Archive address (http, https, or file for a local archive).
        archive_top: The model's folder inside the archive, or None to use the archive's only top folder.
        size: Archive size in bytes, when known.
        sha256: Expected archive digest (lower-case hex), when known.
        sha256_verified: False when the digest is not from the publisher (a mismatch only warns).
        unpacked_bytes: Approximate size after extraction, for the free-space check.
        spec: The catalogue entry, if any.
    """

    url: str
    archive_top: str | None
    size: int | None
    sha256: str | None
    sha256_verified: bool
    unpacked_bytes: int | None
    spec: ModelSpec | None = None

    @property
    def archive_name(self) -> str:
        """The archive's file name, from the URL."""
        name = Path(urllib.parse.unquote(urllib.parse.urlsplit(self.url).path)).name
        return re.sub(r"[^A-Za-z0-9._+-]", "_", name) or "model.tar.bz2"

    @property
    def local_path(self) -> Path | None:
        """The archive on this computer for a ``file://`` source, else None."""
        parts = urllib.parse.urlsplit(self.url)
        return Path(urllib.request.url2pathname(parts.path)) if parts.scheme == "file" else None

    @property
    def files(self) -> ModelFiles | None:
        """The catalogue's file layout, or None to detect it."""
        return self.spec.files if self.spec else None


def source_for_spec(spec: ModelSpec) -> Source:
    """The download source of a catalogue model."""
    return Source(url=spec.url, archive_top=spec.archive_top, size=spec.archive_size, sha256=spec.sha256,
                  sha256_verified=spec.sha256_verified, unpacked_bytes=spec.unpacked_mb * _MB, spec=spec)


def source_for_url(url: str, sha256: str | None = None) -> Source:
    """A download by URL; a digest given by the user is trusted like a pinned one.

    Raises:
        DownloadError: the URL is not http(s) or the digest is not 64 hex digits.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"{url} is not an http:// or https:// address.")
    _check_digest(sha256)
    return Source(url=url, archive_top=None, size=None, sha256=sha256.lower() if sha256 else None,
                  sha256_verified=sha256 is not None, unpacked_bytes=None)


def _check_digest(sha256: str | None) -> None:
    if sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise DownloadError("--sha256 needs the 64 hexadecimal digits of the archive's SHA-256 digest.")


def spec_for_archive_name(name: str) -> ModelSpec | None:
    """The catalogue model whose release archive has the file name ``name``, if any."""
    return next((s for s in catalogue.CATALOGUE
                 if Path(urllib.parse.unquote(urllib.parse.urlsplit(s.url).path)).name == name), None)


def local_archive(path_or_url: str | Path) -> Path:
    """The local .tar.bz2 that a path or a ``file://`` URL names, checked to exist and to be bzip2 data.

    Raises:
        DownloadError: another kind of URL, a missing or unreadable file, a folder, or not a .tar.bz2.
    """
    text = str(path_or_url)
    if "://" in text:
        parts = urllib.parse.urlsplit(text)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise DownloadError(f"{text} is not a file:// address of this computer.")
        text = urllib.request.url2pathname(parts.path)
    path = Path(text).expanduser().absolute()
    if path.is_dir():
        raise DownloadError(f"{path} is a folder, not a .tar.bz2 archive; use a model folder with "
                            "transcribe --model or in Settings.")
    try:
        with path.open("rb") as handle:
            magic = handle.read(3)
    except FileNotFoundError:
        raise DownloadError(f"There is no archive {path}; check the path.") from None
    except OSError as exc:
        raise DownloadError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if magic != b"BZh":
        raise DownloadError(f"{path} is not a .tar.bz2 archive (it is not bzip2-compressed); nothing was installed.")
    return path


def source_for_file(path_or_url: str | Path, sha256: str | None = None, spec: ModelSpec | None = None) -> Source:
    """A model archive on this computer (a path or a ``file://`` URL), checked like a download.

    An archive for ``spec`` (default: the catalogue model with the archive's file name) is held to
    that model's pinned size and SHA-256 and installed under its name; ``sha256`` (trusted like a
    pinned digest) is checked as well.

    Raises:
        DownloadError: see ``local_archive``; or the digest is not 64 hex digits.
    """
    _check_digest(sha256)
    path = local_archive(path_or_url)
    spec = spec or spec_for_archive_name(path.name)
    if spec is not None:
        source = dataclasses.replace(source_for_spec(spec), url=path.as_uri())
    else:
        source = Source(url=path.as_uri(), archive_top=None, size=None, sha256=None, sha256_verified=False,
                        unpacked_bytes=None)
    if sha256 is not None:
        source = dataclasses.replace(source, sha256=sha256.lower(), sha256_verified=True)
    return source


def part_path(source: Source, root: Path | None = None) -> Path:
    """Where the partial download of ``source`` is kept."""
    return (root or paths.models_dir()) / ".downloads" / (source.archive_name + ".part")


def install(source: Source, *, root: Path | None = None, on_progress: ProgressFn | None = None,
            on_warning: WarningFn | None = None, cancel: CancelToken | None = None,
            session: requests.Session | None = None, check_timeout: float = check.PROBE_TIMEOUT_S) -> ModelLocation:
    """Download, verify, unpack, check and install ``source`` under ``root`` (default: the models folder).

    Runs on a worker thread (or the CLI's main thread); callbacks run on the same thread.

    Returns:
        The installed model's location.

    Raises:
        DownloadError: with a message saying what to do (CancelledError when cancelled).
    """
    root = root or paths.models_dir()
    cancel = cancel or CancelToken()
    warn = on_warning or (lambda _msg: None)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, root, "creating the models folder") from None
    _remove_stale(root)
    local = source.local_path
    if local is not None:
        return _install_from(source, local_archive(local), root, on_progress, warn, cancel, check_timeout)
    part = part_path(source, root)
    try:
        with _exclusive(part.with_suffix(".lock")):
            return _install_locked(source, part, root, on_progress, warn, cancel, session, check_timeout)
    finally:
        _remove_if_empty(part.parent)


def _install_locked(source: Source, part: Path, root: Path, on_progress: ProgressFn | None, warn: WarningFn,
                    cancel: CancelToken, session: requests.Session | None, check_timeout: float) -> ModelLocation:
    fetch(source.url, part, expected_size=source.size, extra_space=source.unpacked_bytes or 0,
          on_progress=on_progress, cancel=cancel, session=session)
    try:
        location = _install_from(source, part, root, on_progress, warn, cancel, check_timeout)
    except LocalDiskError:
        raise  # the archive itself is fine: keep it, so a retry after freeing space needs no download
    except DownloadError as exc:
        if not (isinstance(exc, CancelledError) and cancel.keep_partial):  # kept when asked, for a resume
            part.unlink(missing_ok=True)  # verified-bad, damaged or refused: a retry must download afresh
        raise
    part.unlink(missing_ok=True)
    if source.spec is not None:  # a catalogue model comes with its extra files (the voice detector)
        from swictation_gui.models.extra import install_vad_quietly

        for extra in source.spec.extras:
            message = install_vad_quietly(root, session, extra)
            if message:
                warn(message)
    return location


def _install_from(source: Source, archive_file: Path, root: Path, on_progress: ProgressFn | None, warn: WarningFn,
                  cancel: CancelToken, check_timeout: float) -> ModelLocation:
    """Verify, unpack, check and install ``archive_file`` (the .part, or the user's own archive, kept)."""
    _verify(source, archive_file, on_progress, warn, cancel)
    location = _unpack_and_install(source, archive_file, root, on_progress, cancel, check_timeout)
    log.models.info("Installed %s in %s", source.url, location.folder)
    return location


def _fate(source: Source, downloaded: str) -> str:
    """What happened to a refused archive: ``downloaded`` for a download; a local archive is left alone."""
    return "Nothing was installed." if source.local_path is not None else downloaded


@contextlib.contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock`` so two processes never write the same .part file."""
    try:
        import fcntl
    except ImportError:  # Windows: the app's single-instance guard has to do
        yield
        return
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = lock.open("a+b")
    except OSError as exc:
        raise os_error(exc, lock.parent, "preparing the download") from None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DownloadError("This model is already being downloaded by another swictation-gui window or "
                                "command; wait for it to finish.") from None
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)


def _verify(source: Source, part: Path, on_progress: ProgressFn | None, warn: WarningFn,
            cancel: CancelToken) -> None:
    size = part.stat().st_size
    if source.size is not None and size != source.size:
        if source.local_path is not None:
            raise DownloadError(f"The archive {source.local_path} has {size} bytes instead of the {source.size} of "
                                f"{source.archive_name}: it is incomplete or another file. Nothing was installed.")
        raise DownloadError(f"The download has {size} bytes instead of {source.size}; it was deleted. Try again.")
    if source.sha256 is None:
        message = (f"No published checksum for {source.archive_name}: it is verified by "
                   f"{'its size and ' if source.size else ''}a test load of the model only.")
        log.models.warning(message)
        warn(message)
        return
    digest = sha256_of(part, on_progress, cancel)
    if digest == source.sha256.lower():
        if not source.sha256_verified:
            message = (f"The checksum of {source.archive_name} matches, but it comes from a single unofficial "
                       "source; the model is also verified by a test load.")
            log.models.warning(message)
            warn(message)
        return
    if source.sha256_verified:
        what = source.local_path or f"The download of {source.archive_name}"
        raise DownloadError(f"{what} is corrupt or was tampered with (SHA-256 checksum mismatch: "
                            f"{digest[:16]}… instead of {source.sha256[:16]}…). "
                            + _fate(source, "It was deleted; try again, and if this repeats, report it."))
    message = (f"The SHA-256 of {source.archive_name} ({digest[:16]}…) differs from the unverified catalogue value; "
               "relying on its size and a test load of the model instead.")
    log.models.warning(message)
    warn(message)


def _unpack_and_install(source: Source, part: Path, root: Path, on_progress: ProgressFn | None,
                        cancel: CancelToken, check_timeout: float) -> ModelLocation:
    unpacked = source.unpacked_bytes or int(part.stat().st_size * 1.5)
    try:
        ensure_free_space(root, unpacked, "unpacking the model")
        tmp = Path(tempfile.mkdtemp(prefix=".install-", dir=root))
    except OSError as exc:
        raise os_error(exc, root, "unpacking the model") from None
    try:
        tops = _extract(source, part, tmp, on_progress, cancel)
        folder, name = _model_folder(source, tmp, tops)
        files = source.files or detect_files(folder)
        cancel.raise_if_cancelled()
        if on_progress is not None:
            on_progress(Progress("check", 0, None))
        try:
            check.check_folder(ModelLocation(folder, files, source.spec), use_cache=False, timeout=check_timeout)
        except ModelError as exc:
            what = "The downloaded model" if source.local_path is None else f"The model in {part.name}"
            raise DownloadError(f"{what} does not work, so it was not installed: {exc}") from None
        cancel.raise_if_cancelled()
        target = root / name
        try:
            replace_dir(folder, target)
        except OSError as exc:
            raise os_error(exc, target, "installing the model") from None
        spec = source.spec or next((s for s in CATALOGUE if s.name == name and s.files == files), None)
        return ModelLocation(target, files, spec)
    finally:
        _rmtree(tmp)


def _extract(source: Source, archive_file: Path, tmp: Path, on_progress: ProgressFn | None,
             cancel: CancelToken) -> list[str]:
    try:
        return archive.extract(archive_file, tmp, on_progress, cancel)
    except DownloadError as exc:
        if source.local_path is None or type(exc) is not DownloadError:
            raise  # a download is deleted (as the message says); unsafe, disk and cancel messages fit both
        reason = str(exc.__context__ or "")[:120] or "truncated"
        raise DownloadError(f"The archive {archive_file} is damaged or not a model archive ({reason}). "
                            "Nothing was installed; get a fresh copy.") from None


def _model_folder(source: Source, tmp: Path, tops: list[str]) -> tuple[Path, str]:
    """The extracted model folder and the name it is installed under."""
    if source.archive_top is not None:
        top = archive.normalize_member(source.archive_top)
        if not (tmp / top).is_dir():
            raise DownloadError(f"The archive {source.archive_name} does not contain the folder {top}; "
                                "it is not the expected model. " + _fate(source, "It was deleted."))
        return tmp / top, source.spec.name if source.spec else top
    if len(tops) == 1 and (tmp / tops[0]).is_dir() and not tops[0].startswith("."):
        return tmp / tops[0], tops[0]
    stem = source.archive_name
    for suffix in _ARCHIVE_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if not stem or stem.startswith("."):
        raise DownloadError(f"Cannot name a folder for {source.archive_name}; rename the archive and try again.")
    return tmp, stem


def replace_dir(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target``; an existing ``target`` is moved aside first and restored on failure."""
    if not (target.exists() or target.is_symlink()):
        os.rename(new, target)
        return
    old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)
        raise
    _rmtree(old)


def remove_model(folder: Path) -> None:
    """Delete an installed model folder: renamed aside first, so it disappears at once.

    Raises:
        DownloadError: the folder cannot be removed (permissions).
    """
    if folder.is_symlink():
        folder.unlink()
        return
    old = folder.with_name(f".old-{folder.name}-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(folder, old)
    except OSError as exc:
        raise os_error(exc, folder, "removing the model") from None
    _rmtree(old)


def _rmtree(path: Path) -> None:
    if path.is_symlink():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty (a partial download to resume) or already gone
        folder.rmdir()


def _remove_stale(root: Path) -> None:
    """Delete temporary folders that a crashed install left behind (older than a day)."""
    now = time.time()
    for entry in root.glob(".*-*"):
        if entry.name.startswith((".install-", ".old-")) and entry.is_dir():
            try:
                if now - entry.stat().st_mtime > _STALE_S:
                    _rmtree(entry)
            except OSError:
                continue
