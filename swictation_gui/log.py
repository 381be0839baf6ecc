"""Logging set-up: named per-subsystem loggers, a rotating file, and an in-memory tail."""

from __future__ import annotations

import collections
import logging
import logging.handlers
import threading
from pathlib import Path

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
        console = logging.StreamHandler()
        console.setFormatter(formatter)
        console.setLevel(level)
        root.addHandler(console)
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            file_handler = logging.handlers.RotatingFileHandler(
                log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        except OSError as exc:
            root.warning("Cannot write the log file %s (%s); logging to the console only", log_file, exc)
        else:
            file_handler.setFormatter(formatter)
            file_handler.setLevel(file_level)
            root.addHandler(file_handler)
    root.propagate = False
