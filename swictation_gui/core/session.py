"""The dictation state machine: Idle → Recording → Transcribing → Injecting, in order, exactly once each.

Pure Python (no Qt): every method runs on one owner thread (the GUI thread in the app), and all
effects (microphone, recognizer, injector, timers, user messages) go through ``Effects``, so the
whole behaviour is testable without hardware.

Rules:
    * A press while earlier utterances are still being transcribed or injected starts a new
      recording; every utterance gets a sequence number and is injected in that order.
    * A press shorter than ``min_press_s`` is ignored (no speech fits in it).
    * A recording longer than ``max_record_s`` is stopped and still transcribed.
    * ``cancel`` (the hotkey turned out to be part of a shortcut) discards the recording.
    * The hotkey listener reports only raw chord events (``chord_down``, ``chord_up``, ``interrupted``);
      the session alone turns them into hold, toggle and tap semantics, so the tray, the control socket
      and the hotkey all act on one state: a dictation started from the tray in toggle mode is stopped
      by the next hotkey press.
    * A hotkey listener that is replaced or lost ends the active recording; its audio is transcribed.
    * With ``defer_injection_while_recording`` no text is injected while the hotkey is held
      (typing under held modifiers would turn letters into shortcuts).
    * A failed injection keeps the transcript in ``history`` and tells the user.
"""

from __future__ import annotations

import collections

from swictation_gui import log
from swictation_gui.core.utterance import Cancellable, Effects, Outcome, Phase, SessionConfig, Utterance, stage_ms

__all__ = ["Cancellable", "Effects", "Outcome", "Phase", "Session", "SessionConfig", "Utterance", "stage_ms"]


class Session:
    """The state machine; see the module docstring. Owner thread only."""

    def __init__(self, effects: Effects, config: SessionConfig | None = None) -> None:
        self._fx = effects
        self.config = config or SessionConfig()
        self._seq = 0
        self._recording: Utterance | None = None
        self._max_timer: Cancellable | None = None
        self._pending: collections.deque[Utterance] = collections.deque()  # released, not yet finished
        self._injecting: Utterance | None = None
        self._phase = Phase.IDLE
        self._tap_armed = False
        self.history: collections.deque[Utterance] = collections.deque(maxlen=self.config.history)

    # ----------------------------------------------------------------- state

    @property
    def phase(self) -> Phase:
        """The current phase."""
        return self._phase

    @property
    def busy(self) -> bool:
        """True while anything is recorded, transcribed or injected."""
        return self._recording is not None or bool(self._pending)

    def _update_phase(self) -> None:
        if self._recording is not None:
            phase = Phase.RECORDING
        elif self._injecting is not None:
            phase = Phase.INJECTING
        elif self._pending:
            phase = Phase.TRANSCRIBING
        else:
            phase = Phase.IDLE
        if phase != self._phase:
            self._phase = phase
            self._fx.phase_changed(phase)

    def _finish(self, utt: Utterance, outcome: Outcome, message: str = "") -> None:
        utt.outcome = outcome
        utt.message = message
        self.history.append(utt)
        log.session.debug(
            "utterance %d %s: audio %.2f s, key-up→audio %.0f ms, recognition %s, key-up→injected %s ms",
            utt.seq, outcome, utt.audio_seconds,
            ((utt.audio_final_at or 0.0) - (utt.released_at or 0.0)) * 1e3,
            {k: round(v, 1) for k, v in utt.timings_ms.items()},
            None if utt.latency_ms() is None else round(utt.latency_ms() or 0.0, 1))

    # ----------------------------------------------------------------- hotkey (raw chord events)

    def chord_down(self) -> None:
        """Every key of the hotkey went down: start (hold), toggle, or arm a tap (toggle, lone modifier)."""
        if not self.config.toggle:
            self.press()
        elif self.config.modifier_only_hotkey:
            self._tap_armed = True  # a lone modifier toggles on release, unless it was part of a shortcut
        else:
            self.toggle()

    def chord_up(self) -> None:
        """The hotkey went up after ``chord_down``: stop (hold) or complete a clean tap (toggle, lone modifier)."""
        armed, self._tap_armed = self._tap_armed, False
        if not self.config.toggle:
            self.release()
        elif armed:
            self.toggle()

    def interrupted(self) -> None:
        """Another key went down while the hotkey was held: it is part of a shortcut, not a dictation."""
        self._tap_armed = False
        if not self.config.toggle and self.config.modifier_only_hotkey:
            self.cancel()

    def hotkey_lost(self) -> None:
        """The listener was replaced or stopped working: end the recording and transcribe what it holds."""
        self._tap_armed = False
        utt = self._take_recording()
        if utt is not None:
            self._fx.record("hotkey_lost", utt.seq)
            self._stop(utt)

    # ----------------------------------------------------------------- start / stop requests

    @property
    def recording(self) -> bool:
        """Whether a recording is running."""
        return self._recording is not None

    def toggle(self) -> None:
        """Start a dictation, or stop the running one (tray, control socket, toggle hotkey)."""
        if self._recording is not None:
            self.release()
        else:
            self.press()

    def press(self) -> None:
        """The hotkey went down (hold) or started a dictation (toggle)."""
        if self._recording is not None:
            return  # auto-repeat, or a second listener event
        take = self._fx.begin_capture()
        if take is None:
            self._fx.notify("No microphone is available, so nothing was recorded. "
                            "Plug one in or choose one in Settings.")
            self._fx.record("no_microphone", 0)
            return
        self._seq += 1
        utt = Utterance(self._seq, self._fx.now(), take)
        self._recording = utt
        self._max_timer = self._fx.call_later(self.config.max_record_s, lambda: self._max_reached(utt.seq))
        self._fx.record("recording", utt.seq)
        self._update_phase()

    def release(self) -> None:
        """The hotkey went up (hold) or stopped the dictation (toggle)."""
        utt = self._take_recording()
        if utt is None:
            return
        if self._fx.now() - utt.pressed_at < self.config.min_press_s:
            if utt.take is not None:
                self._fx.discard_capture(utt.take)
            self._finish(utt, Outcome.TOO_SHORT)
            self._fx.record("too_short", utt.seq)
            self._update_phase()
            self._drain()
            return
        self._stop(utt)

    def cancel(self) -> None:
        """The hotkey was part of a shortcut: discard the recording."""
        utt = self._take_recording()
        if utt is None:
            return
        if utt.take is not None:
            self._fx.discard_capture(utt.take)
        self._finish(utt, Outcome.CANCELLED)
        self._fx.record("cancelled", utt.seq)
        self._update_phase()
        self._drain()

    def _take_recording(self) -> Utterance | None:
        utt, self._recording = self._recording, None
        if self._max_timer is not None:
            self._max_timer.cancel()
            self._max_timer = None
        return utt

    def _max_reached(self, seq: int) -> None:
        if self._recording is None or self._recording.seq != seq:
            return
        utt = self._take_recording()
        assert utt is not None
        self._fx.notify(f"Recording stopped after {self.config.max_record_s:.0f} seconds (the longest allowed); "
                        "what you said is being transcribed.")
        self._fx.record("max_length", utt.seq)
        self._stop(utt)

    def _stop(self, utt: Utterance) -> None:
        utt.released_at = self._fx.now()
        self._pending.append(utt)
        self._fx.record("released", utt.seq)
        assert utt.take is not None
        self._fx.end_capture(utt.seq, utt.take)
        self._update_phase()
        self._drain()  # a deferred injection may proceed now that the key is up

    # ----------------------------------------------------------------- pipeline results

    def _find(self, seq: int) -> Utterance | None:
        for utt in self._pending:
            if utt.seq == seq:
                return utt
        return None

    def audio_ready(self, seq: int, audio_seconds: float) -> None:
        """The take of ``seq`` is complete (tail included): send it to the recognizer."""
        utt = self._find(seq)
        if utt is None or utt.audio_final_at is not None:
            return
        utt.audio_final_at = self._fx.now()
        utt.audio_seconds = audio_seconds
        self._fx.record("audio", seq, seconds=round(audio_seconds, 3))
        assert utt.take is not None
        self._fx.transcribe(seq, utt.take)

    def transcribed(self, seq: int, text: str, timings_ms: dict[str, float] | None = None) -> None:
        """The recognizer's text for ``seq``."""
        utt = self._find(seq)
        if utt is None or utt.ready_to_inject:
            return  # unknown or duplicate: each utterance is handled exactly once
        utt.transcribed_at = self._fx.now()
        utt.text = text.strip()
        utt.timings_ms = dict(timings_ms or {})
        utt.take = None  # the audio is no longer needed
        self._fx.record("transcribed", seq)
        self._drain()

    def recognition_failed(self, seq: int, message: str) -> None:
        """The recognizer could not transcribe ``seq``."""
        utt = self._find(seq)
        if utt is None or utt.ready_to_inject:
            return
        utt.take = None
        utt.outcome = Outcome.RECOGNITION_FAILED
        utt.message = message
        self._fx.notify(message)
        self._fx.record("recognition_failed", seq)
        self._drain()

    def injected(self, seq: int, ok: bool, method: str, message: str = "") -> None:
        """The injector finished ``seq``."""
        utt = self._injecting
        if utt is None or utt.seq != seq:
            return
        self._injecting = None
        self._pending.remove(utt)
        utt.injected_at = self._fx.now()
        utt.method = method
        if ok:
            self._finish(utt, Outcome.INJECTED)
            self._fx.record("injected", seq, method=method, **stage_ms(utt))
        else:
            self._finish(utt, Outcome.INJECTION_FAILED, message)
            self._fx.notify(message or "The text could not be typed; it is on the clipboard.")
            self._fx.record("injection_failed", seq, method=method)
        self._update_phase()
        self._drain()

    # ----------------------------------------------------------------- ordered injection

    def _drain(self) -> None:
        """Inject the oldest finished utterance if nothing else is being injected."""
        while self._injecting is None and self._pending and self._pending[0].ready_to_inject:
            head = self._pending[0]
            if head.outcome == Outcome.RECOGNITION_FAILED or not head.text:
                self._pending.popleft()
                if head.outcome == Outcome.PENDING:
                    self._finish(head, Outcome.EMPTY)
                    self._fx.record("empty", head.seq)
                else:
                    self._finish(head, head.outcome, head.message)
                continue
            if self.config.defer_injection_while_recording and self._recording is not None:
                break
            self._injecting = head
            text = head.text + " " if self.config.trailing_space else head.text
            self._fx.inject(head.seq, text)
        self._update_phase()

    def shutdown(self) -> None:
        """Drop any recording and forget pending work (owner thread; the app is quitting)."""
        self._take_recording()
        self._pending.clear()
        self._injecting = None
