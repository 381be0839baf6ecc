"""Unhandled exceptions in Qt slots and threads go to the log and to a tray message, never only to stderr."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from swictation_gui import log


class _Bridge(QObject):
    """Lives on the GUI thread; ``message`` may be emitted from any thread and is delivered there (queued)."""

    message = Signal(str)

    def __init__(self, notify: Callable[[str], None]) -> None:
        super().__init__()
        self._notify = notify
        self.message.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(str)
    def _deliver(self, text: str) -> None:
        """GUI thread: hand the message to ``notify``."""
        self._notify(text)


_bridge: _Bridge | None = None
_previous: tuple[Callable[..., Any], Callable[..., Any]] | None = None


def install(notify: Callable[[str], None]) -> None:
    """Route unhandled exceptions (``sys.excepthook``, ``threading.excepthook``) to the log and to ``notify``.

    Call on the GUI thread with its Qt application running or about to run; ``notify`` is always called on
    the GUI thread, whichever thread raised. Installing again replaces the earlier ``notify``.
    """
    global _bridge, _previous
    uninstall()
    _bridge = _Bridge(notify)
    _previous = (sys.excepthook, threading.excepthook)
    sys.excepthook = _sys_hook
    threading.excepthook = _thread_hook


def uninstall() -> None:
    """Put the hooks back as they were before ``install`` (GUI thread); messages not yet delivered are dropped."""
    global _bridge, _previous
    if _previous is not None:
        sys.excepthook, threading.excepthook = _previous
    _previous = None
    _bridge = None


def user_message(exc_type: type[BaseException], exc: BaseException | None) -> str:
    """What the user is told about an unexpected error (any thread)."""
    text = str(exc).strip().splitlines()[0][:200] if exc is not None and str(exc).strip() else ""
    what = f"{exc_type.__name__}: {text}" if text else exc_type.__name__
    return f"Something went wrong inside Swictation ({what}). Details are in the log (tray menu → Open log)."


def _report(where: str, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Any thread: log the traceback and queue the message for the GUI thread; never raises."""
    try:
        log.ui.error("Unhandled exception in %s", where, exc_info=(exc_type, exc, tb))
        bridge = _bridge
        if bridge is not None:
            bridge.message.emit(user_message(exc_type, exc))
    except Exception:  # a hook that raises would hide the original error for good
        pass


def _sys_hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook``: runs on the thread that raised (a Qt slot's exception arrives here)."""
    if issubclass(exc_type, KeyboardInterrupt) and _previous is not None:
        _previous[0](exc_type, exc, tb)
        return
    _report(f"the {threading.current_thread().name} thread", exc_type, exc, tb)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    """``threading.excepthook``: runs on the thread that raised."""
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "an unnamed"
    exc = args.exc_value if args.exc_value is not None else RuntimeError(args.exc_type.__name__)
    _report(f"the {name} thread", args.exc_type, exc, args.exc_traceback)
