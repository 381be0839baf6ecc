"""The narrow ports through which the dictation pipeline reaches the rest of the app (no Qt here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from swictation_gui.core.status import StatusView
from swictation_gui.core.utterance import Cancellable
from swictation_gui.recognition.service import Job

AudioSource = Callable[[], object]
"""Returns the utterance's 16 kHz mono float32 samples; called on the recognizer's thread."""


class Timers(Protocol):
    """Timers that call back on the owner thread."""

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        """Run ``callback`` once after ``seconds``."""
        ...

    def every(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        """Run ``callback`` every ``seconds`` until cancelled."""
        ...


class Transcriber(Protocol):
    """The recognizer, seen from the pipeline."""

    def transcribe(self, seq: int, audio: AudioSource) -> None:
        """Queue utterance ``seq``; the result comes back through ``Dictation.transcribed``/``recognition_failed``."""
        ...

    def run(self, seq: int, job: Job, report: bool = True) -> None:
        """Queue ``job`` for the recognizer thread behind every earlier request (progressive stretches, and the
        final one that returns the utterance's text); ``report=False``: a failure stays silent."""
        ...


class Feedback(Protocol):
    """What the user sees and hears (owner thread; must not block)."""

    def show_status(self, view: StatusView) -> None:
        """The tray's state and its detail line."""
        ...

    def notify(self, message: str, level: str) -> None:
        """A user-facing message ("info", "warning", "error")."""
        ...

    def recording_changed(self, recording: bool) -> None:
        """A recording started or ended (sound cues, level meter, overlay)."""
        ...
