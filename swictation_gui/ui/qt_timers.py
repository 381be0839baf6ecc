"""Timers for the dictation pipeline on Qt's event loop (``core.ports.Timers``); GUI thread only."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class _Timer:
    """One QTimer that can be cancelled (GUI thread)."""

    def __init__(self, parent: QObject, seconds: float, callback: Callable[[], None], single: bool) -> None:
        self._timer = QTimer(parent)
        self._timer.setSingleShot(single)
        self._timer.timeout.connect(callback)
        if single:
            self._timer.timeout.connect(self.cancel)
        self._timer.start(max(0, round(seconds * 1000)))

    def cancel(self) -> None:
        """Stop the timer; no effect once cancelled (GUI thread)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None  # type: ignore[assignment]


class QtTimers(QObject):
    """``call_later`` and ``every`` as QTimers owned by this object (GUI thread)."""

    def call_later(self, seconds: float, callback: Callable[[], None]) -> _Timer:
        """Run ``callback`` once after ``seconds`` on the GUI thread."""
        return _Timer(self, seconds, callback, single=True)

    def every(self, seconds: float, callback: Callable[[], None]) -> _Timer:
        """Run ``callback`` every ``seconds`` on the GUI thread until cancelled."""
        return _Timer(self, seconds, callback, single=False)
