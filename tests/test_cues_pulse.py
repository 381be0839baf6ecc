"""Sound cues really reach the audio output: played through PortAudio into a PulseAudio null sink and heard back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.desktop.pulse import RATE, SINK, VirtualMic, virtual_mic

__all__ = ["virtual_mic"]

REPO = Path(__file__).resolve().parents[1]
PLAY = ("from swictation_gui.audio.cues import SoundCues\n"
        "cues = SoundCues()\n"
        "cues.play_start()\n"
        "cues.close(15)\n")


def _tone_power(samples: np.ndarray, freq: float) -> float:
    t = np.arange(len(samples)) / RATE
    return float(abs(np.dot(samples, np.exp(-2j * np.pi * freq * t))) / max(len(samples), 1))


def _heard(path: Path) -> bool:
    raw = path.read_bytes()
    samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.float64) / 32768
    if len(samples) < RATE // 10:
        return False
    window = RATE // 10
    for start in range(0, len(samples) - window, window // 2):
        chunk = samples[start:start + window]
        if np.abs(chunk).max() < 0.02:
            continue
        wanted = max(_tone_power(chunk, 660.0), _tone_power(chunk, 880.0))
        other = max(_tone_power(chunk, f) for f in (300.0, 1200.0, 2500.0))
        if wanted > 10 * other:
            return True
    return False


@pytest.mark.slow
def test_start_cue_is_heard_on_the_default_output(virtual_mic: VirtualMic, tmp_path: Path) -> None:
    recording = tmp_path / "monitor.raw"
    env = {**os.environ, **virtual_mic.env}
    with recording.open("wb") as out:
        rec = subprocess.Popen(["parec", f"--device={SINK}.monitor", "--raw", f"--rate={RATE}", "--channels=1",
                                "--format=s16le", "--latency-msec=20"], env=env, stdout=out,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        player = subprocess.run([sys.executable, "-c", PLAY], env={**env, "PYTHONPATH": str(REPO)}, cwd=REPO,
                                capture_output=True, text=True, timeout=60, check=False)
        assert player.returncode == 0, player.stderr
        assert "Cannot play sound cues" not in player.stderr, player.stderr
        deadline = time.monotonic() + 5
        while not _heard(recording) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _heard(recording), "the start cue (660/880 Hz) never reached the output"
    finally:
        rec.terminate()
        rec.wait(5)


QUIT = ("import sys, time\n"
        "from swictation_gui.audio.cues import SoundCues\n"
        "cues = SoundCues()\n"
        "for _ in range(int(sys.argv[1])):\n"
        "    cues.play_start()\n"
        "    cues.play_stop()\n"
        "time.sleep(0.05)\n"
        "t0 = time.monotonic()\n"
        "if sys.argv[2] == 'close':\n"
        "    cues.close()\n"
        "print(f'close {time.monotonic() - t0:.3f}')\n")
"""Plays cues and exits while they play: with ``close()`` (as the app's shutdown does) or without.
The timing goes to stdout: importing sounddevice mutes fd 2 for a moment, on whichever thread imports it."""

CRASH_SIGNS = ("malloc", "Assertion", "PaAlsaStream", "Segmentation", "Aborted", "core dumped")


@pytest.mark.slow
@pytest.mark.parametrize("sink", ["stalled", "working"])
def test_exit_while_cues_play_never_crashes(virtual_mic: VirtualMic, sink: str) -> None:
    """Issue 9: quitting right after cues crashed in PortAudio teardown (SIGABRT/SIGSEGV).

    A "stalled" sink is a suspended null sink that never consumes audio: blocking writes to it
    hang, as PulseAudio did for ~2 s on the reporter's desktop.
    """
    env = {**os.environ, **virtual_mic.env, "PYTHONPATH": str(REPO)}
    if sink == "stalled":
        virtual_mic.pactl("load-module", "module-null-sink", "sink_name=stalled", "rate=48000", "channels=1")
        virtual_mic.pactl("suspend-sink", "stalled", "1")
        env["PULSE_SINK"] = "stalled"
    for round_ in range(8):
        how = "close" if round_ % 2 == 0 else "exit"
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-c", QUIT, str(1 + round_ % 3), how], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60, check=False)
        took = time.monotonic() - started
        detail = f"round {round_} ({how}, {sink} sink): exit {proc.returncode} after {took:.1f} s\n{proc.stderr}"
        assert proc.returncode == 0, detail
        assert not any(sign in proc.stderr for sign in CRASH_SIGNS), detail
        close_s = float(proc.stdout.split("close ")[-1].split()[0])
        assert close_s < 1.2, detail
