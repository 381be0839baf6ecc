"""Short start/stop sounds, synthesized in code and played on a worker thread so no caller ever waits."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

_log = logging.getLogger("swictation.audio")

CUE_RATE = 48_000
Player = Callable[[npt.NDArray[np.float32], int], None]
"""Plays mono float32 samples at a rate and returns when done. Runs on the cue thread."""


def tone(freqs: tuple[float, ...], note_ms: float = 70.0, volume: float = 0.25,
         rate: int = CUE_RATE) -> npt.NDArray[np.float32]:
    """Consecutive soft notes (sine plus a little second harmonic) with 8 ms fades, so nothing clicks."""
    n = int(rate * note_ms / 1000)
    t = np.arange(n, dtype=np.float64) / rate
    fade = min(int(rate * 0.008), n // 2)
    envelope = np.ones(n)
    envelope[:fade] = np.linspace(0.0, 1.0, fade)
    envelope[n - fade:] = np.linspace(1.0, 0.0, fade)
    notes = [(np.sin(2 * np.pi * f * t) + 0.2 * np.sin(4 * np.pi * f * t)) / 1.2 * envelope for f in freqs]
    return (np.concatenate(notes) * volume).astype(np.float32)


START_FREQS = (660.0, 880.0)  # rising: "listening"
STOP_FREQS = (880.0, 587.33)  # falling: "done"
ERROR_FREQS = (330.0, 330.0)


def sounddevice_player(samples: npt.NDArray[np.float32], rate: int) -> None:
    """Play through the default output with a stream of our own (does not disturb the microphone stream)."""
    import sounddevice

    with sounddevice.OutputStream(samplerate=rate, channels=1, dtype="float32") as stream:
        stream.write(samples.reshape(-1, 1))


class SoundCues:
    """Plays cues one after another on a daemon thread; failures are logged, never raised.

    Args:
        enabled: Play anything at all (``set_enabled`` changes it live).
        volume: 0..1 peak amplitude of the cues.
        player: Plays samples (tests pass a recorder); defaults to sounddevice.
    """

    def __init__(self, enabled: bool = True, *, volume: float = 0.25, player: Player | None = None) -> None:
        self._enabled = enabled
        self._player = player or sounddevice_player
        self._sounds = {"start": tone(START_FREQS, volume=volume), "stop": tone(STOP_FREQS, volume=volume),
                        "error": tone(ERROR_FREQS, note_ms=110, volume=volume)}
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=4)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failed_once = False

    @property
    def enabled(self) -> bool:
        """Whether cues are played."""
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Turn cues on or off (any thread)."""
        self._enabled = enabled

    def play_start(self) -> None:
        """Recording started. Returns at once (any thread)."""
        self._play("start")

    def play_stop(self) -> None:
        """Recording stopped. Returns at once (any thread)."""
        self._play("stop")

    def play_error(self) -> None:
        """Something went wrong. Returns at once (any thread)."""
        self._play("error")

    def _play(self, name: str) -> None:
        if not self._enabled:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sound-cues", daemon=True)
                self._thread.start()
        try:
            self._queue.put_nowait(name)
        except queue.Full:
            _log.debug("Sound cue %s dropped: the player is behind", name)

    def close(self, timeout: float = 2.0) -> None:
        """Stop the cue thread after what is queued (any thread but the cue thread)."""
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None and thread.is_alive():
            try:
                self._queue.put(None, timeout=timeout)
            except queue.Full:
                return
            thread.join(timeout)

    def _run(self) -> None:
        """Runs on the sound-cues thread."""
        while True:
            name = self._queue.get()
            if name is None:
                return
            try:
                self._player(self._sounds[name], CUE_RATE)
            except Exception as exc:  # no sound card, PortAudio missing, device busy: cues are optional
                if not self._failed_once:
                    _log.warning("Cannot play sound cues (%s); dictation works without them", exc)
                    self._failed_once = True
                else:
                    _log.debug("Sound cue %s failed: %s", name, exc)
