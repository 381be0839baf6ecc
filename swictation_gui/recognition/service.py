"""The recognizer service: each model loads, warms up and serves on one thread of its own (no Qt).

Threads: every model gets a *model thread* that builds it, warms it up and then serves its queue of requests, so
a recognizer is only ever touched by the thread that created it. A model switch starts a new model thread beside
the old one; the old model keeps serving until the new one is warm, then finishes what was already queued for it
and ends. ``load``, ``transcribe``, ``close`` and ``join`` may be called from any thread and never wait on a model
(``join`` waits, with a bound, by design). Results are reported through the ``ServiceEvents`` callbacks, which run
on the model threads and must not block.
"""

from __future__ import annotations

import enum
import itertools
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from swictation_gui import log
from swictation_gui.errors import ModelNotInstalledError
from swictation_gui.recognition.base import SAMPLE_RATE, Recognizer, Transcript
from swictation_gui.recognition.heap import release_freed_memory

RecognizerFactory = Callable[[], Recognizer]
AudioSource = Callable[[], object]
"""Returns 16 kHz mono float32 samples; called on the model thread, so reading a long take never blocks the GUI."""
Job = Callable[[Recognizer], "Transcript | None"]
"""Work for the model thread with the serving recognizer: a Transcript to report for its utterance, or None (a
progressive stretch whose text is kept for later). It may raise: the utterance then fails."""


class LoadKind(enum.StrEnum):
    """Whether a load is the app's first model or a switch away from a running one."""

    FIRST = "first"
    SWITCH = "switch"


class ServiceEvents(Protocol):
    """Where results go. Called on a model thread; implementations forward them and return at once."""

    def loaded(self, kind: LoadKind, device: str) -> None:
        """A model is warm and now serves every new request; ``device`` describes where it runs."""
        ...

    def load_failed(self, kind: LoadKind, message: str, missing: bool) -> None:
        """A model could not be loaded (``missing``: it is not installed yet); after a failed switch the previous
        model keeps serving."""
        ...

    def transcribed(self, seq: int, transcript: Transcript) -> None:
        """The text of utterance ``seq``."""
        ...

    def failed(self, seq: int, message: str) -> None:
        """Utterance ``seq`` could not be transcribed (user-facing message)."""
        ...


@dataclass(frozen=True)
class _Request:
    seq: int
    job: Job
    report: bool = True  # False: silent while no model serves (a stretch fed during the hold)


_RETIRE = object()  # queued after a slot's last request: serve what came before, then end the thread


class _ModelSlot:
    """One model and the thread that owns it (created by the service, runs ``_run`` on its own thread)."""

    _ids = itertools.count(1)

    def __init__(self, service: RecognizerService, factory: RecognizerFactory, kind: LoadKind) -> None:
        self.service = service
        self.factory = factory
        self.kind = kind
        self.queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.error = ""
        self.missing = False
        self.thread = threading.Thread(target=self._run, name=f"recognizer-{next(self._ids)}", daemon=True)

    def _run(self) -> None:
        """Model thread: load and warm up, report, then serve requests until retired. Never raises."""
        recognizer: Recognizer | None = None
        t0 = time.perf_counter()
        try:
            candidate = self.factory()
            candidate.load()
            candidate.warm_up()
            recognizer = candidate
        except Exception as exc:
            self.error = str(exc) or type(exc).__name__
            self.missing = isinstance(exc, ModelNotInstalledError)
            # A model not installed yet is the normal first state: no traceback for it.
            log.recognition.error("The model could not be loaded: %s", self.error, exc_info=not self.missing)
        if recognizer is not None:
            release_freed_memory()  # what loading needed only for a moment (file buffers, graph copies): ~30-50 ms
            log.recognition.info("Recognizer ready in %.2f s (%s, %s)", time.perf_counter() - t0, recognizer.name,
                                 recognizer.device.describe())
        previous = self.service._slot_loaded(self, recognizer)
        if previous is not None:
            # Requests stay in order across a switch: the old model finishes what was queued for it first (a
            # dictation's progressive stretches must never run on two threads at once, or out of order).
            previous.thread.join()
        while True:
            item = self.queue.get()
            if item is _RETIRE:
                break
            assert isinstance(item, _Request)
            self._serve(recognizer, item)
        recognizer = candidate = None  # type: ignore[assignment]  # drop the model before handing its memory back
        if release_freed_memory():
            log.recognition.debug("%s retired; its memory was handed back", self.thread.name)
        else:
            log.recognition.debug("%s retired", self.thread.name)

    def _serve(self, recognizer: Recognizer | None, request: _Request) -> None:
        """Model thread: recognize one request and report the result."""
        events = self.service.events
        if recognizer is None:
            if request.report:
                why = self.error or "the model is not loaded"
                events.failed(request.seq, f"Nothing was transcribed: {why}")
            return
        try:
            t0 = time.perf_counter()
            transcript = request.job(recognizer)
            if transcript is None:
                return
            timings = dict(transcript.timings_ms)
            timings.setdefault("total", (time.perf_counter() - t0) * 1e3)
            transcript = Transcript(transcript.text, transcript.tokens, transcript.timestamps, transcript.durations,
                                    transcript.audio_seconds, timings)
        except Exception as exc:
            log.recognition.error("Transcription %d failed", request.seq, exc_info=True)
            events.failed(request.seq, f"Transcription failed: {exc}")
            return
        events.transcribed(request.seq, transcript)


class RecognizerService:
    """Routes requests to the serving model and switches models without a gap (any thread; see the module doc)."""

    def __init__(self, events: ServiceEvents) -> None:
        self.events = events
        self._lock = threading.Lock()
        self._serving: _ModelSlot | None = None    # the model new requests go to
        self._loading: _ModelSlot | None = None    # a model being loaded to replace it
        self._slots: list[_ModelSlot] = []         # every slot whose thread may still run
        self._closed = False

    def load(self, factory: RecognizerFactory) -> bool:
        """Start loading a model (any thread; returns at once). False, with nothing started, while another load
        is still running or after ``close``: the caller tells the user to try again later."""
        with self._lock:
            if self._closed or self._loading is not None:
                return False
            kind = LoadKind.SWITCH if self._serving is not None and not self._serving.error else LoadKind.FIRST
            slot = _ModelSlot(self, factory, kind)
            self._loading = slot
            self._slots = [s for s in self._slots if s.thread.is_alive()] + [slot]
            if self._serving is None:
                self._serving = slot  # requests made before the first model is warm wait in its queue
        slot.thread.start()
        return True

    @property
    def loading(self) -> bool:
        """Whether a model is being loaded (any thread)."""
        with self._lock:
            return self._loading is not None

    def transcribe(self, seq: int, audio: AudioSource) -> None:
        """Queue utterance ``seq`` for the serving model (any thread; returns at once)."""
        def job(recognizer: Recognizer) -> Transcript:
            return recognizer.transcribe(np.asarray(audio(), dtype=np.float32), SAMPLE_RATE)
        self.run(seq, job)

    def run(self, seq: int, job: Job, report: bool = True) -> None:
        """Queue ``job`` for the serving model, behind everything queued before (any thread; returns at once).
        ``report``: a job that fails or finds no model reports ``failed(seq)``; False keeps quiet (a progressive
        stretch: its utterance's final job reports)."""
        with self._lock:
            slot = None if self._closed else self._serving
            if slot is not None:
                slot.queue.put(_Request(seq, job, report))
        if slot is None and report:
            self.events.failed(seq, "Nothing was transcribed: no model is loaded.")

    def _slot_loaded(self, slot: _ModelSlot, recognizer: Recognizer | None) -> _ModelSlot | None:
        """Model thread of ``slot``: adopt it as the serving model, or keep the current one. Returns the slot it
        replaced, whose queued requests come before any of ``slot``'s."""
        retire: _ModelSlot | None = None
        with self._lock:
            if self._loading is slot:
                self._loading = None
            switch_failed = recognizer is None and slot.kind is LoadKind.SWITCH
            if switch_failed:
                retire = slot  # the previous model keeps serving
            elif self._serving is not slot:  # a warm model, or a failed first load replacing a failed one
                retire, self._serving = self._serving, slot
        if retire is not None:
            retire.queue.put(_RETIRE)
        if recognizer is None:
            if switch_failed:
                self.events.load_failed(LoadKind.SWITCH,
                                        f"The new model could not be loaded, so the current one stays in use: "
                                        f"{slot.error}", slot.missing)
            else:
                self.events.load_failed(LoadKind.FIRST, slot.error, slot.missing)
        else:
            self.events.loaded(slot.kind, recognizer.device.describe())
        return retire if retire is not slot else None

    def close(self) -> None:
        """Stop accepting requests; every model thread ends after what is queued (any thread; returns at once)."""
        with self._lock:
            self._closed = True
            slots = list(self._slots)
        for slot in slots:
            slot.queue.put(_RETIRE)

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every model thread to end; False if one is still busy (a model can
        take long to load, and a load cannot be interrupted). Any thread but a model thread."""
        deadline = time.monotonic() + timeout
        with self._lock:
            slots = list(self._slots)
        for slot in slots:
            slot.thread.join(max(0.0, deadline - time.monotonic()))
        alive = [s.thread.name for s in slots if s.thread.is_alive()]
        if alive:
            log.recognition.warning("Still busy at shutdown: %s", ", ".join(alive))
        return not alive
