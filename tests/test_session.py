"""Unit tests for the dictation state machine (pure Python, a manual clock, no hardware)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from swictation_gui.core.session import Outcome, Phase, Session, SessionConfig


@dataclass
class Timer:
    at: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class FakeEffects:
    """Records every effect; ``mic`` False means no microphone."""

    t: float = 0.0
    mic: bool = True
    calls: list[tuple[str, object]] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    events: list[tuple[str, int]] = field(default_factory=list)

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
        for timer in list(self.timers):
            if not timer.cancelled and timer.at <= self.t:
                self.timers.remove(timer)
                timer.callback()

    def begin_capture(self) -> object | None:
        return f"take@{self.t:.2f}" if self.mic else None

    def end_capture(self, seq: int, take: object) -> None:
        self.calls.append(("end", seq))

    def discard_capture(self, take: object) -> None:
        self.calls.append(("discard", take))

    def transcribe(self, seq: int, take: object) -> None:
        self.calls.append(("transcribe", seq))

    def inject(self, seq: int, text: str) -> None:
        self.calls.append(("inject", (seq, text)))

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self.t + seconds, callback)
        self.timers.append(timer)
        return timer

    def phase_changed(self, phase: Phase) -> None:
        self.phases.append(phase)

    def notify(self, message: str) -> None:
        self.messages.append(message)

    def record(self, name: str, seq: int, **fields: object) -> None:
        self.events.append((name, seq))

    def of(self, kind: str) -> list[object]:
        return [arg for k, arg in self.calls if k == kind]


@pytest.fixture
def fx() -> FakeEffects:
    return FakeEffects()


def dictate(session: Session, fx: FakeEffects, seconds: float = 1.0) -> int:
    session.press()
    fx.advance(seconds)
    session.release()
    seq = fx.of("end")[-1]
    assert isinstance(seq, int)
    return seq


def test_full_cycle_goes_through_every_phase(fx: FakeEffects) -> None:
    s = Session(fx)
    seq = dictate(s, fx)
    assert fx.phases == [Phase.RECORDING, Phase.TRANSCRIBING]
    s.audio_ready(seq, 1.45)
    assert fx.of("transcribe") == [seq]
    fx.advance(0.1)
    s.transcribed(seq, " hello world ", {"encoder": 3.0})
    assert fx.of("inject") == [(seq, "hello world ")]
    assert s.phase == Phase.INJECTING
    fx.advance(0.05)
    s.injected(seq, True, "paste")
    assert s.phase == Phase.IDLE
    assert fx.phases == [Phase.RECORDING, Phase.TRANSCRIBING, Phase.INJECTING, Phase.IDLE]
    utt = s.history[-1]
    assert utt.outcome == Outcome.INJECTED and utt.text == "hello world" and utt.timings_ms == {"encoder": 3.0}
    assert utt.latency_ms() == pytest.approx(150.0)


def test_utterances_are_injected_in_order_exactly_once(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(trailing_space=False))
    seqs = [dictate(s, fx, 0.5) for _ in range(3)]
    for seq in seqs:
        s.audio_ready(seq, 0.5)
    # Results arrive out of order, one twice.
    s.transcribed(seqs[2], "three")
    s.transcribed(seqs[1], "two")
    assert fx.of("inject") == []
    s.transcribed(seqs[0], "one")
    s.transcribed(seqs[0], "one again")
    assert fx.of("inject") == [(seqs[0], "one")]
    s.injected(seqs[0], True, "type")
    s.injected(seqs[0], True, "type")  # a duplicate completion changes nothing
    s.injected(seqs[1], True, "type")
    s.injected(seqs[2], True, "type")
    assert fx.of("inject") == [(seqs[0], "one"), (seqs[1], "two"), (seqs[2], "three")]
    assert [u.outcome for u in s.history] == [Outcome.INJECTED] * 3
    assert s.phase == Phase.IDLE and not s.busy


def test_press_while_transcribing_records_and_injection_waits_for_release(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(trailing_space=False))
    first = dictate(s, fx)
    s.audio_ready(first, 1.0)
    s.press()  # the user dictates again while the first is still being recognized
    assert s.phase == Phase.RECORDING
    s.transcribed(first, "first")
    assert fx.of("inject") == [], "no typing while the hotkey is held"
    fx.advance(1.0)
    s.release()
    assert fx.of("inject") == [(first, "first")]


def test_short_press_is_ignored(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(min_press_s=0.15))
    s.press()
    fx.advance(0.1)
    s.release()
    assert fx.of("end") == [] and len(fx.of("discard")) == 1
    assert s.history[-1].outcome == Outcome.TOO_SHORT
    assert s.phase == Phase.IDLE


def test_stuck_key_is_bounded_and_still_transcribed(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(max_record_s=5.0, trailing_space=False))
    s.press()
    fx.advance(5.0)
    assert fx.of("end") == [1]
    assert "5 seconds" in fx.messages[-1]
    fx.advance(10.0)
    s.release()  # the late release is ignored
    assert fx.of("end") == [1]
    s.audio_ready(1, 5.1)
    s.transcribed(1, "long")
    assert fx.of("inject") == [(1, "long")]


def test_release_cancels_the_max_timer(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(max_record_s=5.0))
    dictate(s, fx, 1.0)
    fx.advance(10.0)
    assert fx.messages == []


def test_cancel_discards(fx: FakeEffects) -> None:
    s = Session(fx)
    s.press()
    fx.advance(0.5)
    s.cancel()
    s.release()
    assert fx.of("end") == [] and len(fx.of("discard")) == 1
    assert s.history[-1].outcome == Outcome.CANCELLED and s.phase == Phase.IDLE


def test_no_microphone_tells_the_user(fx: FakeEffects) -> None:
    fx.mic = False
    s = Session(fx)
    s.press()
    fx.advance(1)
    s.release()
    assert s.phase == Phase.IDLE and "microphone" in fx.messages[-1]
    assert fx.of("end") == []


def test_failures_are_reported_and_do_not_block_the_queue(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(trailing_space=False))
    a, b, c = (dictate(s, fx) for _ in range(3))
    s.recognition_failed(a, "model broke")
    s.transcribed(b, "")           # nothing recognized
    s.transcribed(c, "text")
    assert fx.of("inject") == [(c, "text")]
    s.injected(c, False, "paste", "Could not paste; the text is on the clipboard.")
    assert fx.messages == ["model broke", "Could not paste; the text is on the clipboard."]
    outcomes = {u.seq: u.outcome for u in s.history}
    assert outcomes == {a: Outcome.RECOGNITION_FAILED, b: Outcome.EMPTY, c: Outcome.INJECTION_FAILED}
    assert s.history[-1].text == "text", "a failed injection keeps its transcript"


def test_auto_repeat_presses_are_ignored(fx: FakeEffects) -> None:
    s = Session(fx)
    s.press()
    s.press()
    s.press()
    fx.advance(1)
    s.release()
    assert fx.of("end") == [1]


def test_trailing_space_can_be_turned_off(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(trailing_space=False))
    for text in ("one", "two"):
        seq = dictate(s, fx)
        s.audio_ready(seq, 1)
        s.transcribed(seq, text)
        s.injected(seq, True, "type")
        fx.advance(20)
    assert [t for _, t in fx.of("inject")] == ["one", "two"]  # type: ignore[misc]


# ----------------------------------------------------------------- raw hotkey events: one state machine

def test_hold_mode_chord_down_records_and_chord_up_stops(fx: FakeEffects) -> None:
    s = Session(fx)
    s.chord_down()
    assert s.phase == Phase.RECORDING
    fx.advance(1.0)
    s.chord_up()
    assert fx.of("end") == [1]


def test_toggle_mode_tray_start_is_stopped_by_one_hotkey_press(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(toggle=True))
    s.toggle()  # tray or `swictation-gui toggle`
    assert s.recording
    fx.advance(1.0)
    s.chord_down()  # a single hotkey press stops it (the old listener sent "start", which was ignored)
    s.chord_up()
    assert not s.recording and fx.of("end") == [1]


def test_toggle_mode_hotkey_start_is_stopped_by_the_tray(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(toggle=True))
    s.chord_down()
    s.chord_up()
    assert s.recording
    fx.advance(1.0)
    s.toggle()
    assert not s.recording and fx.of("end") == [1]
    fx.advance(1.0)
    s.chord_down()  # and the next press starts a new one at once
    assert s.recording


def test_toggle_mode_lone_modifier_toggles_on_a_clean_tap_only(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(toggle=True, modifier_only_hotkey=True))
    s.chord_down()
    assert not s.recording, "a lone modifier acts on release (it may be the start of a shortcut)"
    s.chord_up()
    assert s.recording
    fx.advance(1.0)
    s.chord_down()
    s.interrupted()  # ctrl_r+c: a shortcut, not a tap
    s.chord_up()
    assert s.recording, "a shortcut must not stop the dictation"
    s.chord_down()
    s.chord_up()
    assert not s.recording and fx.of("end") == [1]


def test_hold_mode_lone_modifier_in_a_shortcut_cancels(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(modifier_only_hotkey=True))
    s.chord_down()
    fx.advance(0.5)
    s.interrupted()
    s.chord_up()
    assert s.history[-1].outcome == Outcome.CANCELLED and fx.of("end") == []


def test_hold_mode_combination_hotkey_is_not_cancelled_by_other_keys(fx: FakeEffects) -> None:
    s = Session(fx, SessionConfig(modifier_only_hotkey=False))
    s.chord_down()
    fx.advance(0.5)
    s.interrupted()
    s.chord_up()
    assert fx.of("end") == [1]


@pytest.mark.parametrize("toggle", [False, True])
def test_lost_listener_ends_the_recording_and_keeps_its_audio(fx: FakeEffects, toggle: bool) -> None:
    s = Session(fx, SessionConfig(toggle=toggle))
    s.chord_down()
    if toggle:
        s.chord_up()
    fx.advance(1.0)
    s.hotkey_lost()  # a settings change replaced the listener mid-recording
    assert not s.recording and fx.of("end") == [1], "the audio is transcribed, not left recording"
    assert ("hotkey_lost", 1) in fx.events
    s.audio_ready(1, 1.0)
    assert fx.of("transcribe") == [1]
