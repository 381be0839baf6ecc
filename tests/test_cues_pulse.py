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
