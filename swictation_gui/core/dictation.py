"""The dictation pipeline without Qt: microphone takes → session → recognizer requests → ordered injection.

``Dictation`` implements the session's ``Effects`` on top of the capture and the injector thread, and reaches
the rest of the app through three narrow ports (``core/ports.py``): timers, the transcriber and the user's
feedback. Every method runs on the owner (GUI) thread; results from other threads arrive there first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from swictation_gui import log
from swictation_gui.audio.capture import Capture, CaptureEvent, Take
from swictation_gui.audio.samples import FloatArray
from swictation_gui.core.events import EventLog
from swictation_gui.core.injection_runner import InjectionRunner
from swictation_gui.core.ports import Feedback, Timers, Transcriber
from swictation_gui.core.session import Cancellable, Outcome, Phase, Session, SessionConfig
from swictation_gui.core.status import Facts, ModelState, StatusView, status_of
from swictation_gui.platform.base import InjectionResult
from swictation_gui.recognition.base import Recognizer, Transcript
from swictation_gui.recognition.progressive import Stretches
from swictation_gui.recognition.vad import silero_candidate

TAKE_POLL_S = 0.005  # while a take waits for its tail
FEED_S = 0.2         # while recording: how often new audio goes to progressive recognition


class Dictation:
    """Capture, session and injector, wired together (owner thread)."""

    def __init__(self, timers: Timers, transcriber: Transcriber, feedback: Feedback, events: EventLog,
                 capture: Capture, config: SessionConfig, tail_s: float, progressive: bool = True,
                 vad_file: Path | None = None) -> None:
        self.timers = timers
        self.transcriber = transcriber
        self.feedback = feedback
        self.events = events
        self.capture = capture
        self.session = Session(self, config)
        self.tail_s = tail_s
        """The longest tail after key-up while a word is still being spoken (``Take.end_adaptive``)."""
        self.progressive = progressive
        """Recognize completed stretches while the key is held (``recognition/progressive.py``)."""
        self.vad_file = vad_file if vad_file is not None else silero_candidate()
        """The Silero VAD file progressive recognition uses where it exists (else the energy detector)."""
        self._stretches: dict[int, tuple[Take, Stretches]] = {}  # by id(take): takes recognized progressively
        self._feed: Cancellable | None = None
        self._checks: dict[int, Stretches] = {}  # tests (EventLog.check_progressive): one-piece texts to report
        self.runner: InjectionRunner | None = None
        self.stopping = False
        self._facts = Facts()
        self._shown: StatusView | None = None
        self._waiting: list[tuple[int, Take]] = []
        self._take_poll: Cancellable | None = None
        self._recording = False
        self._recording_seq = 0  # the newest recording's sequence number
        self._owner = threading.get_ident()

    def _on_owner_thread(self, what: str) -> None:
        """Report (never raise) a call from the wrong thread: a wiring bug that would race the session."""
        if threading.get_ident() != self._owner:
            log.session.error("%s called on thread %s, not the owner thread", what, threading.current_thread().name)
            self.events.emit("thread_violation", what=what, thread=threading.current_thread().name)

    # ----------------------------------------------------------------- state shown to the user

    @property
    def status(self) -> StatusView:
        """What the tray shows now."""
        return status_of(self._facts)

    @property
    def model_state(self) -> ModelState:
        """Where the recognizer stands."""
        return self._facts.model

    def _set(self, **facts: object) -> None:
        self._facts = replace(self._facts, **facts)  # type: ignore[arg-type]
        self.refresh()

    def refresh(self) -> None:
        """Push the status to the tray when it changed."""
        phase = self.session.phase
        self._facts = replace(self._facts, recording=phase == Phase.RECORDING,
                              busy=phase in (Phase.TRANSCRIBING, Phase.INJECTING))
        view = status_of(self._facts)
        if view != self._shown:
            self._shown = view
            self.feedback.show_status(view)

    def model_loading(self, message: str = "") -> None:
        """A model is being loaded (the first, or one installed later)."""
        self._set(model=ModelState.LOADING, model_message=message)

    def model_ready(self) -> None:
        """The recognizer is warm."""
        self._set(model=ModelState.READY, model_message="")

    def model_failed(self, message: str, missing: bool) -> None:
        """The model could not be loaded: not installed yet (``missing``) or broken."""
        self._set(model=ModelState.MISSING if missing else ModelState.FAILED, model_message=message)

    def shutdown(self) -> None:
        """The app is quitting: take no more input, drop what is recorded or pending, stop polling takes."""
        self.stopping = True
        self.session.shutdown()
        self._waiting.clear()
        if self._take_poll is not None:
            self._take_poll.cancel()
            self._take_poll = None
        for _take, stretches in self._stretches.values():
            stretches.cancelled = True
        self._stretches.clear()
        self._stop_feeding()

    def set_hotkey_error(self, message: str) -> None:
        """The hotkey could not be set up ("" once it listens)."""
        self._set(hotkey_error=message)

    def set_output_error(self, message: str) -> None:
        """The text output could not be set up ("" once it works)."""
        self._set(output_error=message)

    def on_capture_event(self, event: CaptureEvent, message: str) -> None:
        """From the capture worker (forwarded to this thread by the host): the microphone opened, failed, or went."""
        self._on_owner_thread("capture event")
        if event == CaptureEvent.OPENED:
            recovered = bool(self._facts.mic_error)
            self.events.emit("mic", status="open", rate=self.capture.last_rate)
            if recovered:
                self.feedback.notify("The microphone is working again.", "info")
            self._set(mic_error="")
        else:
            first = not self._facts.mic_error
            self.events.emit("mic", status=str(event), message=message)
            if first or self.session.recording:  # a recording that waited on this open is told too
                self.feedback.notify(message, "error")
            if self.session.recording:
                self.session.release()  # transcribe what was recorded before the loss
            self._set(mic_error=message)

    def last_text(self) -> str | None:
        """The newest transcript (injected or not)."""
        for utt in reversed(self.session.history):
            if utt.text:
                return utt.text
        return None

    # ----------------------------------------------------------------- user actions

    def chord_down(self) -> None:
        """The hotkey's keys went down (raw; the session decides what it means)."""
        self._on_owner_thread("chord_down")
        if not self.stopping:
            self.session.chord_down()

    def chord_up(self) -> None:
        """The hotkey went up."""
        self._on_owner_thread("chord_up")
        self.session.chord_up()

    def interrupted(self) -> None:
        """Another key joined the held hotkey (a shortcut)."""
        self._on_owner_thread("interrupted")
        self.session.interrupted()

    def hotkey_lost(self) -> None:
        """The listener was replaced or died: end the recording, keeping its audio."""
        self._on_owner_thread("hotkey_lost")
        self.session.hotkey_lost()

    def cancel_recording(self) -> int | None:
        """The cancel key: drop the running recording (its audio; no text). The sequence number of the newest
        recording when it ended cancelled, here or a moment earlier (the same key also interrupted a held modifier
        hotkey); None when there was nothing to cancel."""
        self._on_owner_thread("cancel_recording")
        self.session.cancel()
        last = self.session.history[-1] if self.session.history else None
        if last is not None and last.seq == self._recording_seq and last.outcome is Outcome.CANCELLED:
            return last.seq
        return None

    def toggle(self) -> None:
        """Start a dictation, or stop the running one (tray, control socket)."""
        self._on_owner_thread("toggle")
        if not self.stopping or self.session.recording:
            self.session.toggle()

    def start(self) -> None:
        """Start a dictation unless one is recording (control socket)."""
        if not self.session.recording:
            self.toggle()

    def stop(self) -> None:
        """Stop the running dictation, if any (control socket)."""
        if self.session.recording:
            self.toggle()

    # ----------------------------------------------------------------- results from other threads

    def transcribed(self, seq: int, transcript: Transcript) -> None:
        """The recognizer's result for ``seq``."""
        self._on_owner_thread("transcribed")
        if self.events.transcripts:
            self.events.emit("transcript", seq=seq, text=transcript.text)
        self.events.emit("recognized", seq=seq, **{k: round(v, 3) for k, v in transcript.timings_ms.items()})
        checked = self._checks.pop(seq, None)
        if checked is not None:
            self.events.emit("one_piece", seq=seq, text=checked.one_piece)
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
        """Start a take: at once, while the microphone opens (with pre-roll when it was already open); None only
        while the capture is not running."""
        take = self.capture.begin()
        if take is not None and self.progressive:
            self._stretches[id(take)] = (take, Stretches(take.ring.rate, self.vad_file,
                                                         check=self.events.check_progressive))
            if self._feed is None:
                self._feed = self.timers.every(FEED_S, self.feed_stretches)
        return take

    def feed_stretches(self) -> None:
        """Timer tick while recording: queue the audio each recording take got since the last tick to the
        recognizer thread, which recognizes the stretches it completes (``Stretches.feed``)."""
        recording = False
        for take, stretches in self._stretches.values():
            if take.end is None and take.tail_limit is None:
                recording = True
                chunk = take.new_audio()
                if chunk.size:
                    self.transcriber.run(0, _feed_job(stretches, chunk), report=False)
        if not recording:
            self._stop_feeding()

    def _stop_feeding(self) -> None:
        if self._feed is not None:
            self._feed.cancel()
            self._feed = None

    def end_capture(self, seq: int, take: object) -> None:
        """End the take after the tail; ``poll_takes`` reports it when its audio is complete."""
        assert isinstance(take, Take)
        self.capture.end(take, self.tail_s)
        self._waiting.append((seq, take))
        if self._take_poll is None:
            self._take_poll = self.timers.every(TAKE_POLL_S, self.poll_takes)
        if take.end is not None:  # silence at key-up: no tail, so hand it over at the next turn of the loop
            self.timers.call_later(0, self.poll_takes)

    def poll_takes(self) -> None:
        """Timer tick: hand over every take whose tail has arrived."""
        for item in list(self._waiting):
            seq, take = item
            if take.ready():
                self._waiting.remove(item)
                Capture.finish(take)  # the microphone may close (after its linger) unless held otherwise
                if take.released is not None and take.end is not None:  # sample positions, not wall time
                    self.events.emit("tail", seq=seq, ms=round((take.end - take.released) * 1e3 / take.ring.rate, 1),
                                     rest_s=round(take.rest().size / take.ring.rate, 3))
                delay = take.open_delay_ms()
                if delay is not None:
                    self.events.emit("mic_open", seq=seq, ms=round(delay, 1), first_at=take.ring.first_at)
                self.session.audio_ready(seq, take.seconds())
        if not self._waiting and self._take_poll is not None:
            self._take_poll.cancel()
            self._take_poll = None

    def discard_capture(self, take: object) -> None:
        """Drop the take's audio (it is a view on the ring; the next pre-roll must not reuse it) and its hold."""
        assert isinstance(take, Take)
        self.capture.discard(take)
        entry = self._stretches.pop(id(take), None)
        if entry is not None:
            entry[1].cancelled = True  # its queued stretches are skipped

    def transcribe(self, seq: int, take: object) -> None:
        """Queue the take; the recognizer thread reads and resamples its audio."""
        assert isinstance(take, Take)
        entry = self._stretches.pop(id(take), None)
        if entry is None:
            self.transcriber.transcribe(seq, take.audio)
        else:
            stretches = entry[1]
            if stretches.one_piece is None and self.events.check_progressive:
                self._checks[seq] = stretches
            self.transcriber.run(seq, lambda recognizer: stretches.finish(recognizer, take.rest()))

    def inject(self, seq: int, text: str) -> None:
        """Hand the text to the injector thread (a failure is reported on the next tick without one)."""
        if self.runner is None:
            result = InjectionResult(False, "none", "Text output is not available; see the earlier error.")
            self.timers.call_later(0, lambda: self.injected(seq, result))
            return
        spoken = next((utt.audio_seconds for utt in reversed(self.session.history) if utt.seq == seq), 0.0)
        self.runner.submit(seq, text, spoken)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        """A cancellable timer on the owner thread."""
        return self.timers.call_later(seconds, callback)

    def phase_changed(self, phase: Phase) -> None:
        """Mirror the phase in the tray; report when a recording starts or ends."""
        recording = phase == Phase.RECORDING
        if recording != self._recording:
            self._recording = recording
            self.feedback.recording_changed(recording)
        self.refresh()
        self.events.emit("phase", phase=str(phase))

    def notify(self, message: str) -> None:
        """A session problem for the user."""
        self.feedback.notify(message, "warning")

    def record(self, name: str, seq: int, **fields: object) -> None:
        """Session events go to the event log (and timings to the debug log)."""
        if name == "recording":
            self._recording_seq = seq
        if name == "injected":
            log.session.debug("utterance %d timings %s", seq, fields)
        self.events.emit(name, seq=seq, **fields)


def _feed_job(stretches: Stretches, chunk: FloatArray) -> Callable[[Recognizer], None]:
    """A recognizer-thread job feeding ``chunk`` (raw samples) to ``stretches``."""
    def job(recognizer: Recognizer) -> None:
        stretches.feed(recognizer, chunk)
    return job
