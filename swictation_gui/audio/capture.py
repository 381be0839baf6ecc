"""Microphone capture: a stream opened on demand (or kept open) feeding a ring, cut into utterances (takes).

Design: by default no stream is open while the app is idle, so the desktop's microphone indicator stays
off and Bluetooth headsets keep their high-quality profile. A take (:meth:`Capture.begin`, at key-down)
holds the microphone: the worker opens the stream at once and the ring fills from its very first
callback, so the only audio lost is the device's open time (10-20 ms on PulseAudio, reported by
:meth:`Take.open_delay_ms`; see benchmarks/idle.py). After the last hold is released the stream
lingers ``linger_s`` seconds (default 1.5 s: long enough that a quick next dictation reuses the stream,
and even gets its pre-roll; short enough that the indicator goes off right after dictating), then
closes. ``keep_open`` (the "Keep the microphone open" setting) holds it for good: instant start with
a pre-roll of audio from *before* the key press. Level meters hold it while they are visible.

At start, and after a failure or loss, the worker checks the microphone by opening and at once
closing it, retrying with backoff, so the user learns of a missing microphone before speaking.

Threads:

* **owner thread** (the GUI thread in the app): ``open``, ``close``, ``hold``, ``release``,
  ``set_keep_open``, ``begin``, ``end``, ``discard``, ``finish``, ``level`` and the properties. None
  of them waits for a device.
* **capture worker** (``capture``, started by ``open``): every device operation (resolve, open, start,
  close, the watchdog for a lost or stalled stream, reopening with backoff, device rescans), all
  through the shared :class:`~swictation_gui.audio.portaudio.PortAudio` owner. It sleeps on an event
  while idle (no polling). It reports to the owner through ``on_event``, which it calls **on the
  worker thread** (the app forwards it to the GUI thread with a queued Qt signal).
* **PortAudio callback thread**: ``_on_audio`` only copies into the ring and counts overflows.

Rings are handed over with single reference assignments: the owner creates the ring a take waits on
(``_next_ring``), the worker opens the stream into it and publishes it as ``_ring``, and unpublishes it
(marking it closed) before closing the stream. Readers take a reference once and use it, lock-free.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from swictation_gui import log
from swictation_gui.audio import portaudio, sources
from swictation_gui.audio.capture_worker import KEEP_OPEN, CaptureWorker
from swictation_gui.audio.devices import CANNOT_OPEN, MICROPHONE_LOST, NO_MICROPHONE, resolve_device
from swictation_gui.audio.events import CaptureEvent
from swictation_gui.audio.portaudio import PortAudio
from swictation_gui.audio.ring import Ring
from swictation_gui.audio.samples import SAMPLE_RATE
from swictation_gui.audio.take import Take

__all__ = ["CANNOT_OPEN", "MICROPHONE_LOST", "NO_MICROPHONE", "Capture", "CaptureEvent", "Take", "resolve_device"]

LINGER_SECONDS = 1.5                # a stream nobody holds closes this long after the last release
TAKE = "take"                       # the hold reason of a recording (one hold per take)


class Capture(CaptureWorker):
    """The microphone: a stream opened while something holds it, recording into a ring; device work on a worker.

    Args:
        device: None for the system default, a PortAudio index, part of a device name, or "pulse:SOURCE".
        pre_roll_s: Audio kept from before the key press (only while the stream is already running).
        max_seconds: Longest utterance (the ring holds this plus pre-roll and a margin).
        on_event: Called **on the capture worker thread** with (event, user-facing message); it must
            not block (the app emits a queued Qt signal from it).
        sd_module: A ``sounddevice``-like module (tests); None uses the process-wide PortAudio owner.
        pa: The PortAudio lifecycle owner to use (overrides ``sd_module``).
        keep_open: Hold the stream open from :meth:`open` to :meth:`close` (instant start with pre-roll).
        linger_s: How long a stream nobody holds stays open before it closes.
    """

    def __init__(self, device: str | int | None = None, pre_roll_s: float = 0.3, max_seconds: float = 120.0,
                 on_event: Callable[[CaptureEvent, str], None] | None = None, sd_module: Any = None,
                 pa: PortAudio | None = None, keep_open: bool = False, linger_s: float = LINGER_SECONDS) -> None:
        if pa is None:
            pa = portaudio.SHARED if sd_module is None else PortAudio(sd_module, install_exit_handler=False)
        self._pa = pa
        self._device = device
        self._pre_roll_s = max(0.0, pre_roll_s)
        self._ring_seconds = self._pre_roll_s + max_seconds + 10.0
        self._linger_s = max(0.0, linger_s)
        self._on_event = on_event or (lambda _event, _message: None)
        self._ring: Ring | None = None       # published by the worker while a stream runs; read by the owner
        self._fill: Ring | None = None       # the ring the callback writes (worker sets it, callback reads it)
        self._next_ring: Ring | None = None  # created by the owner for takes waiting on an open; worker fills it
        self._rate = SAMPLE_RATE             # the rate the last open used (worker writes, owner reads)
        self.available: bool | None = None   # the microphone worked at the last check/open (None: not known yet)
        self.overflows = 0                   # bumped by the callback; read by the worker for reporting
        self._holds: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._hurry = False                  # a take waits: try to open now, whatever the backoff says
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closing: threading.Thread | None = None  # a worker told to stop that had not ended yet
        self._last_take: Take | None = None  # owner thread
        if keep_open:
            self.hold(KEEP_OPEN)
        # Worker thread only:
        self._stream: Any = None
        self._finished = threading.Event()
        self._reported_overflows = 0
        self._last_written = 0
        self._last_progress = 0.0
        self._attempt = 0
        self._retry_at = 0.0
        self._failing = False
        self._checked = False           # the microphone was checked once (at start) or opened since
        self._unheld_since: float | None = None
        self._need_rescan = False       # the last attempt could not find the device
        sources.name_our_streams()
        portaudio.preload(pa)

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

    @property
    def last_rate(self) -> int:
        """The sample rate the last open used (owner thread)."""
        return self._rate

    @property
    def holds(self) -> dict[str, int]:
        """Who holds the microphone open now, by reason (any thread)."""
        with self._lock:
            return dict(self._holds)

    def hold(self, reason: str) -> None:
        """Ask for the stream to be open (reference-counted per ``reason``; any thread, returns at once)."""
        with self._lock:
            self._holds[reason] += 1
        self._wake.set()

    def release(self, reason: str) -> None:
        """Undo one :meth:`hold` with ``reason`` (any thread); unheld, the stream closes after the linger."""
        with self._lock:
            if self._holds[reason] > 0:
                self._holds[reason] -= 1
            if self._holds[reason] <= 0:
                del self._holds[reason]
        self._wake.set()

    def set_keep_open(self, keep: bool) -> None:
        """Keep the stream open while idle, or open it only on demand again (owner thread; applied live)."""
        if keep != self.keep_open:
            (self.hold if keep else self.release)(KEEP_OPEN)

    def open(self) -> None:
        """Start the capture worker, which checks the microphone and opens it while held (owner thread; returns at
        once). The outcome arrives through ``on_event``: OPENED, or OPEN_FAILED once and then silent retries
        with backoff until it works; LOST when a running stream goes away, then retries again.
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
        self._wake.set()
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

    # ----------------------------------------------------------------- takes (owner thread)

    def begin(self) -> Take | None:
        """Start an utterance now; None only when the capture is not running (owner thread; never waits).

        On a running stream the take includes the pre-roll. With the microphone closed, the take starts
        on a fresh ring that the worker opens the stream into at once: it fills from the first callback.
        Consecutive takes never share audio: a press during the previous take's tail ends that take
        here, and the pre-roll never reaches back before the previous take's end.
        """
        if self._thread is None:
            return None
        requested_at = None
        with self._lock:  # against the worker publishing or closing a ring meanwhile
            ring = self._ring
            if ring is None or ring.closed:
                ring = self._next_ring
                if ring is None or ring.closed:
                    ring = Ring(int(self._ring_seconds * self._rate), self._rate)
                    self._next_ring = ring
                requested_at = time.monotonic()
                self._hurry = True
            self._holds[TAKE] += 1
        self._wake.set()
        now = ring.written
        start = max(ring.oldest(), now - int(self._pre_roll_s * ring.rate))
        last = self._last_take
        if last is not None and last.ring is ring and (last.end is not None or last.tail_limit is not None):
            last.end = now if last.end is None else min(last.end, now)  # a tail still waiting on speech ends too
            start = max(start, last.end)
        take = Take(ring, start, requested_at=requested_at, _on_done=lambda: self.release(TAKE))
        self._last_take = take
        return take

    def discard(self, take: Take) -> None:
        """Drop ``take`` (cancelled or too short): end it now so no later pre-roll reaches back into it (owner)."""
        if take.end is None:
            take.end = take.ring.written
        take.done()

    def end(self, take: Take, max_tail_s: float) -> None:
        """Key-up: end ``take`` at once after silence, or when the word still being spoken ends, at most
        ``max_tail_s`` from now (owner thread; see ``Take.end_adaptive``; the tail arrives later: ``Take.ready``,
        then :meth:`finish`)."""
        take.end_adaptive(max_tail_s)

    @staticmethod
    def finish(take: Take) -> None:
        """The take's audio is in (or it was dropped): it no longer holds the microphone (owner thread)."""
        take.done()
