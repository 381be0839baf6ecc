"""SIGINT/SIGTERM as a callback: the C-level wake-up byte is read on a small thread (works inside any event loop)."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable

from swictation_gui import log


class StopSignals:
    """Calls ``on_signal`` (on the "signals" thread; it must only post to the owner thread) for SIGINT/SIGTERM.

    ``signal.set_wakeup_fd`` writes a byte the moment a signal arrives, even while the main thread
    sits in Qt's C++ event loop and runs no Python code, so no polling timer is needed.
    """

    def __init__(self, on_signal: Callable[[], None]) -> None:
        self._on_signal = on_signal
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        self._thread = threading.Thread(target=self._run, name="signals", daemon=True)

    def install(self) -> None:
        """Route SIGINT/SIGTERM here (main thread only)."""
        signal.set_wakeup_fd(self._writer.fileno())
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda _s, _f: None)  # the wake-up byte does the work
        self._thread.start()

    def _run(self) -> None:
        """Signals thread: block until a wake-up byte arrives, then report it."""
        while True:
            try:
                data = self._reader.recv(64)
            except OSError:
                return
            if not data:
                return
            log.init.info("Signal %s received; shutting down", ",".join(str(b) for b in data))
            try:
                self._on_signal()
            except Exception:
                log.init.exception("Handling a stop signal failed")

    def uninstall(self) -> None:
        """Restore the default handlers and stop the thread (main thread)."""
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        self._writer.close()
        self._reader.close()
