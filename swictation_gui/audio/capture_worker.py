"""The capture's worker side: opening, watching and closing the stream on the ``capture`` thread (see ``capture.py``).

Split from :class:`~swictation_gui.audio.capture.Capture`, which holds the owner-thread API and the
state both sides share (declared here).
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

from swictation_gui import log
from swictation_gui.audio import sources
from swictation_gui.audio.devices import CANNOT_OPEN, MICROPHONE_LOST, NO_MICROPHONE, resolve_device, source_for_open
from swictation_gui.audio.events import CaptureEvent
from swictation_gui.audio.portaudio import PortAudio, PortAudioClosedError
from swictation_gui.audio.ring import Ring
from swictation_gui.audio.samples import SAMPLE_RATE
from swictation_gui.errors import AudioDeviceError

STALL_SECONDS = 2.0                 # a running stream that delivers nothing this long is lost
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 5.0)
WATCH_SECONDS = 0.2                 # how often the worker checks a running stream
BLOCK_S = 0.01                      # callback blocks of a stream opened on demand: first audio within ~10 ms
KEPT_BLOCK_S = 0.04                 # ... of a stream kept open: 25 callbacks/s, so idle costs little CPU
KEEP_OPEN = "keep-open"             # the hold reason of the "keep the microphone open" setting
METER = "meter"                     # the hold reason of a visible level meter (Settings, the setup wizard)


class CaptureWorker:
    """The worker-thread half of the capture; every method runs on the ``capture`` thread unless it says so."""

    _pa: PortAudio
    _device: str | int | None
    _ring_seconds: float
    _linger_s: float
    _on_event: Callable[[CaptureEvent, str], None]
    _ring: Ring | None          # published by the worker while a stream runs; read by the owner
    _fill: Ring | None          # the ring the callback writes (worker sets it, callback reads it)
    _next_ring: Ring | None     # created by the owner for takes waiting on an open; the worker fills it
    _rate: int                  # the rate the last open used
    available: bool | None      # the microphone worked at the last check/open (None: not known yet)
    overflows: int              # bumped by the callback; read by the worker for reporting
    _holds: collections.Counter[str]
    _lock: threading.Lock       # guards _holds and the hand-over of rings between owner and worker
    _hurry: bool                # a take waits: try to open now, whatever the backoff says
    _wake: threading.Event
    _stop: threading.Event
    # Worker thread only:
    _stream: Any
    _finished: threading.Event
    _reported_overflows: int
    _last_written: int
    _last_progress: float
    _attempt: int
    _retry_at: float
    _failing: bool
    _checked: bool              # the microphone was checked once (at start) or opened since
    _unheld_since: float | None
    _need_rescan: bool          # the last attempt could not find the device

    def _on_audio(self, indata: Any, status: Any) -> None:
        """PortAudio callback thread: copy into the ring, count overflows; never blocks or raises."""
        try:
            if status and status.input_overflow:
                self.overflows += 1
            ring = self._fill
            if ring is not None:
                ring.write(indata)
        except Exception:  # a callback must never raise; the watchdog notices the silence
            pass

    @property
    def keep_open(self) -> bool:
        """Whether the stream is kept open while idle (any thread)."""
        with self._lock:
            return KEEP_OPEN in self._holds

    def _wanted(self) -> bool:
        with self._lock:
            return bool(self._holds)

    def _emit(self, event: CaptureEvent, message: str) -> None:
        if not self._stop.is_set():
            try:
                self._on_event(event, message)
            except Exception:
                log.audio.exception("The capture event handler failed")

    def _run(self) -> None:
        """The capture worker: open while held (or to check), watch, close when unheld, retry with backoff."""
        try:
            while not self._stop.is_set():
                self._wake.clear()
                self._step(time.monotonic())
                wait = self._next_wait(time.monotonic())
                self._wake.wait(wait)
        except PortAudioClosedError:
            pass  # the process is exiting
        finally:
            self._drop_stream()
            self._close_waiting_ring()

    def _step(self, now: float) -> None:
        wanted = self._wanted()
        if self._stream is not None:
            self._watch(now)
            if self._stream is None:
                return
            if wanted:
                self._unheld_since = None
            elif self._unheld_since is None:
                self._unheld_since = now
            elif now - self._unheld_since >= self._linger_s and self._drop_stream(only_unheld=True):
                log.audio.debug("Microphone closed (nothing holds it)")
            return
        hurry, self._hurry = self._hurry, False
        due = now >= self._retry_at or (hurry and wanted)
        # Unless something holds it by now, an open that was due without a hold was a check: close it at once.
        if due and (wanted or self._failing or not self._checked) and self._try_open(now):
            self._drop_stream(only_unheld=True)

    def _next_wait(self, now: float) -> float | None:
        """How long the worker may sleep (None: until woken by a hold, a release or close)."""
        if self._stream is not None:
            return WATCH_SECONDS
        if self._wanted() or self._failing or not self._checked:
            return min(WATCH_SECONDS * 25, max(0.0, self._retry_at - now))
        return None

    def _try_open(self, now: float) -> bool:
        """Open the stream (worker thread); True when it opened."""
        # A rescan re-initialises PortAudio (30-50 ms, stderr muted meanwhile): only when the device was
        # missing from the list, and only while no stream of ours is open (the owner checks).
        if self._need_rescan and self._pa.rescan():
            log.audio.debug("Re-scanned audio devices")
        waiting = self._next_ring
        try:
            self._open_stream()
        except AudioDeviceError as exc:
            self._retry_at = now + BACKOFF_SECONDS[min(self._attempt, len(BACKOFF_SECONDS) - 1)]
            self._attempt += 1
            self.available = False
            self._close_waiting_ring()
            detail = f" ({type(exc.__cause__).__name__}: {exc.__cause__})" if exc.__cause__ is not None else ""
            if self._failing and waiting is None:
                log.audio.debug("Reopening the microphone failed: %s%s", exc, detail)
            else:   # the first failure, or a take waited on this open: the user is told
                self._failing = True
                log.audio.warning("%s%s", exc, detail)
                self._emit(CaptureEvent.OPEN_FAILED, str(exc))
            return False
        if self._stream is None:
            return False
        self._attempt, self._failing, self._checked, self.available = 0, False, True, True
        self._emit(CaptureEvent.OPENED, "")
        return True

    def _close_waiting_ring(self) -> None:
        """No stream will fill the ring takes wait on: mark it closed, so they end with what they have."""
        with self._lock:
            ring, self._next_ring = self._next_ring, None
            if ring is not None:
                ring.closed = True

    def _pick_rate(self, sd: Any, index: int | None, preferred: int) -> int:
        for rate in dict.fromkeys((preferred, SAMPLE_RATE)):
            try:
                sd.check_input_settings(device=index, samplerate=rate, channels=1, dtype="float32")
                return rate
            except Exception:
                continue
        info = sd.query_devices(index, "input")
        return int(info["default_samplerate"])

    def _open_stream(self) -> None:
        pa = self._pa
        waiting = self._next_ring
        try:
            sd = pa.module()
            self._need_rescan = True
            index = pa.call(lambda: resolve_device(sd, self._device))
            with source_for_open(self._device):
                rate = pa.call(lambda: self._pick_rate(sd, index, waiting.rate if waiting else self._rate))
            self._need_rescan = False
        except (AudioDeviceError, PortAudioClosedError):
            raise
        except Exception as exc:
            raise AudioDeviceError(NO_MICROPHONE) from exc
        if waiting is not None and waiting.rate == rate and not waiting.closed:
            ring = waiting
        else:
            ring = Ring(int(self._ring_seconds * rate), rate)
        self._rate = rate
        self._fill = ring
        finished = threading.Event()
        block = int(rate * (KEPT_BLOCK_S if self.keep_open else BLOCK_S))
        stream: Any = None
        try:
            with source_for_open(self._device):
                stream = pa.open_stream(lambda: sd.InputStream(
                    device=index, samplerate=rate, channels=1, dtype="float32", latency="low", blocksize=block,
                    callback=lambda indata, _frames, _time, status: self._on_audio(indata, status),
                    finished_callback=finished.set))
                pa.call(stream.start)
                self._move_to_source()  # still under the open lock: our newest stream is this one
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
        self._unheld_since = None
        with self._lock:   # a take that began during the open waits on _next_ring: fill that one from now on
            waiting, self._next_ring = self._next_ring, None
            if waiting is not None and waiting is not ring:
                if waiting.rate == ring.rate and not waiting.closed:
                    ring = self._fill = waiting
                else:
                    waiting.closed = True
            self._ring = ring
        log.audio.info("Microphone open: device %s at %d Hz", "default" if index is None else index, rate)

    def _move_to_source(self) -> None:
        """The stream that just started, onto the chosen PulseAudio source if the server ignored ``PULSE_SOURCE``
        (worker thread, under the open lock)."""
        source = sources.pulse_source(self._device)
        if source is not None and sources.move_newest_stream(source):
            log.audio.info("Moved the microphone stream to %s (the sound server ignored PULSE_SOURCE)", source)

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
        self.available = False
        self._attempt, self._failing, self._retry_at = 1, True, now + BACKOFF_SECONDS[0]
        self._emit(CaptureEvent.LOST, MICROPHONE_LOST)

    def _drop_stream(self, only_unheld: bool = False) -> bool:
        """Unpublish the ring (marking it closed), then close the stream (worker thread). With ``only_unheld``,
        only when nothing holds the microphone: checked together with the owner's :meth:`begin`, so a take
        never starts on a ring that is about to close. True when dropped."""
        with self._lock:
            if only_unheld and self._holds:
                return False
            ring, self._ring = self._ring, None
            if ring is not None:
                ring.closed = True
        stream, self._stream = self._stream, None
        self._fill = None
        if stream is not None:
            self._pa.close_stream(stream)
        return True
