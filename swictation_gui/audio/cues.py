"""Short start/stop sounds, synthesized in code and played on a cue thread so no caller ever waits."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from swictation_gui.audio import portaudio
from swictation_gui.audio.portaudio import PortAudio, PortAudioClosedError
from swictation_gui.audio.samples import FloatArray

_log = logging.getLogger("swictation.audio")

CUE_RATE = 48_000
MAX_QUEUED = 4             # cues waiting beyond this are dropped (the player is behind)
OPEN_WAIT_S = 0.3          # how long a cue waits for a device rescan to end before it is dropped
FINISH_MARGIN_S = 0.35     # time past a cue's length for the output to play it out, then it is aborted
MAX_TAIL_S = 0.25          # most we wait after the last callback for the output latency to play out
Player = Callable[[FloatArray, int], None]
"""Plays mono float32 samples at a rate and returns when done. Runs on the cue thread."""


def tone(freqs: tuple[float, ...], note_ms: float = 70.0, volume: float = 0.25,
         rate: int = CUE_RATE) -> FloatArray:
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


class StreamPlayer:
    """Plays cues through the default output with a short callback-driven stream of its own.

    Nothing here blocks for long: the samples are handed to PortAudio from its callback, the cue
    thread waits on an event for at most the cue's length plus :data:`FINISH_MARGIN_S`, and then
    aborts (never drains) the stream, so a stalled PulseAudio sink costs half a second, not seconds.
    Streams are opened and closed through the shared :class:`~swictation_gui.audio.portaudio.PortAudio`
    owner, so a device rescan never runs under a playing cue and exit closes a cue still playing.

    Args:
        pa: The PortAudio owner (the process-wide one by default).
    """

    def __init__(self, pa: PortAudio | None = None) -> None:
        self._pa = pa or portaudio.SHARED
        self._abort = threading.Event()
        portaudio.preload(self._pa)

    def abort(self) -> None:
        """End the cue playing now and play nothing more (any thread; returns at once)."""
        self._abort.set()

    def __call__(self, samples: FloatArray, rate: int) -> None:
        """Play ``samples`` and return when they were played, or were aborted (cue thread)."""
        if self._abort.is_set():
            return
        pa = self._pa
        sd = pa.module(OPEN_WAIT_S)
        finished = threading.Event()
        pos = 0

        def feed(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            """PortAudio thread: copy the next block; never blocks, raises only CallbackStop at the end."""
            nonlocal pos
            n = 0
            try:
                chunk = samples[pos:pos + frames]
                n = chunk.shape[0]
                outdata[:n, 0] = chunk
                outdata[n:] = 0
                pos += n
            except Exception:
                outdata.fill(0)
            if n < frames:
                raise sd.CallbackStop

        stream = pa.open_stream(lambda: sd.OutputStream(samplerate=rate, channels=1, dtype="float32",
                                                        callback=feed, finished_callback=finished.set),
                                timeout=OPEN_WAIT_S)
        try:
            pa.call(stream.start, timeout=OPEN_WAIT_S)
            deadline = time.monotonic() + samples.shape[0] / rate + FINISH_MARGIN_S
            while not finished.is_set() and not self._abort.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    _log.debug("A sound cue did not finish in time; aborting it")
                    break
                finished.wait(min(left, 0.02))
            if finished.is_set():   # the last samples are still in the output's buffer: let them play
                latency = pa.call(lambda: float(getattr(stream, "latency", 0.0) or 0.0), timeout=OPEN_WAIT_S)
                self._abort.wait(min(latency, MAX_TAIL_S))
        finally:
            pa.close_stream(stream, abort=True)


class SoundCues:
    """Plays cues one after another on a daemon thread; failures are logged, never raised.

    Args:
        enabled: Play anything at all (``set_enabled`` changes it live).
        volume: 0..1 peak amplitude of the cues.
        player: Plays samples on the cue thread (tests pass a recorder); defaults to a
            :class:`StreamPlayer`. A player with an ``abort()`` method is aborted by :meth:`close`.
    """

    def __init__(self, enabled: bool = True, *, volume: float = 0.25, player: Player | None = None) -> None:
        self._enabled = enabled
        self._player: Player = player or StreamPlayer()
        self._sounds = {"start": tone(START_FREQS, volume=volume), "stop": tone(STOP_FREQS, volume=volume),
                        "error": tone(ERROR_FREQS, note_ms=110, volume=volume)}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
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
            if self._closed:
                return
            if self._queue.qsize() >= MAX_QUEUED:
                _log.debug("Sound cue %s dropped: the player is behind", name)
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sound-cues", daemon=True)
                self._thread.start()
            self._queue.put_nowait(name)

    def close(self, timeout: float = 1.0) -> bool:
        """End playback for good (any thread but the cue thread); True when the cue thread has ended.

        Cues already queued may finish within half of ``timeout``; then the playing one is aborted
        and the thread joined for the rest. Nothing of ours is inside PortAudio afterwards, unless a
        device open hangs (the PortAudio exit handler waits for that one).
        """
        deadline = time.monotonic() + max(0.0, timeout)
        with self._lock:
            self._closed = True
            thread = self._thread
            self._queue.put_nowait(None)
        if thread is None:
            return True
        thread.join(max(0.0, timeout / 2))
        abort = getattr(self._player, "abort", None)
        if thread.is_alive() and callable(abort):
            abort()
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            _log.warning("The sound-cue thread did not stop within %.1f s", timeout)
            return False
        return True

    def _run(self) -> None:
        """Runs on the sound-cues thread."""
        while True:
            name = self._queue.get()
            if name is None:
                return
            try:
                self._player(self._sounds[name], CUE_RATE)
            except PortAudioClosedError:   # the process is exiting
                return
            except Exception as exc:  # no sound card, PortAudio missing, device busy: cues are optional
                if not self._failed_once:
                    _log.warning("Cannot play sound cues (%s); dictation works without them", exc)
                    self._failed_once = True
                else:
                    _log.debug("Sound cue %s failed: %s", name, exc)


def cue_player(sd_module: Any = None) -> StreamPlayer:
    """The cue player on the process's PortAudio, or on ``sd_module`` (a stand-in ``sounddevice``, for tests)."""
    return StreamPlayer(None if sd_module is None else PortAudio(sd_module, install_exit_handler=False))
