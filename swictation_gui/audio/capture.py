"""Microphone capture: an always-running input stream feeding a ring, cut into utterances on demand.

Design: the stream runs all the time while the app is ready (opening a PortAudio stream on a
PulseAudio source can take from milliseconds to seconds), so a pre-roll of the audio *before*
the key press is always available and speech that starts together with the press is kept. Audio
stays in memory; the ring holds the longest possible utterance plus a margin.

Threads:

* **owner thread** (the GUI thread in the app): ``open``, ``close``, ``begin``, ``end``, ``discard``,
  ``level``, ``is_open``, ``rate`` and ``Take.ready``/``Take.seconds``. None of them waits for a device.
* **capture worker** (``capture``, started by ``open``): every device operation (resolve, open,
  start, close, the watchdog for a lost or stalled stream, reopening with backoff, device rescans),
  all through the shared :class:`~swictation_gui.audio.portaudio.PortAudio` owner. It reports to the
  owner through ``on_event``, which it calls **on the worker thread** (the app forwards it to the GUI
  thread with a queued Qt signal).
* **PortAudio callback thread**: ``_on_audio`` only copies into the ring and counts overflows.

The worker publishes the current ring with one reference assignment once the stream runs, and
unpublishes it (marking it closed) before closing the stream; owner-thread readers take the
reference once and use it, so they never need a lock.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from swictation_gui import log
from swictation_gui.audio import portaudio
from swictation_gui.audio.portaudio import PortAudio, PortAudioClosedError
from swictation_gui.audio.ring import Ring
from swictation_gui.audio.samples import SAMPLE_RATE, FloatArray, resample
from swictation_gui.errors import AudioDeviceError

STALL_SECONDS = 2.0                 # a running stream that delivers nothing this long is lost
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 5.0)
WATCH_SECONDS = 0.2                 # how often the worker checks the running stream

# What the user reads (tray, notification); PortAudio's own words ("Error querying device -1",
# "PaErrorCode -9999") go to the log only.
NO_MICROPHONE = ("No microphone was found. Plug one in, or choose another in Settings → Microphone. "
                 "If one is plugged in, check that PulseAudio/PipeWire sees it: pactl list short sources")
CANNOT_OPEN = ("The microphone could not be opened. Check that it is plugged in and that no other program holds "
               "it, or choose another in Settings → Microphone. To see what PulseAudio/PipeWire offers: "
               "pactl list short sources")
MICROPHONE_LOST = ("The microphone stopped working (unplugged?). Dictation resumes when it is back, or choose "
                   "another in Settings → Microphone.")


class CaptureEvent(enum.StrEnum):
    """What the capture worker reports to the owner through ``on_event``."""

    OPENED = "opened"
    LOST = "lost"
    OPEN_FAILED = "open_failed"


@dataclass
class Take:
    """One utterance's slice of a ring: ``[start, end)``; ``end`` is None while recording.

    Owner thread, except :meth:`audio`, which may run on any thread once :meth:`ready` returned True:
    by then the samples were copied out of the ring (on the owner thread), so the recognizer thread
    never reads a ring the PortAudio callback is still writing, and a slow recognizer cannot lose
    audio that the ring overwrote meanwhile.
    """

    ring: Ring
    start: int
    end: int | None = None
    _samples: FloatArray | None = field(default=None, repr=False)

    def ready(self) -> bool:
        """True once all frames up to ``end`` arrived, or the stream ended for good (owner thread).

        The first True copies the take's samples out of the ring.
        """
        if self._samples is not None:
            return True
        if self.end is None or (self.ring.written < self.end and not self.ring.closed):
            return False
        self._samples = self.ring.read(self.start, self.end)
        return True

    def seconds(self) -> float:
        """Length of the audio currently covered by the take (owner thread)."""
        if self._samples is not None:
            return float(self._samples.shape[0] / self.ring.rate)
        end = self.ring.written if self.end is None else min(self.end, self.ring.written)
        return max(0, end - max(self.start, self.ring.oldest())) / self.ring.rate

    def audio(self) -> FloatArray:
        """The take's samples resampled to 16 kHz mono float32.

        Any thread after :meth:`ready` returned True (it reads the copy made then); before that, the
        owner thread only (it reads the ring as far as it was written).
        """
        raw = self._samples
        if raw is None:
            raw = self.ring.read(self.start, self.ring.written if self.end is None else self.end)
        return resample(raw, self.ring.rate)


def resolve_device(sd: Any, spec: str | int | None) -> int | None:
    """PortAudio index for ``spec``: None (system default), an index, or part of an input device's name."""
    if spec is None or spec == "" or spec == "default":
        return None
    if isinstance(spec, int) or str(spec).isdigit():
        index = int(spec)
        try:
            info = sd.query_devices(index)
        except Exception as exc:
            raise AudioDeviceError(f"There is no audio device number {index}. "
                                   "Choose a microphone in Settings → Microphone.") from exc
        if int(info["max_input_channels"]) < 1:
            raise AudioDeviceError(f"Audio device {index} ({info['name']}) is not a microphone. "
                                   "Choose one in Settings → Microphone.")
        return index
    wanted = str(spec).lower()
    for index, info in enumerate(sd.query_devices()):
        if int(info["max_input_channels"]) > 0 and wanted in str(info["name"]).lower():
            return index
    raise AudioDeviceError(f"No microphone named {spec!r} is connected. Plug it in or choose another in Settings.")


class Capture:
    """The microphone, always recording into a ring while open; device work runs on its own worker thread.

    Args:
        device: None for the system default, a PortAudio index, or part of a device name.
        pre_roll_s: Audio kept from before the key press.
        max_seconds: Longest utterance (the ring holds this plus pre-roll and a margin).
        on_event: Called **on the capture worker thread** with (event, user-facing message); it must
            not block (the app emits a queued Qt signal from it).
        sd_module: A ``sounddevice``-like module (tests); None uses the process-wide PortAudio owner.
        pa: The PortAudio lifecycle owner to use (overrides ``sd_module``).
    """

    def __init__(self, device: str | int | None = None, pre_roll_s: float = 0.3, max_seconds: float = 120.0,
                 on_event: Callable[[CaptureEvent, str], None] | None = None, sd_module: Any = None,
                 pa: PortAudio | None = None) -> None:
        if pa is None:
            pa = portaudio.SHARED if sd_module is None else PortAudio(sd_module, install_exit_handler=False)
        self._pa = pa
        self._device = device
        self._pre_roll_s = max(0.0, pre_roll_s)
        self._ring_seconds = self._pre_roll_s + max_seconds + 10.0
        self._on_event = on_event or (lambda _event, _message: None)
        self._ring: Ring | None = None  # published by the worker while a stream runs; read by the owner
        self.overflows = 0              # bumped by the callback; read by the worker for reporting
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closing: threading.Thread | None = None  # a worker told to stop that had not ended yet
        self._last_take: Take | None = None      # owner thread
        # Worker thread only:
        self._stream: Any = None
        self._finished = threading.Event()
        self._reported_overflows = 0
        self._last_written = 0
        self._last_progress = 0.0
        self._attempt = 0
        self._retry_at = 0.0
        self._failing = False
        self._need_rescan = False       # the last attempt could not find the device
        portaudio.preload(pa)

    # ----------------------------------------------------------------- PortAudio callback thread

    def _on_audio(self, ring: Ring, indata: Any, status: Any) -> None:
        """PortAudio callback thread: copy into the ring, count overflows; never blocks or raises."""
        try:
            if status and status.input_overflow:
                self.overflows += 1
            ring.write(indata)
        except Exception:  # a callback must never raise; the watchdog notices the silence
            pass

    # ----------------------------------------------------------------- owner thread

    @property
    def is_open(self) -> bool:
        """True while a stream is delivering audio (owner thread)."""
        return self._ring is not None

    @property
    def rate(self) -> int | None:
        """The device sample rate in use, or None when closed (owner thread)."""
        ring = self._ring
        return ring.rate if ring is not None else None

    def open(self) -> None:
        """Start the capture worker, which opens the device and keeps it open (owner thread; returns at once).

        The outcome arrives through ``on_event``: OPENED, or OPEN_FAILED once and then silent retries
        with backoff until the device opens; LOST when it goes away, then retries again.
        """
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 2.0) -> bool:
        """Stop the worker and close the stream (owner thread, idempotent); True when the worker ended.

        Waits at most ``timeout``. A device open that hangs longer keeps the worker alive until it
        returns; it then closes what it opened and reports nothing more.
        """
        self._stop.set()
        thread = self._thread or self._closing
        self._thread = None
        if thread is None:
            return True
        self._closing = thread  # a later close() with a timeout still joins it
        thread.join(max(0.0, timeout))
        if thread.is_alive():
            if timeout > 0:
                log.audio.warning("The microphone is still being opened; closing it when that returns")
            return False
        self._closing = None
        return True

    def level(self, seconds: float = 0.05) -> float:
        """Peak amplitude 0..1 of the newest ``seconds`` of audio (0 when closed; owner thread)."""
        ring = self._ring
        if ring is None:
            return 0.0
        recent = ring.read(ring.written - int(seconds * ring.rate), ring.written)
        return min(1.0, float(np.abs(recent).max())) if recent.size else 0.0

    # ----------------------------------------------------------------- capture worker thread

    def _emit(self, event: CaptureEvent, message: str) -> None:
        if not self._stop.is_set():
            try:
                self._on_event(event, message)
            except Exception:
                log.audio.exception("The capture event handler failed")

    def _run(self) -> None:
        """The capture worker: open, watch, reopen with backoff; closes the stream when stopped."""
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if self._stream is not None:
                    self._watch(now)
                elif now >= self._retry_at:
                    self._try_open(now)
                wait = WATCH_SECONDS if self._stream is not None else self._retry_at - time.monotonic()
                self._stop.wait(min(WATCH_SECONDS, max(0.0, wait)))
        except PortAudioClosedError:
            pass  # the process is exiting
        finally:
            self._drop_stream()

    def _try_open(self, now: float) -> None:
        # A rescan re-initialises PortAudio (30-50 ms, stderr muted meanwhile): only when the device was
        # missing from the list, and only while no stream of ours is open (the owner checks).
        if self._need_rescan and self._pa.rescan():
            log.audio.debug("Re-scanned audio devices")
        try:
            self._open_stream()
        except AudioDeviceError as exc:
            self._retry_at = now + BACKOFF_SECONDS[min(self._attempt, len(BACKOFF_SECONDS) - 1)]
            self._attempt += 1
            detail = f" ({type(exc.__cause__).__name__}: {exc.__cause__})" if exc.__cause__ is not None else ""
            if self._failing:
                log.audio.debug("Reopening the microphone failed: %s%s", exc, detail)
            else:
                self._failing = True
                log.audio.warning("%s%s", exc, detail)
                self._emit(CaptureEvent.OPEN_FAILED, str(exc))
            return
        if self._stream is not None:
            self._attempt, self._failing = 0, False
            self._emit(CaptureEvent.OPENED, "")

    def _pick_rate(self, sd: Any, index: int | None) -> int:
        try:
            sd.check_input_settings(device=index, samplerate=SAMPLE_RATE, channels=1, dtype="float32")
            return SAMPLE_RATE
        except Exception:
            info = sd.query_devices(index, "input")
            return int(info["default_samplerate"])

    def _open_stream(self) -> None:
        pa = self._pa
        try:
            sd = pa.module()
            self._need_rescan = True
            index = pa.call(lambda: resolve_device(sd, self._device))
            rate = pa.call(lambda: self._pick_rate(sd, index))
            self._need_rescan = False
        except (AudioDeviceError, PortAudioClosedError):
            raise
        except Exception as exc:
            raise AudioDeviceError(NO_MICROPHONE) from exc
        ring = Ring(int(self._ring_seconds * rate), rate)
        finished = threading.Event()
        stream: Any = None
        try:
            stream = pa.open_stream(lambda: sd.InputStream(
                device=index, samplerate=rate, channels=1, dtype="float32", latency="low",
                callback=lambda indata, _frames, _time, status: self._on_audio(ring, indata, status),
                finished_callback=finished.set))
            pa.call(stream.start)
        except PortAudioClosedError:
            if stream is not None:
                pa.close_stream(stream)
            raise
        except Exception as exc:
            if stream is not None:
                pa.close_stream(stream)
            raise AudioDeviceError(CANNOT_OPEN) from exc
        if self._stop.is_set():   # closed while the open was under way
            pa.close_stream(stream)
            return
        self._stream, self._finished = stream, finished
        self._last_written, self._last_progress = 0, time.monotonic()
        self._ring = ring
        log.audio.info("Microphone open: device %s at %d Hz", "default" if index is None else index, rate)

    def _watch(self, now: float) -> None:
        """Notice a lost or stalled stream and report overflows (worker thread)."""
        if self.overflows != self._reported_overflows:
            log.audio.warning("Audio input overflowed %d time(s); some samples were lost",
                              self.overflows - self._reported_overflows)
            self._reported_overflows = self.overflows
        ring = self._ring
        written = ring.written if ring is not None else 0
        if written != self._last_written:
            self._last_written, self._last_progress = written, now
        stream = self._stream
        lost = self._finished.is_set() or not self._pa.call(lambda: bool(stream.active))
        stalled = now - self._last_progress > STALL_SECONDS
        if not (lost or stalled):
            return
        why = "stopped" if lost else f"delivered no audio for {STALL_SECONDS:.0f} s"
        log.audio.warning("The microphone %s; closing it and retrying", why)
        self._drop_stream()
        self._attempt, self._failing, self._retry_at = 1, True, now + BACKOFF_SECONDS[0]
        self._emit(CaptureEvent.LOST, MICROPHONE_LOST)

    def _drop_stream(self) -> None:
        """Unpublish the ring (marking it closed), then close the stream (worker thread)."""
        stream, self._stream = self._stream, None
        ring, self._ring = self._ring, None
        if ring is not None:
            ring.closed = True
        if stream is not None:
            self._pa.close_stream(stream)

    # ----------------------------------------------------------------- takes

    def begin(self) -> Take | None:
        """Start an utterance here, including the pre-roll; None when no microphone is open (owner thread).

        Consecutive takes never share audio: a press during the previous take's tail ends that
        take here, and the pre-roll never reaches back before the previous take's end.
        """
        ring = self._ring
        if ring is None:
            return None
        now = ring.written
        start = max(ring.oldest(), now - int(self._pre_roll_s * ring.rate))
        last = self._last_take
        if last is not None and last.ring is ring and last.end is not None:
            last.end = min(last.end, now)
            start = max(start, last.end)
        take = Take(ring, start)
        self._last_take = take
        return take

    def discard(self, take: Take) -> None:
        """Drop ``take`` (cancelled or too short): end it now so no later pre-roll reaches back into it (owner)."""
        if take.end is None:
            take.end = take.ring.written

    def end(self, take: Take, tail_s: float) -> None:
        """End ``take`` ``tail_s`` seconds from now (owner thread; the tail arrives later: ``Take.ready``)."""
        if take.end is None:
            take.end = take.ring.written + int(max(0.0, tail_s) * take.ring.rate)
