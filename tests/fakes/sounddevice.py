"""A fake ``sounddevice`` (PortAudio) for tests: one microphone replaying a WAV or array in real time.

Implements the subset the app uses: ``query_devices``, ``default``, ``check_input_settings``,
``InputStream``/``OutputStream`` with callbacks, ``CallbackStop``,
``CallbackAbort``, ``PortAudioError`` and the private ``_terminate``/``_initialize`` rescan pair.

In-process: ``from tests.fakes import sounddevice as fake_sd`` and pass it as ``sd_module``, then set
``fake_sd.config`` fields (``fake_sd.config.input = array``). In a subprocess: put
``tests/fakes/portaudio_fake`` first on ``PYTHONPATH`` so ``import sounddevice`` gets this module, and
configure it with environment variables (read when the module is imported):

========================  ==================================================================
``FAKE_SD_INPUT_WAV``     WAV replayed by the microphone (then silence); default: silence
``FAKE_SD_LOOP``          ``1``: replay the WAV in a loop
``FAKE_SD_RATE``          the microphone's only sample rate (default 16000)
``FAKE_SD_OPEN_HANG_S``   every ``InputStream`` open blocks this long first (like a stuck PulseAudio)
``FAKE_SD_HANG_OPENS``    only the first N opens hang (default: all)
``FAKE_SD_OPEN_FAIL``     the first N ``InputStream`` opens raise ``PortAudioError`` (``-1``: all)
``FAKE_SD_LOSE_AFTER_S``  the microphone disappears this long after the first stream started
``FAKE_SD_LOST_FOR_S``    ... and comes back this long later (default: never)
``FAKE_SD_SPEED``         streams run this many times faster than real time (default 1)
========================  ==================================================================

Each hang, failure and loss is announced on stderr with a line starting ``fake-sounddevice:``.
Streams run their callbacks on their own thread at real-time pace, in ``BLOCK_S`` blocks.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__version__ = "0.0-fake"
BLOCK_S = 0.01


class PortAudioError(Exception):
    """What PortAudio failures raise."""


class CallbackStop(Exception):  # noqa: N818 - sounddevice's name
    """Raised by a callback: finish after the buffers played."""


class CallbackAbort(Exception):  # noqa: N818 - sounddevice's name
    """Raised by a callback: stop at once."""


@dataclass
class Config:
    """What the fake does; fields may be changed at any time (the next open reads them)."""

    input: np.ndarray | None = None          # mono float32 at ``rate``
    loop: bool = False
    rate: int = 16_000
    open_hang_s: float = 0.0
    hang_opens: int = -1                    # -1: every open hangs
    open_fail: int = 0                      # -1: every open fails
    lose_after_s: float | None = None
    lost_for_s: float | None = None         # None: never comes back
    opens: int = 0                          # InputStream opens so far (counted by the fake)
    rescans: int = 0
    speed: float = 1.0                      # how many times faster than real time streams run
    played: list[np.ndarray] = field(default_factory=list)   # what output streams played

    @classmethod
    def from_env(cls) -> Config:
        """The configuration the ``FAKE_SD_*`` variables describe."""
        env = os.environ
        config = cls(rate=int(env.get("FAKE_SD_RATE", "16000")), loop=env.get("FAKE_SD_LOOP") == "1",
                     open_hang_s=float(env.get("FAKE_SD_OPEN_HANG_S", "0")),
                     hang_opens=int(env.get("FAKE_SD_HANG_OPENS", "-1")),
                     open_fail=int(env.get("FAKE_SD_OPEN_FAIL", "0")),
                     speed=float(env.get("FAKE_SD_SPEED", "1")))
        if env.get("FAKE_SD_LOSE_AFTER_S"):
            config.lose_after_s = float(env["FAKE_SD_LOSE_AFTER_S"])
        if env.get("FAKE_SD_LOST_FOR_S"):
            config.lost_for_s = float(env["FAKE_SD_LOST_FOR_S"])
        if env.get("FAKE_SD_INPUT_WAV"):
            config.input = load_wav(env["FAKE_SD_INPUT_WAV"], config.rate)
        return config


def load_wav(path: str, rate: int) -> np.ndarray:
    """A WAV file as mono float32 at ``rate``."""
    import soundfile
    import soxr

    data, file_rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = data.mean(axis=1).astype(np.float32)
    return mono if file_rate == rate else np.asarray(soxr.resample(mono, file_rate, rate), dtype=np.float32)


def _say(message: str) -> None:
    print(f"fake-sounddevice: {message}", file=sys.stderr, flush=True)


config = Config.from_env()
_lost_at: float | None = None       # when the microphone disappeared (monotonic), None while present
_first_start: float | None = None


_speech: list[np.ndarray] = []      # audio "spoken" now, mixed into the open microphone streams (see speak)
_speech_lock = threading.Lock()


def speak(samples: np.ndarray) -> None:
    """Say ``samples`` (mono float32 at ``config.rate``) into the microphone from now on, after anything still being
    said; the open input stream plays it in real time (in-process tests)."""
    with _speech_lock:
        _speech.append(np.asarray(samples, dtype=np.float32).copy())


def speech_pending() -> int:
    """Samples still to be said (0 once everything given to ``speak`` reached the callback)."""
    with _speech_lock:
        return sum(part.size for part in _speech)


def drop_speech() -> None:
    """Forget whatever is still to be said (a test's leftovers must not reach the next test's microphone)."""
    with _speech_lock:
        _speech.clear()


def _take_speech(frames: int) -> np.ndarray:
    out = np.zeros(frames, dtype=np.float32)
    filled = 0
    with _speech_lock:
        while _speech and filled < frames:
            part = _speech[0]
            n = min(frames - filled, part.size)
            out[filled:filled + n] = part[:n]
            filled += n
            if n == part.size:
                _speech.pop(0)
            else:
                _speech[0] = part[n:]
    return out


def _mic_present() -> bool:
    """Apply the configured loss schedule; True while the microphone exists."""
    global _lost_at
    now = time.monotonic()
    if _lost_at is None and config.lose_after_s is not None and _first_start is not None \
            and now - _first_start >= config.lose_after_s:
        _lost_at = now
        config.lose_after_s = None
        _say("the microphone is gone")
    if _lost_at is not None and config.lost_for_s is not None and now - _lost_at >= config.lost_for_s:
        _lost_at = None
        _say("the microphone is back")
    return _lost_at is None


class _Default:
    def __init__(self) -> None:
        self.device: list[int | None] = [None, None]
        self.samplerate: float | None = None


default = _Default()


def _devices() -> list[dict[str, Any]]:
    devices: list[dict[str, Any]] = []
    if _mic_present():
        devices.append({"name": "Fake Microphone", "index": 0, "hostapi": 0, "max_input_channels": 1,
                        "max_output_channels": 0, "default_samplerate": float(config.rate)})
    devices.append({"name": "Fake Speaker", "index": len(devices), "hostapi": 0, "max_input_channels": 0,
                    "max_output_channels": 2, "default_samplerate": 48_000.0})
    return devices


def query_devices(device: int | str | None = None, kind: str | None = None) -> Any:
    """The device list, one device by index, or the default ``kind`` ("input"/"output") device."""
    devices = _devices()
    if device is None and kind is None:
        return devices
    if device is None:
        wanted = "max_input_channels" if kind == "input" else "max_output_channels"
        for info in devices:
            if info[wanted] > 0:
                return info
        raise PortAudioError(f"Error querying device -1: no default {kind} device")
    if isinstance(device, int) and 0 <= device < len(devices):
        return devices[device]
    raise PortAudioError(f"Error querying device {device}")


def check_input_settings(device: int | None = None, samplerate: float | None = None, channels: int | None = None,
                         dtype: str | None = None, **_: Any) -> None:
    """Raises ``PortAudioError`` unless the microphone exists and ``samplerate`` is its rate."""
    if not _mic_present():
        raise PortAudioError("Error querying device -1")
    if samplerate is not None and int(samplerate) != config.rate:
        raise PortAudioError(f"Invalid sample rate [PaErrorCode -9997] ({samplerate})")


def _terminate() -> None:
    config.rescans += 1


def _initialize() -> None:
    pass


class _Status:
    input_overflow = False
    output_underflow = False

    def __bool__(self) -> bool:
        return False


class _Stream:
    """A started stream calls ``callback`` from its own thread every ``BLOCK_S`` of audio."""

    def __init__(self, samplerate: float | None = None, channels: int = 1, callback: Any = None,
                 finished_callback: Any = None, **_: Any) -> None:
        self.samplerate = float(samplerate or 48_000)
        self.channels = channels
        self._callback = callback
        self._finished_callback = finished_callback
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.closed = False
        self.active = False

    def start(self) -> None:
        """Start calling the callback."""
        if self.closed:
            raise PortAudioError("Error starting stream: stream is closed")
        self.active = True
        if self._callback is not None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="fake-portaudio", daemon=True)
            self._thread.start()

    def _halt(self) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(2)
        self.active = False

    def stop(self) -> None:
        """Stop after the current block."""
        self._halt()

    def abort(self) -> None:
        """Stop at once."""
        self._halt()

    def close(self) -> None:
        """Stop and release the stream."""
        self._halt()
        self.closed = True

    def _block(self, frames: int) -> bool:
        """Run one callback; False when the stream ends."""
        raise NotImplementedError

    def _run(self) -> None:
        frames = max(1, int(self.samplerate * BLOCK_S))
        next_at = time.monotonic()
        try:
            while not self._stopping.is_set():
                next_at += frames / self.samplerate / config.speed
                if not self._block(frames):
                    break
                delay = next_at - time.monotonic()
                if delay > 0:
                    self._stopping.wait(delay)
        finally:
            self.active = False
            if self._finished_callback is not None:
                self._finished_callback()


class InputStream(_Stream):
    """The microphone: replays ``config.input`` (then silence) through the callback in real time."""

    def __init__(self, device: int | None = None, samplerate: float | None = None, channels: int = 1,
                 dtype: str = "float32", latency: Any = None, callback: Any = None, finished_callback: Any = None,
                 **kwargs: Any) -> None:
        config.opens += 1
        number = config.opens
        if config.open_hang_s > 0 and (config.hang_opens < 0 or number <= config.hang_opens):
            _say(f"InputStream open {number} hangs {config.open_hang_s:.1f} s")
            time.sleep(config.open_hang_s)
        if config.open_fail < 0 or number <= config.open_fail:
            _say(f"InputStream open {number} fails")
            raise PortAudioError("Error opening InputStream: Device unavailable [PaErrorCode -9985]")
        check_input_settings(device, samplerate)
        super().__init__(samplerate or config.rate, channels, callback, finished_callback)
        self._pos = 0
        self._source = config.input

    def start(self) -> None:
        """Start replaying."""
        global _first_start
        if _first_start is None:
            _first_start = time.monotonic()
        super().start()

    def _block(self, frames: int) -> bool:
        if not _mic_present():
            return False
        block = np.zeros((frames, self.channels), dtype=np.float32)
        source = self._source
        if source is not None and source.size:
            if config.loop:
                idx = (self._pos + np.arange(frames)) % source.size
                block[:, 0] = source[idx]
            else:
                chunk = source[self._pos:self._pos + frames]
                block[:chunk.size, 0] = chunk
        block[:, 0] += _take_speech(frames)
        self._pos += frames
        try:
            self._callback(block, frames, None, _Status())
        except CallbackStop:
            return False
        except CallbackAbort:
            return False
        return True


class OutputStream(_Stream):
    """The speaker: pulls samples from the callback in real time."""

    def __init__(self, samplerate: float | None = None, channels: int = 1, dtype: str = "float32",
                 callback: Any = None, finished_callback: Any = None, **kwargs: Any) -> None:
        super().__init__(samplerate, channels, callback, finished_callback)

    def _block(self, frames: int) -> bool:
        block = np.zeros((frames, self.channels), dtype=np.float32)
        try:
            self._callback(block, frames, None, _Status())
        except (CallbackStop, CallbackAbort):
            config.played.append(block[:, 0].copy())
            return False
        config.played.append(block[:, 0].copy())
        return True
