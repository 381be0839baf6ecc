"""The dictation pipeline without Qt: microphone takes → session → recognizer requests → ordered injection.

``Dictation`` implements the session's ``Effects`` on top of the capture and the injector thread, and
reports what the user should see through a small ``Host`` interface that the app implements with Qt
(timers, tray, recognizer thread). Every method runs on the owner (GUI) thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from swictation_gui import log
from swictation_gui.audio.capture import Capture, CaptureEvent, Take
from swictation_gui.audio.samples import FloatArray
from swictation_gui.core.events import EventLog
from swictation_gui.core.injection_runner import InjectionRunner
from swictation_gui.core.session import Cancellable, Phase, Session, SessionConfig
from swictation_gui.platform.base import InjectionResult
from swictation_gui.recognition.base import Transcript


class Host(Protocol):
    """What the app provides (owner thread)."""

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        """Run ``callback`` on the owner thread after ``seconds``."""
        ...

    def poll_takes(self, active: bool) -> None:
        """Start (or stop) calling ``Dictation.poll_takes`` every few milliseconds."""
        ...

    def request_transcription(self, seq: int, audio: Callable[[], FloatArray]) -> None:
        """Queue ``audio()`` for the recognizer thread (it calls ``audio`` there)."""
        ...

    def show_state(self, state: str, detail: str) -> None:
        """Tray state: "loading", "ready", "recording", "transcribing", "error" or "no_model"."""
        ...

    def notify(self, message: str, level: str) -> None:
        """A user-facing message ("info", "warning", "error")."""
        ...

    def recording_changed(self, recording: bool) -> None:
        """A recording started or ended (sound cues, level meter)."""
        ...


class Dictation:
    """Capture, session and injector, wired together (owner thread)."""

    def __init__(self, host: Host, events: EventLog, capture: Capture, config: SessionConfig, tail_s: float) -> None:
        self.host = host
        self.events = events
        self.capture = capture
        self.session = Session(self, config)
        self.tail_s = tail_s
        self.runner: InjectionRunner | None = None
        self.model_ready = False
        self.mic_error = ""
        self.setup_error = ""
        self.stopping = False
        self._waiting: list[tuple[int, Take]] = []
        self._recording = False
        self._owner = threading.get_ident()

    def _on_owner_thread(self, what: str) -> None:
        """Report (never raise) a call from the wrong thread: a wiring bug that would race the session."""
        if threading.get_ident() != self._owner:
            log.session.error("%s called on thread %s, not the owner thread", what, threading.current_thread().name)
            self.events.emit("thread_violation", what=what, thread=threading.current_thread().name)

    # ----------------------------------------------------------------- state shown to the user

    def refresh(self) -> None:
        """Push the current state to the tray."""
        if not self.model_ready:
            return
        phase = self.session.phase
        if self.setup_error:
            self.host.show_state("error", self.setup_error)
        elif phase == Phase.RECORDING:
            self.host.show_state("recording", "")
        elif phase != Phase.IDLE:
            self.host.show_state("transcribing", "")
        elif self.mic_error:
            self.host.show_state("error", self.mic_error)
        else:
            self.host.show_state("ready", "")

    def on_capture_event(self, event: CaptureEvent, message: str) -> None:
        """From the capture worker (forwarded to this thread by the host): the microphone opened, failed, or went."""
        self._on_owner_thread("capture event")
        if event == CaptureEvent.OPENED:
            recovered = bool(self.mic_error)
            self.mic_error = ""
            self.events.emit("mic", status="open", rate=self.capture.rate)
            if recovered:
                self.host.notify("The microphone is working again.", "info")
        else:
            first = not self.mic_error
            self.mic_error = message
            self.events.emit("mic", status=str(event), message=message)
            if first:
                self.host.notify(message, "error")
            if self.session.phase == Phase.RECORDING:
                self.session.release()  # transcribe what was recorded before the loss
        self.refresh()

    def last_text(self) -> str | None:
        """The newest transcript (injected or not)."""
        for utt in reversed(self.session.history):
            if utt.text:
                return utt.text
        return None

    # ----------------------------------------------------------------- user actions

    def press(self) -> None:
        """Hotkey down (hold) or a start request."""
        self._on_owner_thread("press")
        if not self.stopping:
            self.session.press()

    def release(self) -> None:
        """Hotkey up (hold) or a stop request."""
        self._on_owner_thread("release")
        self.session.release()

    def toggle(self) -> None:
        """Start a dictation, or stop the running one."""
        if self.session.phase == Phase.RECORDING:
            self.session.release()
        else:
            self.press()

    # ----------------------------------------------------------------- results from other threads

    def transcribed(self, seq: int, transcript: Transcript) -> None:
        """The recognizer's result for ``seq``."""
        self._on_owner_thread("transcribed")
        if self.events.transcripts:
            self.events.emit("transcript", seq=seq, text=transcript.text)
        self.session.transcribed(seq, transcript.text, transcript.timings_ms)

    def injected(self, seq: int, result: InjectionResult) -> None:
        """The injector's result for ``seq``."""
        self._on_owner_thread("injected")
        self.session.injected(seq, result.ok, result.method, result.message)

    # ----------------------------------------------------------------- session effects

    def now(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def begin_capture(self) -> object | None:
        """Start a take with pre-roll (None without a microphone)."""
        return self.capture.begin()

    def end_capture(self, seq: int, take: object) -> None:
        """End the take after the tail; ``poll_takes`` reports it when its audio is complete."""
        assert isinstance(take, Take)
        self.capture.end(take, self.tail_s)
        self._waiting.append((seq, take))
        self.host.poll_takes(True)

    def poll_takes(self) -> None:
        """Timer tick: hand over every take whose tail has arrived."""
        for item in list(self._waiting):
            seq, take = item
            if take.ready():
                self._waiting.remove(item)
                self.session.audio_ready(seq, take.seconds())
        if not self._waiting:
            self.host.poll_takes(False)

    def discard_capture(self, take: object) -> None:
        """Drop the take's audio (it is a view on the ring; the next pre-roll must not reuse it)."""
        assert isinstance(take, Take)
        self.capture.discard(take)

    def transcribe(self, seq: int, take: object) -> None:
        """Queue the take; the recognizer thread reads and resamples its audio."""
        assert isinstance(take, Take)
        self.host.request_transcription(seq, take.audio)

    def inject(self, seq: int, text: str) -> None:
        """Hand the text to the injector thread (a failure is reported on the next tick without one)."""
        if self.runner is None:
            result = InjectionResult(False, "none", "Text output is not available; see the earlier error.")
            self.host.call_later(0, lambda: self.injected(seq, result))
            return
        self.runner.submit(seq, text)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        """A cancellable timer from the host."""
        return self.host.call_later(seconds, callback)

    def phase_changed(self, phase: Phase) -> None:
        """Mirror the phase in the tray; tell the host when a recording starts or ends."""
        recording = phase == Phase.RECORDING
        if recording != self._recording:
            self._recording = recording
            self.host.recording_changed(recording)
        self.refresh()
        self.events.emit("phase", phase=str(phase))

    def notify(self, message: str) -> None:
        """A session problem for the user."""
        self.host.notify(message, "warning")

    def record(self, name: str, seq: int, **fields: object) -> None:
        """Session events go to the event log (and timings to the debug log)."""
        if name == "injected":
            log.session.debug("utterance %d timings %s", seq, fields)
        self.events.emit(name, seq=seq, **fields)
