"""The cancel key in the app: armed (grabbed) only while a recording runs; a press drops the recording (GUI thread).

The key itself is watched by ``platform.cancel_key.X11CancelKey`` on its own thread; its callbacks only emit this
object's signals, which Qt queues to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui import log
from swictation_gui.core.dictation import Dictation
from swictation_gui.core.events import EventLog
from swictation_gui.platform import x11
from swictation_gui.platform.cancel_key import X11CancelKey
from swictation_gui.settings import Settings
from swictation_gui.settings.schema import cancel_key_problem


class CancelKey(Protocol):
    """What the control needs of a cancel-key backend (``X11CancelKey``)."""

    def start(self) -> None:
        """Start watching (once)."""

    def arm(self, armed: bool) -> None:
        """Grab the key (True) or release it (False); never blocks."""

    def stop(self) -> None:
        """Release the key and end; returns at once."""

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the end after ``stop``."""
        ...


def usable_cancel_key(s: Settings) -> str | None:
    """The cancel key of ``s``, or None when it is off or part of the hotkey (the latter is logged)."""
    problem = cancel_key_problem(s)
    if problem:
        log.hotkey.warning("%s", problem)
        return None
    return s.cancel_key


class CancelKeyControl(QObject):
    """Builds the backend for the "cancel_key" setting, arms it with each recording and acts on its presses."""

    pressed = Signal()
    armed_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, dictation: Dictation, events: EventLog, on_cancelled: Callable[[], None]) -> None:
        super().__init__()
        self.dictation, self.events, self._on_cancelled = dictation, events, on_cancelled
        self.key: str | None = None
        self.backend: CancelKey | None = None
        self._retired: list[CancelKey] = []
        self._announced = 0  # the recording whose cancel was announced
        self.pressed.connect(self.on_pressed)
        self.armed_changed.connect(self._armed_changed)
        self.failed.connect(self._failed)

    def configure(self, s: Settings) -> None:
        """Use the cancel key ``s`` asks for (none when off, conflicting with the hotkey, or without X11)."""
        key = usable_cancel_key(s)
        if key == self.key and self.backend is not None:
            return
        self.stop()
        self.key = key
        if key is None or not x11.x11_available():
            return
        self.backend = X11CancelKey(key, self.pressed.emit, self.armed_changed.emit, self.failed.emit)
        self._announced = 0
        self.backend.start()
        if self.dictation.session.recording:
            self.backend.arm(True)

    def set_recording(self, recording: bool) -> None:
        """A recording started (grab the key) or ended (release it at once)."""
        if self.backend is not None:
            self.backend.arm(recording)

    @Slot()
    def on_pressed(self) -> None:
        """The cancel key went down (seen by its grab, or by the hotkey listener while the hotkey's own grab held
        the keyboard): cancel the recording and tell the user once, however many of them saw it."""
        seq = self.dictation.cancel_recording()
        if seq is not None and seq != self._announced:
            self._announced = seq
            self.events.emit("cancel_key", key=self.key, seq=seq)
            self._on_cancelled()

    @Slot(bool)
    def _armed_changed(self, armed: bool) -> None:
        self.events.emit("cancel_key_grab", armed=armed)

    @Slot(str)
    def _failed(self, message: str) -> None:
        log.hotkey.warning("%s", message)
        self.events.emit("error", kind="cancel_key", message=message)

    def stop(self) -> None:
        """Release the key and end the backend's thread without waiting (idempotent)."""
        if self.backend is not None:
            self.backend.stop()
            self._retired = [b for b in self._retired if not b.join(0)] + [self.backend]
            self.backend = None

    def join(self, timeout: float) -> bool:
        """Shutdown: wait, bounded, for the stopped backends' threads."""
        return all([backend.join(timeout) for backend in self._retired])
