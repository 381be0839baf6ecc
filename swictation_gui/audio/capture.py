"""Microphone capture: a continuously running input stream feeding a ring, cut into utterances on demand.

Design: the stream runs all the time while the app is ready (opening a PortAudio stream on a
PulseAudio source can take from milliseconds to seconds), so a pre-roll of the audio *before*
the key press is always available and speech that starts together with the press is kept. Audio
stays in memory; the ring holds the longest possible utterance plus a margin.

Threads: the PortAudio callback (``_on_audio``) only copies into the ring and bumps counters.
Everything else runs on the thread that owns the capture (the GUI thread in the app), including
``poll`` which a timer calls to notice a lost device and to reopen it with backoff.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from swictation_gui import log
from swictation_gui.audio.ring import FloatArray, Ring
from swictation_gui.errors import AudioDeviceError

TARGET_RATE = 16_000
STALL_SECONDS = 2.0                 # a running stream that delivers nothing this long is lost
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 5.0)


class CaptureEvent(enum.StrEnum):
    """What ``poll``/``open`` report to the owner."""

    OPENED = "opened"
    LOST = "lost"
    OPEN_FAILED = "open_failed"


@dataclass
class Take:
    """One utterance's slice of a ring: ``[start, end)``; ``end`` is None while recording."""

    ring: Ring
    start: int
    end: int | None = None

    def ready(self) -> bool:
        """True once all frames up to ``end`` arrived, or the stream ended for good (owner thread)."""
        return self.end is not None and (self.ring.written >= self.end or self.ring.closed)

    def seconds(self) -> float:
        """Length of the audio currently covered by the take."""
        end = self.ring.written if self.end is None else min(self.end, self.ring.written)
        return max(0, end - max(self.start, self.ring.oldest())) / self.ring.rate

    def audio(self) -> FloatArray:
        """The take's samples resampled to 16 kHz mono float32 (owner thread)."""
        end = self.ring.written if self.end is None else self.end
        raw = self.ring.read(self.start, end)
        return resample(raw, self.ring.rate)


def resample(samples: FloatArray, rate: int) -> FloatArray:
    """``samples`` at ``rate`` converted to 16 kHz with soxr (no copy when already 16 kHz)."""
    if rate == TARGET_RATE or samples.size == 0:
        return samples
    import soxr

    out = soxr.resample(samples, rate, TARGET_RATE, quality="HQ")
    return np.ascontiguousarray(out, dtype=np.float32)


def resolve_device(sd: Any, spec: str | int | None) -> int | None:
    """PortAudio index for ``spec``: None (system default), an index, or part of an input device's name."""
    if spec is None or spec == "" or spec == "default":
        return None
    if isinstance(spec, int) or str(spec).isdigit():
        index = int(spec)
        try:
            info = sd.query_devices(index)
        except Exception as exc:
            raise AudioDeviceError(f"There is no audio device number {index}. Choose a microphone.") from exc
        if int(info["max_input_channels"]) < 1:
            raise AudioDeviceError(f"Audio device {index} ({info['name']}) has no input. Choose a microphone.")
        return index
    wanted = str(spec).lower()
    for index, info in enumerate(sd.query_devices()):
        if int(info["max_input_channels"]) > 0 and wanted in str(info["name"]).lower():
            return index
    raise AudioDeviceError(f"No microphone named {spec!r} is connected. Plug it in or choose another in Settings.")


class Capture:
    """The microphone, always recording into a ring while open.

    Args:
        device: None for the system default, a PortAudio index, or part of a device name.
        pre_roll_s: Audio kept from before the key press.
        max_seconds: Longest utterance (the ring holds this plus pre-roll and a margin).
        on_event: Called on the owner thread with (event, user-facing message).
        sd_module: The ``sounddevice`` module (injected for tests).
    """

    def __init__(self, device: str | int | None = None, pre_roll_s: float = 0.3, max_seconds: float = 120.0,
                 on_event: Callable[[CaptureEvent, str], None] | None = None, sd_module: Any = None) -> None:
        if sd_module is None:
            import sounddevice

            sd_module = sounddevice
        self._sd: Any = sd_module
        self._device = device
        self._pre_roll_s = max(0.0, pre_roll_s)
        self._ring_seconds = self._pre_roll_s + max_seconds + 10.0
        self._on_event = on_event or (lambda _event, _message: None)
        self._stream: Any = None
        self._ring: Ring | None = None
        self._finished = False          # set by PortAudio's finished callback (any thread)
        self.overflows = 0              # bumped by the callback; read by the owner for reporting
        self._reported_overflows = 0
        self._last_written = 0
        self._last_progress = 0.0
        self._attempt = 0
        self._retry_at: float | None = None
        self._closed = True
        self._last_take: Take | None = None

    # ----------------------------------------------------------------- PortAudio thread

    def _on_audio(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio callback thread: copy into the ring, count overflows; never blocks or raises."""
        try:
            if status and status.input_overflow:
                self.overflows += 1
            ring = self._ring
            if ring is not None:
                ring.write(indata)
        except Exception:  # a callback must never raise; the watchdog notices the silence
            pass

    def _on_finished(self) -> None:
        """PortAudio thread: the stream stopped (device gone or closed)."""
        self._finished = True

    # ----------------------------------------------------------------- owner thread

    @property
    def is_open(self) -> bool:
        """True while a stream is delivering audio."""
        return self._stream is not None

    @property
    def rate(self) -> int | None:
        """The device sample rate in use, or None when closed."""
        return self._ring.rate if self._ring is not None else None

    def open(self) -> None:
        """Open and start the stream (owner thread). Raises ``AudioDeviceError``; ``poll`` keeps retrying."""
        self._closed = False
        try:
            self._open_stream()
        except AudioDeviceError as exc:
            self._schedule_retry(time.monotonic())
            self._on_event(CaptureEvent.OPEN_FAILED, str(exc))
            raise
        self._attempt = 0
        self._retry_at = None
        self._on_event(CaptureEvent.OPENED, "")

    def _pick_rate(self, index: int | None) -> int:
        try:
            self._sd.check_input_settings(device=index, samplerate=TARGET_RATE, channels=1, dtype="float32")
            return TARGET_RATE
        except Exception:
            info = self._sd.query_devices(index, "input")
            return int(info["default_samplerate"])

    def _open_stream(self) -> None:
        try:
            index = resolve_device(self._sd, self._device)
            rate = self._pick_rate(index)
        except AudioDeviceError:
            raise
        except Exception as exc:
            raise AudioDeviceError(f"No microphone is available ({exc}). Plug one in or choose one in Settings.") \
                from exc
        ring = Ring(int(self._ring_seconds * rate), rate)
        self._finished = False
        self._ring = ring
        try:
            stream = self._sd.InputStream(device=index, samplerate=rate, channels=1, dtype="float32",
                                          latency="low", callback=self._on_audio,
                                          finished_callback=self._on_finished)
            stream.start()
        except Exception as exc:
            self._ring = None
            ring.closed = True
            raise AudioDeviceError(f"The microphone could not be opened ({exc}). "
                                   "Check that it is connected and not used exclusively by another program.") from exc
        self._stream = stream
        self._last_written = 0
        self._last_progress = time.monotonic()
        log.audio.info("Microphone open: device %s at %d Hz", "default" if index is None else index, rate)

    def close(self) -> None:
        """Stop and close the stream (owner thread, idempotent); no reopen attempts afterwards."""
        self._closed = True
        self._retry_at = None
        self._drop_stream()

    def _drop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if self._ring is not None:
            self._ring.closed = True
        self._ring = None
        if stream is not None:
            try:
                stream.abort()
            except Exception as exc:
                log.audio.debug("Aborting the stream failed: %s", exc)
            try:
                stream.close()
            except Exception as exc:
                log.audio.debug("Closing the stream failed: %s", exc)

    def _schedule_retry(self, now: float) -> None:
        delay = BACKOFF_SECONDS[min(self._attempt, len(BACKOFF_SECONDS) - 1)]
        self._attempt += 1
        self._retry_at = now + delay

    def poll(self, now: float | None = None) -> None:
        """Timer tick on the owner thread: notice a lost or stalled stream; reopen when a retry is due."""
        now = time.monotonic() if now is None else now
        if self._closed:
            return
        if self._stream is not None:
            if self.overflows != self._reported_overflows:
                log.audio.warning("Audio input overflowed %d time(s); some samples were lost",
                                  self.overflows - self._reported_overflows)
                self._reported_overflows = self.overflows
            ring = self._ring
            written = ring.written if ring is not None else 0
            if written != self._last_written:
                self._last_written, self._last_progress = written, now
            lost = self._finished or not self._stream.active
            stalled = now - self._last_progress > STALL_SECONDS
            if lost or stalled:
                why = "stopped" if lost else f"delivered no audio for {STALL_SECONDS:.0f} s"
                log.audio.warning("The microphone %s; closing it and retrying", why)
                self._drop_stream()
                self._attempt = 0
                self._schedule_retry(now)
                self._on_event(CaptureEvent.LOST, "The microphone stopped working (disconnected?). "
                                                  "Dictation resumes when it is back.")
            return
        if self._retry_at is not None and now >= self._retry_at:
            self._refresh_devices()
            try:
                self._open_stream()
            except AudioDeviceError as exc:
                log.audio.debug("Reopening the microphone failed: %s", exc)
                self._schedule_retry(now)
                return
            self._attempt = 0
            self._retry_at = None
            self._on_event(CaptureEvent.OPENED, "")

    def _refresh_devices(self) -> None:
        """Re-scan PortAudio devices (only while no stream is open) so a re-plugged device is found."""
        try:
            self._sd._terminate()
            self._sd._initialize()
        except Exception as exc:
            log.audio.debug("Re-initialising PortAudio failed: %s", exc)

    def level(self, seconds: float = 0.05) -> float:
        """Peak amplitude 0..1 of the newest ``seconds`` of audio (0 when closed; owner thread)."""
        ring = self._ring
        if ring is None:
            return 0.0
        recent = ring.read(ring.written - int(seconds * ring.rate), ring.written)
        return min(1.0, float(np.abs(recent).max())) if recent.size else 0.0

    # ----------------------------------------------------------------- takes

    def begin(self) -> Take | None:
        """Start an utterance here, including the pre-roll; None when no microphone is open.

        Consecutive takes never share audio: a press during the previous take's tail ends that
        take here, and the pre-roll never reaches back before the previous take's end.
        """
        ring = self._ring
        if ring is None or self._stream is None:
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
        """Drop ``take`` (cancelled or too short): end it now so no later pre-roll reaches back into it."""
        if take.end is None:
            take.end = take.ring.written

    def end(self, take: Take, tail_s: float) -> None:
        """End ``take`` ``tail_s`` seconds from now (the tail arrives later; see ``Take.ready``)."""
        if take.end is None:
            take.end = take.ring.written + int(max(0.0, tail_s) * take.ring.rate)
