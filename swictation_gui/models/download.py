"""Resumable HTTP(S) download of a model archive into a ``.part`` file, with progress and cancel.

All functions here block and run on a worker thread (or the CLI's main thread); the progress
callback is called on that same thread, so a GUI must forward it to its own thread.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import re
import shutil
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import requests

from swictation_gui import log
from swictation_gui.errors import DownloadError

CHUNK = 64 * 1024
CONNECT_TIMEOUT_S = 15.0
READ_TIMEOUT_S = 60.0
_MB = 1024 * 1024


class CancelledError(DownloadError):
    """The user cancelled; nothing is left behind."""


class LocalDiskError(DownloadError):
    """Writing to the local disk failed (disk full, permission denied); a verified .part is worth keeping."""


class NetworkError(DownloadError):
    """The server could not be reached or the connection dropped (the user may be offline)."""


class CancelToken:
    """A thread-safe flag: any thread may call ``cancel()``, the worker polls ``raise_if_cancelled()``.

    ``keep_partial`` (set by ``cancel(keep_partial=True)``) asks the download to keep its ``.part``
    file, so that the next download of the same archive resumes with a Range request.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self.keep_partial = False
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def cancel(self, keep_partial: bool = False) -> None:
        """Ask the worker to stop at its next check, and run the registered callbacks. Safe from any thread."""
        with self._lock:
            self.keep_partial = keep_partial
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback()
            except Exception as exc:  # an abort hook must never break the caller (the GUI thread)
                log.models.debug("Cancel callback failed: %s", exc)

    @contextlib.contextmanager
    def hook(self, callback: Callable[[], None]) -> Iterator[None]:
        """While the ``with`` block runs, ``cancel()`` also calls ``callback`` (on the cancelling thread)."""
        with self._lock:
            self._callbacks.append(callback)
            already = self._event.is_set()
        try:
            if already:
                callback()
            yield
        finally:
            with self._lock:
                self._callbacks.remove(callback)

    @property
    def cancelled(self) -> bool:
        """True once ``cancel()`` was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise CancelledError when cancelled. Runs on the worker thread."""
        if self._event.is_set():
            raise CancelledError("Cancelled; nothing was installed.")


@dataclass(frozen=True)
class Progress:
    """One progress report.

    Attributes:
        phase: "download", "verify", "extract" or "check".
        done: Bytes handled so far in this phase.
        total: Bytes this phase will handle, or None when unknown.
        rate: Bytes per second (smoothed), 0 when unknown.
        eta: Seconds left, or None when unknown.
    """

    phase: str
    done: int
    total: int | None
    rate: float = 0.0
    eta: float | None = None

    @property
    def fraction(self) -> float | None:
        """done/total in [0, 1], or None when the total is unknown."""
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


ProgressFn = Callable[[Progress], None]


class RateMeter:
    """Smoothed throughput and ETA for one phase; reports at most every ``interval`` seconds."""

    def __init__(self, phase: str, total: int | None, start: int = 0, interval: float = 0.1) -> None:
        self.phase, self.total, self.interval = phase, total, interval
        self._t0 = self._last_emit = time.monotonic()
        self._base = start
        self._rate = 0.0

    def report(self, done: int, callback: ProgressFn | None, force: bool = False) -> None:
        """Call ``callback`` with the current progress if enough time has passed (or ``force``)."""
        now = time.monotonic()
        if callback is None or (not force and now - self._last_emit < self.interval):
            return
        self._last_emit = now
        elapsed = now - self._t0
        if elapsed > 0.2:
            self._rate = (done - self._base) / elapsed
        eta = (self.total - done) / self._rate if self.total and self._rate > 0 else None
        callback(Progress(self.phase, done, self.total, self._rate, eta))


def describe_size(n: float) -> str:
    """Human-readable size in MB (one decimal)."""
    return f"{n / _MB:.1f} MB"


def os_error(exc: OSError, path: Path, action: str) -> LocalDiskError:
    """A user-facing DownloadError for a local file-system failure (disk full, permission denied)."""
    if exc.errno == errno.ENOSPC:
        return LocalDiskError(f"The disk is full while {action} ({path}). Free some space and try again; "
                             "a partial download is resumed where it stopped.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return LocalDiskError(f"Permission denied while {action} ({path}). Choose a folder you can write to "
                             "(--dir) or fix its permissions.")
    return LocalDiskError(f"Cannot write {path} while {action}: {exc.strerror or exc}.")


def ensure_free_space(folder: Path, needed: int, what: str) -> None:
    """Raise DownloadError unless ``folder``'s file system has ``needed`` bytes free."""
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise LocalDiskError(f"Not enough free disk space in {folder}: {what} needs about {describe_size(needed)}, "
                            f"only {describe_size(free)} is free. Free some space and try again.")


def _network_error(exc: requests.RequestException, url: str, part: Path, done: int) -> NetworkError:
    host = urllib.parse.urlsplit(url).hostname or url
    text = str(exc)
    if isinstance(exc, requests.ConnectionError) and done == 0 and (
            "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text
            or "Temporary failure in name resolution" in text):
        return NetworkError(f"Cannot find the server {host} (no network or DNS failure). Check your internet "
                            "connection, then try again.")
    if isinstance(exc, requests.ConnectTimeout) or (isinstance(exc, requests.ConnectionError) and done == 0
                                                     and "Connection refused" in text):
        return NetworkError(f"Cannot connect to {host} (no network, or the server is down). Check your internet "
                            "connection, then try again.")
    if done > 0:
        return NetworkError(f"The connection to {host} dropped after {describe_size(done)}. The partial download "
                            f"is kept in {part}; try again to resume where it stopped.")
    return NetworkError(f"Cannot download from {host}: {text[:200]}. Check your internet connection, then try again.")


_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def fetch(url: str, part: Path, *, expected_size: int | None = None, extra_space: int = 0,
          on_progress: ProgressFn | None = None, cancel: CancelToken | None = None,
          session: requests.Session | None = None) -> Path:
    """Download ``url`` into ``part``, resuming from its current length with an HTTP Range request.

    Runs on a worker thread. The ``.part`` file is kept when the connection drops (so the next
    call resumes) and deleted on cancel (kept on ``cancel(keep_partial=True)``). ``extra_space`` is
    what the caller will need besides the archive (the unpacked model); it is included in the free-space check.

    Returns:
        ``part``, complete (its length equals the server's total or ``expected_size``).

    Raises:
        DownloadError: with a message that says what to do; CancelledError on cancel.
    """
    cancel = cancel or CancelToken()
    http = session or requests.Session()  # honours HTTP(S)_PROXY / NO_PROXY from the environment
    try:
        part.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, part.parent, "creating the download folder") from None
    for _attempt in range(2):  # a second attempt only after a 416 on a stale .part
        start = part.stat().st_size if part.exists() else 0
        if expected_size is not None and start > expected_size:
            log.models.warning("%s is longer than the expected archive; starting over", part)
            part.unlink()
            start = 0
        if expected_size is not None:
            ensure_free_space(part.parent, expected_size - start + extra_space, "the download")
        headers = {"Accept-Encoding": "identity"}
        if start:
            headers["Range"] = f"bytes={start}-"
        cancel.raise_if_cancelled()
        log.models.info("GET %s (from byte %d)", url, start)
        try:
            resp = http.get(url, headers=headers, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        except requests.RequestException as exc:
            raise _network_error(exc, url, part, 0) from None
        with resp:
            if resp.status_code == 416 and start:
                total = _total_from_416(resp)
                if total == start and (expected_size is None or expected_size == start):
                    return part  # already complete
                part.unlink()
                continue
            _raise_for_status(resp, url)
            total, append = _plan(resp, start, expected_size)
            if not append:
                start = 0
            if total is not None and expected_size is not None and total != expected_size:
                part.unlink(missing_ok=True)
                raise DownloadError(f"The server offers {total} bytes instead of the expected {expected_size} for "
                                    f"{url}; it is not the expected file. Update swictation-gui or try again later.")
            if total is not None and expected_size is None:
                ensure_free_space(part.parent, total - start + extra_space, "the download")
            with cancel.hook(functools.partial(_abort, resp)):
                _stream(resp, part, start, total, append, url, on_progress, cancel)
        return part
    raise DownloadError(f"The server keeps refusing to resume {url}. Delete {part} and try again.")


def _abort(resp: requests.Response) -> None:
    """Wake a read blocked on a stalled server by shutting the socket down. Runs on the cancelling thread."""
    sock = getattr(getattr(resp.raw, "connection", None), "sock", None)
    if sock is None:
        # WORKAROUND: with "Connection: close" http.client hands the socket to the response object
        # (HTTPResponse.fp -> BufferedReader -> SocketIO._sock) and clears connection.sock.
        socket_io = getattr(getattr(getattr(resp.raw, "_fp", None), "fp", None), "raw", None)
        sock = getattr(socket_io, "_sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _total_from_416(resp: requests.Response) -> int | None:
    match = re.match(r"bytes \*/(\d+)", resp.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _raise_for_status(resp: requests.Response, url: str) -> None:
    code = resp.status_code
    if code == 404:
        raise DownloadError(f"The model archive was not found (HTTP 404) at {url}. The release may have moved: "
                            "update swictation-gui, or download it by URL: swictation-gui models download URL.")
    if code >= 500:
        raise DownloadError(f"The server had a problem (HTTP {code}) with {url}. Try again later.")
    if code >= 400 or code not in (200, 206):
        raise DownloadError(f"The server refused the download (HTTP {code} {resp.reason}) of {url}.")


def _plan(resp: requests.Response, start: int, expected_size: int | None) -> tuple[int | None, bool]:
    """(total archive size or None, whether to append to the existing .part)."""
    length = resp.headers.get("Content-Length")
    if resp.status_code == 206:
        match = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
        if not match or int(match.group(1)) != start:
            raise DownloadError("The server answered a resume request with the wrong part of the file. "
                                "Delete the .part file and try again.")
        total = int(match.group(3)) if match.group(3) != "*" else None
        return total or expected_size, True
    if start:
        log.models.info("The server ignored the Range request; downloading from the start")
    total = int(length) if length and length.isdigit() else expected_size
    return total, False


def _open_part(part: Path, append: bool) -> BinaryIO:
    """The .part file, opened for writing (a seam: tests replace it to simulate a full disk)."""
    return part.open("ab" if append else "wb")


def _stream(resp: requests.Response, part: Path, start: int, total: int | None, append: bool, url: str,
            on_progress: ProgressFn | None, cancel: CancelToken) -> None:
    meter = RateMeter("download", total, start)
    done = start
    try:
        handle = _open_part(part, append)
    except OSError as exc:
        raise os_error(exc, part, "saving the download") from None
    keep_part = True
    try:
        with handle:
            meter.report(done, on_progress, force=True)
            while not cancel.cancelled:
                try:
                    chunk = resp.raw.read1(CHUNK, decode_content=False)
                except Exception as exc:  # urllib3/http.client raise many types for a dropped connection
                    cancel.raise_if_cancelled()  # _abort() shut the socket down
                    raise _network_error(requests.ConnectionError(str(exc)), url, part, done) from None
                if not chunk:
                    break
                if total is not None and done + len(chunk) > total:
                    keep_part = False
                    raise DownloadError(f"The server sent more than the expected {total} bytes for {url}; "
                                        "the partial file was deleted. Try again later.")
                try:
                    handle.write(chunk)
                except OSError as exc:
                    raise os_error(exc, part, "saving the download") from None
                done += len(chunk)
                meter.report(done, on_progress)
    except OSError as exc:  # flushing on close
        raise os_error(exc, part, "saving the download") from None
    finally:
        if (cancel.cancelled and not cancel.keep_partial) or not keep_part:
            part.unlink(missing_ok=True)
    cancel.raise_if_cancelled()
    meter.report(done, on_progress, force=True)
    if total is not None and done < total:
        raise _network_error(requests.ConnectionError("short read"), url, part, done)


def sha256_of(path: Path, on_progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> str:
    """Hex SHA-256 of ``path``, with "verify" progress. Runs on a worker thread."""
    total = path.stat().st_size
    meter = RateMeter("verify", total)
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            if cancel is not None:
                cancel.raise_if_cancelled()
            digest.update(block)
            done += len(block)
            meter.report(done, on_progress)
    meter.report(done, on_progress, force=True)
    return digest.hexdigest()
