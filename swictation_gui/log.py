"""Logging set-up: named per-subsystem loggers, a rotating file, and an in-memory tail."""

from __future__ import annotations

import collections
import io
import logging
import logging.handlers
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

audio = logging.getLogger("swictation.audio")
hotkey = logging.getLogger("swictation.hotkey")
injection = logging.getLogger("swictation.injection")
recognition = logging.getLogger("swictation.recognition")
session = logging.getLogger("swictation.session")
models = logging.getLogger("swictation.models")
ui = logging.getLogger("swictation.ui")
init = logging.getLogger("swictation.init")

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


class TailHandler(logging.Handler):
    """Keeps the last ``capacity`` formatted records for "Open log" and bug reports."""

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__()
        self._lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self._lock_tail = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        """Runs on whichever thread logged; only appends to a bounded deque."""
        try:
            line = self.format(record)
        except Exception:  # a bad format string must never break the caller
            return
        with self._lock_tail:
            self._lines.append(line)

    def lines(self) -> list[str]:
        """A snapshot of the retained lines, oldest first."""
        with self._lock_tail:
            return list(self._lines)


tail = TailHandler()

FILE_MODE = 0o600
"""The log and its rotated copies are private: they name files, devices and (with -v) transcripts."""


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file created with mode 0600 (an existing one, and its backups, are tightened)."""

    def __init__(self, filename: Path, max_bytes: int, backup_count: int) -> None:
        for index in range(backup_count + 1):
            old = Path(f"{filename}.{index}") if index else filename
            try:
                if old.exists() and old.stat().st_mode & 0o777 != FILE_MODE:
                    old.chmod(FILE_MODE)
            except OSError:
                continue
        super().__init__(filename, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        """Open (or create) the file as 0600 whatever the umask; rotation renames, so backups keep it."""
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            if hasattr(os, "fchmod"):  # POSIX: tighten a file an older version created
                os.fchmod(fd, FILE_MODE)
            return open(fd, "a", encoding=self.encoding, errors=self.errors)
        except BaseException:
            os.close(fd)
            raise


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes, not the stream that was current at setup (a
    replaced and closed stderr, as under test capture or a redirected console, must not break logging)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def setup(level: int = logging.INFO, log_file: Path | None = None, stderr: bool = True,
          file_level: int = logging.INFO) -> None:
    """Configure the ``swictation`` logger tree; safe to call again.

    ``level`` is for stderr, ``file_level`` for the rotating file. Transcripts are logged at debug level only,
    so the file holds none unless the user asks for debug logging.
    """
    root = logging.getLogger("swictation")
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(_FORMAT)
    tail.setFormatter(formatter)
    tail.setLevel(logging.DEBUG)
    root.addHandler(tail)
    if stderr:
        console = _CurrentStderr()
        console.setFormatter(formatter)
        console.setLevel(level)
        root.addHandler(console)
    if log_file is not None:
        try:
            log_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            file_handler = PrivateRotatingFileHandler(log_file, max_bytes=2_000_000, backup_count=3)
        except OSError as exc:
            root.warning("Cannot write the log file %s (%s); logging to the console only", log_file, exc)
        else:
            file_handler.setFormatter(formatter)
            file_handler.setLevel(file_level)
            root.addHandler(file_handler)
    root.propagate = False


def run_each(steps: Iterable[tuple[str, Callable[[], object]]], logger: logging.Logger, failed: str) -> None:
    """Run every step in order, even after one raised; each failure is logged with ``failed % name`` (any thread)."""
    for name, step in steps:
        try:
            step()
        except Exception:
            logger.exception(failed, name)
