"""GUI-thread slots that hand results from other threads to the dictation pipeline (queued signal receivers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QGuiApplication

from swictation_gui.audio.capture import CaptureEvent
from swictation_gui.core.dictation import Dictation
from swictation_gui.platform.base import InjectionResult
from swictation_gui.recognition.base import Transcript
from swictation_gui.ui.live_parts import LiveParts
from swictation_gui.ui.tray import Tray

if TYPE_CHECKING:
    from swictation_gui.ui.history_window import HistoryWindow


class PipelineSlots(QObject):
    """Receives the recognizer's, injector's, hotkey's, capture's and tray's signals on the GUI thread (PySide6 runs a
    plain callable connected to a signal on the emitting thread, so every receiver must be a slot of a QObject)."""

    def __init__(self, dictation: Dictation, parts: LiveParts, tray: Tray) -> None:
        super().__init__()
        self.dictation, self.parts, self.tray = dictation, parts, tray
        self.history_window: HistoryWindow | None = None

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
        self.tray.set_last_transcript(self.last_text())
        if self.history_window is not None and self.history_window.isVisible():
            self.history_window.refresh()

    def last_text(self) -> str | None:
        """The newest history entry (the session's newest transcript before the history has one)."""
        entry = self.parts.history.last()
        return entry.text if entry is not None else self.dictation.last_text()

    def insert_text(self, text: str) -> None:
        """Type an earlier dictation into the focused window again, joined like a new one (sequence 0)."""
        if self.dictation.runner is not None:
            self.dictation.runner.submit(0, text, verbatim=True)

    @Slot()
    def open_history(self) -> None:
        """Tray "History…"."""
        if self.history_window is None:
            from swictation_gui.ui.history_window import HistoryWindow

            self.history_window = HistoryWindow(self.parts.history, self.insert_text)
        self.history_window.refresh()
        self.history_window.show()
        self.history_window.raise_()
        self.history_window.activateWindow()

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
        text = self.last_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    @Slot()
    def paste_last(self) -> None:
        """Tray "Last transcript ▸ Paste again" (sequence 0: not a session utterance)."""
        text = self.last_text()
        if text:
            self.insert_text(text)
