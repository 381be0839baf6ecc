"""GUI-thread slots that hand results from other threads to the dictation pipeline (queued signal receivers)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QGuiApplication

from swictation_gui.audio.capture import CaptureEvent
from swictation_gui.core.dictation import Dictation
from swictation_gui.platform.base import InjectionResult
from swictation_gui.recognition.base import Transcript
from swictation_gui.ui.live_parts import LiveParts
from swictation_gui.ui.tray import Tray


class PipelineSlots(QObject):
    """Receives the recognizer's, injector's, hotkey's, capture's and tray's signals on the GUI thread (PySide6 runs a
    plain callable connected to a signal on the emitting thread, so every receiver must be a slot of a QObject)."""

    def __init__(self, dictation: Dictation, parts: LiveParts, tray: Tray) -> None:
        super().__init__()
        self.dictation, self.parts, self.tray = dictation, parts, tray

    @Slot(int, object)
    def transcribed(self, seq: int, transcript: object) -> None:
        """The recognizer's text for ``seq``."""
        assert isinstance(transcript, Transcript)
        self.dictation.transcribed(seq, transcript)

    @Slot(int, str)
    def recognition_failed(self, seq: int, message: str) -> None:
        """The recognizer could not transcribe ``seq``."""
        self.dictation.session.recognition_failed(seq, message)

    @Slot(int, object)
    def injected(self, seq: int, result: object) -> None:
        """The injector finished ``seq``; the tray's "Last transcript" follows (also after a failure)."""
        assert isinstance(result, InjectionResult)
        self.dictation.injected(seq, result)
        self.tray.set_last_transcript(self.dictation.last_text())

    @Slot(int, str, str)
    def hotkey(self, generation: int, event: str, message: str) -> None:
        """A hotkey listener's event."""
        self.parts.on_hotkey(generation, event, message)

    @Slot(object, object, str)
    def capture_event(self, capture: object, event: object, message: str) -> None:
        """A capture worker's event; a replaced capture's late events are dropped."""
        if capture is self.dictation.capture and isinstance(event, CaptureEvent):
            self.dictation.on_capture_event(event, message)

    @Slot()
    def toggle(self) -> None:
        """Tray "Start/Stop dictation"."""
        self.dictation.toggle()

    @Slot()
    def copy_last(self) -> None:
        """Tray "Last transcript ▸ Copy" (the clipboard is owned by this process's event loop)."""
        text = self.dictation.last_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    @Slot()
    def paste_last(self) -> None:
        """Tray "Last transcript ▸ Paste again" (sequence 0: not a session utterance)."""
        text = self.dictation.last_text()
        if text and self.dictation.runner is not None:
            self.dictation.runner.submit(0, text)
