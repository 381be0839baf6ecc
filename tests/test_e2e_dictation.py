"""End-to-end dictation: the real app process, a real X display with a tray, a real virtual microphone, real keys.

Each test starts ``python -m swictation_gui`` under its own Xvfb (+ trayer) with a PulseAudio virtual
microphone, focuses a target window that reports its text, holds the hotkey with real X key events,
plays audio into the microphone, releases the key, and compares the window's text exactly.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow, target_factory
from tests.desktop.pulse import VirtualMic, espeak_wav, virtual_mic  # noqa: F401 - fixture
from tests.fixtures.synth_models import band_phrase
from tests.test_e2e_harness import AppProcess, app_env, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WORDS = ("do", "re", "mi", "fa", "sol", "la", "ti", "hi")
UNICODE_TEXT = "café — naïve ß 日本語 😀"


@pytest.fixture(scope="module")
def desk() -> Iterator[xenv.XDisplay]:
    """This module's own Xvfb with a trayer system tray."""
    if xenv.missing_tools() or shutil.which("trayer") is None:
        pytest.skip("X test tools (Xvfb, xdotool, trayer) are not installed")
    display = xenv.start_xvfb()
    try:
        display.start_tray()
        yield display
    finally:
        display.close()


@pytest.fixture
def screen(desk: xenv.XDisplay) -> Iterator[xenv.XDisplay]:
    """The module display with a clean keymap and no key held, before and after the test."""
    desk.reset_keymap()
    yield desk
    desk.reset_keymap()


@pytest.fixture
def target(screen: xenv.XDisplay, tmp_path: Path) -> Iterator[Callable[[str], TargetWindow]]:
    """Factory for focused target windows ("text", "line" or "terminal")."""
    with target_factory(screen, tmp_path) as start:
        yield start


class Keys:
    """Presses and releases a hotkey with real X events (XTest for a lone right-side modifier)."""

    def __init__(self, screen: xenv.XDisplay, spec: str) -> None:
        self.screen = screen
        self.spec = spec

    def down(self) -> None:
        if self.spec == "ctrl_r":
            self.screen.xtest_key("Control_R", True)
        else:
            self.screen.key_down(self.spec.replace("f9", "F9"))

    def up(self) -> None:
        if self.spec == "ctrl_r":
            self.screen.xtest_key("Control_R", False)
        else:
            self.screen.key_up(self.spec.replace("f9", "F9"))


def start_app(run_app: Callable[..., AppProcess], screen: xenv.XDisplay, mic: VirtualMic, model: Path,  # noqa: F811
              home: Path, *args: str, env: dict[str, str] | None = None) -> AppProcess:
    # No sound cues: the virtual microphone is the monitor of the default output, so they would be recorded.
    app: AppProcess = run_app([f"--model-dir={model}", "--sound-cues=off", *args],
                              {**app_env(screen, mic, home), **(env or {})})
    ready = app.wait_ev("ready", 60)
    app.wait_mic_ok(ready)
    app.wait_ev("listening", 20)
    return app


def dictate(app: AppProcess, keys: Keys, mic: VirtualMic, wav: Path, hold_after_s: float = 0.0) -> int:
    """Hold the hotkey, play ``wav`` into the microphone, release; returns the utterance's sequence number."""
    mark = app.mark()
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    mic.play(wav)
    if hold_after_s:
        mic.play(mic.write_wav(np.zeros(int(hold_after_s * 16_000), np.float32), "pause.wav"))
    keys.up()
    return seq


def phrase_wav(mic: VirtualMic, words: list[str], name: str = "phrase.wav") -> Path:
    return mic.write_wav(band_phrase(words), name)


def say(app: AppProcess, keys: Keys, mic: VirtualMic, words: list[str], name: str) -> None:
    """Dictate the band ``words`` and wait until that dictation was delivered (or its delivery failed)."""
    seq = dictate(app, keys, mic, phrase_wav(mic, words, name))
    app.wait(lambda e: e.get("ev") in ("injected", "injection_failed") and e.get("seq") == seq, 30,
             f"utterance {seq} delivered")


def write_settings(folder: Path, **values: object) -> None:
    """A settings file (schema version 3) with ``values`` in ``folder``."""
    (folder / "settings.json").write_text(json.dumps({"version": 3, **values}), encoding="utf-8")


@pytest.mark.parametrize(("hotkey", "method"), [("ctrl+alt+space", "type"), ("ctrl_r", "paste"), ("f9", "auto")])
def test_hold_to_dictate_types_exact_words_and_no_hotkey_leaks(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path, hotkey: str, method: str) -> None:
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, f"--hotkey={hotkey}", f"--inject={method}",
                    "--no-trailing-space")
    seq = dictate(app, Keys(screen, hotkey), virtual_mic, phrase_wav(virtual_mic, ["do", "re", "mi"]))
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("do re mi") == "do re mi", app.describe()
    assert app.of("transcript")[-1]["text"] == "do re mi"


def test_speech_starting_with_the_key_press_keeps_its_first_word(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space",
                    "--pre-roll-ms=300")
    # No lead-in silence: the first tone starts as the key goes down.
    wav = virtual_mic.write_wav(band_phrase(["la", "do"], lead_s=0.0), "instant.wav")
    keys = Keys(screen, "f9")
    mark = app.mark()
    player = virtual_mic.play(wav, wait=False)
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    player.wait(30)
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("la do") == "la do", app.describe()


@pytest.mark.parametrize("method", ["paste", "type"])
def test_unicode_transcript_of_real_speech_arrives_exactly_and_clipboard_is_restored(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], unicode_model: Path, tmp_path: Path, method: str) -> None:
    speech = espeak_wav("Hello world, one two three.", tmp_path / "speech.wav")
    window = target("line")
    screen.clipboard_set("old clipboard ✓")
    # The unicode model says its whole sentence for every piece it is given: recognize in one piece, as a
    # progressive cut at the spoken comma would (rightly) give the sentence twice.
    app = start_app(run_app, screen, virtual_mic, unicode_model, tmp_path, "--hotkey=f9", f"--inject={method}",
                    "--no-trailing-space", "--progressive=off")
    seq = dictate(app, Keys(screen, "f9"), virtual_mic, speech)
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text(UNICODE_TEXT) == UNICODE_TEXT, app.describe()
    assert xenv.wait_for(lambda: screen.clipboard_get() == "old clipboard ✓", 10), screen.clipboard_get()


def test_terminal_like_target_receives_pasted_text(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:
    window = target("terminal")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--inject=paste",
                    "--no-trailing-space")
    seq = dictate(app, Keys(screen, "f9"), virtual_mic, phrase_wav(virtual_mic, ["sol", "fa"]))
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("sol fa") == "sol fa", app.describe()


def test_twenty_rapid_dictations_arrive_in_order_exactly_once(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:
    """Each press comes while the previous utterance is still in its tail/transcription.

    The next press waits only until the utterance before the previous one has been injected: the
    hotkey is grabbed while held, so nothing can be typed into the target during a hold (the app
    defers injection until the release), and the user's next press must not cut into an injection.
    """
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--inject=paste",
                    "--tail-ms=400")
    keys = Keys(screen, "f9")
    expected: list[str] = []
    seqs: list[int] = []
    for i in range(20):
        words = [WORDS[i % 8], WORDS[(i * 3 + 1) % 8]]
        expected.append(" ".join(words))
        # The next press comes within the tail and pre-roll of this one: no word may be lost or doubled.
        # The last word still sounds at key-up (no trailing gap), so the adaptive tail waits for it.
        audio = band_phrase(words, word_s=0.25, gap_s=0.15, lead_s=0.05)[: -int(0.15 * 16_000)]
        wav = virtual_mic.write_wav(audio, f"cycle{i}.wav")
        seqs.append(dictate(app, keys, virtual_mic, wav))
        if len(seqs) >= 2:
            app.wait_ev("injected", 30, seq=seqs[-2])
    app.wait_ev("injected", 30, seq=seqs[-1])
    want = "".join(e + " " for e in expected)
    assert window.wait_text(want, 20) == want, app.describe()
    assert [e["seq"] for e in app.of("injected")] == seqs, "each utterance injected once, in order"
    assert [e["seq"] for e in app.of("transcript")] == seqs
    order = [(e["ev"], e["seq"]) for e in app.events if e.get("ev") in ("recording", "transcribed")]
    overlapped = sum(order.index(("recording", b)) < order.index(("transcribed", a))
                     for a, b in itertools.pairwise(seqs))
    assert overlapped > 0, "some presses came while the previous utterance was still being transcribed"


def test_toggle_mode_starts_and_stops_with_two_presses(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--mode=toggle",
                    "--no-trailing-space")
    keys = Keys(screen, "f9")
    mark = app.mark()
    keys.down()
    keys.up()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(phrase_wav(virtual_mic, ["ti", "re", "hi"]))
    keys.down()
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("ti re hi") == "ti re hi", app.describe()


def test_microphone_pulled_mid_utterance_keeps_audio_reports_and_recovers(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9")
    keys = Keys(screen, "f9")
    mark = app.mark()
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(phrase_wav(virtual_mic, ["mi", "fa"]))
    virtual_mic.remove_source()
    lost = app.wait(lambda e: e.get("ev") == "mic" and e.get("status") == "lost", 15, "mic lost", mark)
    assert "microphone" in lost["message"].lower()
    app.wait(lambda e: e.get("ev") == "notify" and e.get("level") == "error", 5, "the user is told", mark)
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("mi fa ") == "mi fa ", "the audio before the loss is transcribed"
    assert app.proc.poll() is None
    # The microphone comes back: the app reopens it and dictation works again.
    mark = app.mark()
    virtual_mic.add_source()
    app.wait(lambda e: e.get("ev") == "mic" and e.get("status") == "open", 30, "mic back", mark)
    seq2 = dictate(app, keys, virtual_mic, phrase_wav(virtual_mic, ["la"], name="again.wav"))
    app.wait_ev("injected", 30, seq=seq2)
    assert window.wait_text("mi fa la ") == "mi fa la ", app.describe()


def test_app_started_without_a_microphone_waits_for_one(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:
    window = target("text")
    virtual_mic.remove_source()
    app: AppProcess = run_app([f"--model-dir={band_model}", "--sound-cues=off", "--hotkey=f9", "--no-trailing-space"],
                              app_env(screen, virtual_mic, tmp_path))
    failed = app.wait(lambda e: e.get("ev") == "mic" and e.get("status") != "open", 30, "no microphone")
    assert "microphone" in failed["message"].lower()
    assert app.wait_ev("ready", 60)["mic"] is False
    app.wait_ev("listening", 20)
    mark = app.mark()
    virtual_mic.add_source()
    app.wait(lambda e: e.get("ev") == "mic" and e.get("status") == "open", 30, "mic found", mark)
    seq = dictate(app, Keys(screen, "f9"), virtual_mic, phrase_wav(virtual_mic, ["hi", "do"]))
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("hi do") == "hi do", app.describe()


def test_short_tap_is_ignored_and_stuck_key_is_bounded(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space",
                    "--max-record-seconds=5")
    keys = Keys(screen, "f9")
    mark = app.mark()
    keys.down()
    keys.up()  # a tap of a few milliseconds: nothing to transcribe
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    app.wait_ev("too_short", 10, seq=seq)
    # Held far too long: stopped at 5 s, and what was said is still transcribed and typed.
    mark = app.mark()
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(phrase_wav(virtual_mic, ["re", "la"]))
    app.wait_ev("max_length", 10, seq=seq)
    assert app.wait_ev("audio", 10, seq=seq)["seconds"] < 6.5  # 5 s + pre-roll + tail, not the whole hold
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("re la") == "re la", app.describe()
    assert app.of("notify") and "5 seconds" in app.of("notify")[-1]["message"]


def test_modifier_hotkey_used_in_a_shortcut_cancels_the_dictation(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=ctrl_r", "--no-trailing-space")
    mark = app.mark()
    screen.xtest_key("Control_R", True)
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(phrase_wav(virtual_mic, ["do"]))
    screen.xtest_key("a", True)   # Ctrl+A in the target: a shortcut, not a dictation
    screen.xtest_key("a", False)
    app.wait_ev("cancelled", 10, seq=seq)
    screen.xtest_key("Control_R", False)
    # The next dictation still works, and the cancelled one never shows up.
    seq2 = dictate(app, Keys(screen, "ctrl_r"), virtual_mic, phrase_wav(virtual_mic, ["sol"], name="next.wav"))
    app.wait_ev("injected", 30, seq=seq2)
    assert window.wait_text("sol") == "sol", app.describe()
    assert [e["seq"] for e in app.of("transcript")] == [seq2]
