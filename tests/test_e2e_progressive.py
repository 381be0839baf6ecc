"""Progressive recognition and the adaptive tail through the real app: the real X display, keys, PulseAudio
virtual microphone and target window (the dictation module's fixtures), and for the 3-minute memory test the
named fake PortAudio at 4× speed.

``--check-progressive`` makes the app also recognize each dictation's whole audio in one piece (event
``one_piece``), so the progressive text is compared with the one-piece text of the very same audio (the band
model's reading of speech depends on where the audio starts, so two separate recordings would not compare).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from swictation_gui import paths
from swictation_gui.models.catalogue import SILERO_VAD
from swictation_gui.platform import ipc
from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic, espeak_wav, virtual_mic  # noqa: F401 - fixture
from tests.fixtures.synth_models import band_phrase, band_tone_hz, tone
from tests.test_e2e_dictation import Keys, desk, dictate, screen, start_app, target  # noqa: F401 - fixtures
from tests.test_e2e_harness import AppProcess, run_app  # noqa: F401 - fixture
from tests.test_e2e_mic_hang import FakeMicApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WORDS = ["do", "re", "mi", "fa", "sol", "la", "ti", "hi"]


def test_progressive_band_text_equals_the_one_piece_text(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space",
                    "--check-progressive")
    wav = virtual_mic.write_wav(band_phrase(WORDS, gap_s=0.5), "pauses.wav")
    seq = dictate(app, Keys(screen, "f9"), virtual_mic, wav, hold_after_s=0.3)
    app.wait_ev("injected", 30, seq=seq)
    want = " ".join(WORDS)
    assert window.wait_text(want) == want, app.describe()
    recognized = app.wait_ev("recognized", 5, seq=seq)
    assert recognized["pieces"] >= 5, recognized  # the stretches were recognized during the hold
    assert recognized["last_piece_s"] < 1.5, recognized  # at release only the last one was left
    assert app.wait_ev("one_piece", 5, seq=seq)["text"] == want
    assert app.wait_ev("tail", 5, seq=seq)["ms"] == 0.0, "silence at key-up: no tail"


def test_progressive_espeak_speech_with_pauses_uses_silero_and_equals_one_piece(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path, silero_vad: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWICTATION_GUI_HOME", str(tmp_path))  # the app's home: its models folder gets the VAD file
    paths.models_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy(silero_vad, paths.models_dir() / SILERO_VAD.name)
    parts = []
    for i, sentence in enumerate(["Hello there, how are you today.", "The weather is fine.", "Let us go now."]):
        parts.append(espeak_wav(sentence, tmp_path / f"s{i}.wav"))
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space",
                    "--check-progressive")
    keys = Keys(screen, "f9")
    mark = app.mark()
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    pause = virtual_mic.write_wav(np.zeros(int(0.7 * 16_000), np.float32), "pause.wav")
    for wav in parts:
        virtual_mic.play(wav)
        virtual_mic.play(pause)
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    recognized = app.wait_ev("recognized", 5, seq=seq)
    assert recognized["silero"] == 1.0 and recognized["pieces"] >= 3, recognized
    one_piece = app.wait_ev("one_piece", 5, seq=seq)["text"]
    assert len(one_piece.split()) > 5
    assert app.wait_ev("transcript", 5, seq=seq)["text"] == one_piece
    assert window.wait_text(one_piece) == one_piece


def test_a_word_still_sounding_at_key_up_is_kept_by_the_tail(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space")
    keys = Keys(screen, "f9")
    mark = app.mark()
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(virtual_mic.write_wav(band_phrase(["do", "re"]), "first.wav"))
    # The last word sounds for 1 s; the key goes up while it still sounds.
    player = virtual_mic.play(virtual_mic.write_wav(tone(band_tone_hz("mi"), 1.0), "last.wav"), wait=False)
    time.sleep(0.5)  # the stimulus: let go in the middle of the word
    keys.up()
    player.wait(10)
    app.wait_ev("injected", 30, seq=seq)
    tail = app.wait_ev("tail", 5, seq=seq)
    assert 0.0 < tail["ms"] <= 400.0, tail  # it waited on the word, at most the limit
    assert window.wait_text("do re mi") == "do re mi", app.describe()


def test_a_three_minute_dictation_stays_bounded_in_memory(xdisplay: xenv.XDisplay, band_model: Path,
                                                          tmp_path: Path) -> None:
    """180 s of words with pauses through the named fake PortAudio at 4× speed, started and stopped over the control
    socket: the pending audio never exceeds one 30 s piece, the take copies only its last moments, and the
    process grows by less than 40 MB while it records (the ring is sized for 60 s, not for the whole take)."""
    words = (WORDS * 40)[:200]
    audio = band_phrase(words, gap_s=0.5)[: 180 * 16_000]
    wav = tmp_path / "long.wav"
    import soundfile as sf

    sf.write(str(wav), audio, 16_000)
    env = {**xdisplay.env, "SWICTATION_GUI_HOME": os.environ["SWICTATION_GUI_HOME"],
           "FAKE_SD_INPUT_WAV": str(wav), "FAKE_SD_SPEED": "4"}
    app = FakeMicApp([f"--config={tmp_path / 'settings.json'}", f"--model-dir={band_model}", "--hotkey=f9",
                      "--max-record-seconds=300", "--sound-cues=off", "--log-transcripts"], env)
    try:
        app.wait_ev("ready", 60)
        app.wait_ev("listening", 20)
        rss: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss.append(_rss_kib(app.proc.pid))
                stop.wait(0.25)

        assert ipc.send_command("start", timeout=5) == "ok"
        seq = int(app.wait_ev("recording", 10)["seq"])
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        time.sleep(180 / 4 + 1)  # the dictation's length at 4× speed
        assert ipc.send_command("stop", timeout=5) == "ok"
        recognized = app.wait_ev("recognized", 60, seq=seq)
        stop.set()
        sampler.join(5)
        assert recognized["pieces"] >= 100, recognized
        assert recognized["peak_pending_s"] <= 31.0, recognized
        assert app.wait_ev("tail", 5, seq=seq)["rest_s"] < 2.0
        text = app.wait_ev("transcript", 5, seq=seq)["text"]
        assert text.split()[:50] == words[:50], text[:200]
        growth_mb = (max(rss) - rss[0]) / 1024
        print(f"3-minute dictation: RSS {rss[0] / 1024:.1f} MB → peak {max(rss) / 1024:.1f} MB (+{growth_mb:.1f}), "
              f"{recognized['pieces']:.0f} pieces, peak pending {recognized['peak_pending_s']:.1f} s")
        assert growth_mb < 40, f"grew by {growth_mb:.1f} MB while recording 3 minutes"
    finally:
        app.kill()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")
