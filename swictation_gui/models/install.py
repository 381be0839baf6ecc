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
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

from swictation_gui import log, paths
from swictation_gui.errors import DownloadError, ModelError
from swictation_gui.models import archive, check
from swictation_gui.models.catalogue import CATALOGUE, ModelLocation, detect_files
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
from swictation_gui.models.sources import Source, local_archive

WarningFn = Callable[[str], None]
InstalledFn = Callable[[ModelLocation], None]
_STALE_S = 24 * 3600
_ARCHIVE_SUFFIXES = (".tar.bz2", ".tbz2", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar")


def part_path(source: Source, root: Path | None = None) -> Path:
    """Where the partial download of ``source`` is kept."""
    return (root or paths.models_dir()) / ".downloads" / (source.archive_name + ".part")


def install(source: Source, *, root: Path | None = None, on_progress: ProgressFn | None = None,
            on_warning: WarningFn | None = None, cancel: CancelToken | None = None,
            session: requests.Session | None = None, check_timeout: float = check.PROBE_TIMEOUT_S,
            on_installed: InstalledFn | None = None) -> ModelLocation:
    """Download, verify, unpack, check and install ``source`` under ``root`` (default: the models folder).

    ``on_installed`` runs once the model is in place, before its extra files (the app passes the engine self-test:
    ``recognition.engine_choice.verdict_at_install``); it must not raise.

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
        location = _install_from(source, local_archive(local), root, on_progress, warn, cancel, check_timeout)
    else:
        part = part_path(source, root)
        try:
            with _exclusive(part.with_suffix(".lock")):
                location = _install_locked(source, part, root, on_progress, warn, cancel, session, check_timeout)
        finally:
            _remove_if_empty(part.parent)
    # After the download lock: another window may fetch the same model meanwhile; these may take a while.
    if on_installed is not None:
        on_installed(location)
    _install_extras(source, root, session, warn, beside=local.parent if local is not None else None)
    return location


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
    return location


def _install_extras(source: Source, root: Path, session: requests.Session | None, warn: WarningFn,
                    beside: Path | None = None) -> None:
    """A catalogue model comes with its extra files (the voice detector): from ``beside`` (the folder of the user's
    own archive) when a verified copy lies there, else downloaded; a failure is only a warning."""
    if source.spec is None:
        return
    from swictation_gui.models.extra import install_vad_quietly

    for extra in source.spec.extras:
        message = install_vad_quietly(root, session, extra, beside)
        if message:
            warn(message)


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
