"""The level meter's own stream on a microphone that is chosen on the page but not applied yet (GUI thread)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui import log
from swictation_gui.audio.capture import Capture
from swictation_gui.audio.capture_worker import METER
from swictation_gui.audio.events import CaptureEvent


class MicPreview(QObject):
    """Meters a microphone the user picked in Settings or the setup wizard before pressing OK or Apply.

    The dictation's own microphone is metered through its capture; any other device gets a short-lived capture of
    its own, held open only while its page shows it, and closed (on its worker, without waiting) when the page
    changes device or goes away. A device that cannot be opened is said in words through ``problem``.

    Signals:
        problem(str): the previewed device could not be opened (message), or "" once it delivers audio. Emitted
            from the capture worker thread, delivered on the GUI thread.
    """

    problem = Signal(str)
    _event = Signal(object, object, str)  # (capture, event, message): worker thread → GUI thread

    def __init__(self, sd_module: Any = None) -> None:
        super().__init__()
        self._sd_module = sd_module
        self._capture: Capture | None = None
        self.device: str | None = None
        self._event.connect(self._on_event)

    @property
    def active(self) -> bool:
        """A preview stream is wanted now (GUI thread)."""
        return self._capture is not None

    @property
    def capture(self) -> Capture | None:
        """The preview's capture, while one runs (GUI thread; tests read its holds and state)."""
        return self._capture

    def show(self, device: str | None) -> None:
        """Meter ``device`` (None: the system default) with a stream of its own (GUI thread; returns at once)."""
        if self._capture is not None and device == self.device:
            return
        self.stop()
        self.device = device

        def on_event(event: CaptureEvent, message: str) -> None:  # capture worker thread: never blocks
            self._event.emit(capture, event, message)

        capture = Capture(device, max_seconds=1.0, on_event=on_event, sd_module=self._sd_module)
        capture.hold(METER)
        capture.open()
        self._capture = capture
        log.audio.debug("Metering %s before it is applied", device or "the system default")

    def stop(self) -> None:
        """Close the preview stream, if any (GUI thread; the worker closes it without making us wait)."""
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release(METER)
            capture.close(timeout=0.0)
            self.problem.emit("")

    def level(self) -> float:
        """Peak amplitude 0..1 of the preview's newest audio, 0 while none runs (GUI thread)."""
        return self._capture.level() if self._capture is not None else 0.0

    @Slot(object, object, str)
    def _on_event(self, capture: object, event: object, message: str) -> None:
        if capture is not self._capture:
            return  # a preview that was already replaced
        if event is CaptureEvent.OPEN_FAILED or event is CaptureEvent.LOST:
            self.problem.emit(message)
        elif event is CaptureEvent.OPENED:
            self.problem.emit("")
