"""The recognizer worker: a QObject living on its own QThread that owns the Recognizer.

Requests arrive as queued signal calls (so they are handled one at a time, in order) and results
leave as signals; no exception escapes a slot. The GUI thread never waits on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui import log
from swictation_gui.recognition.base import SAMPLE_RATE, Recognizer, Transcript

RecognizerFactory = Callable[[], Recognizer]


class RecognizerWorker(QObject):
    """Loads, warms up and runs one Recognizer on the thread it is moved to.

    Signals (emitted on the worker thread; connect with the default AutoConnection so GUI
    receivers run on the GUI thread):
        ready(str): The model is loaded and warm; the argument describes the device.
        load_failed(str): The first model could not be loaded (user-facing message).
        transcribed(int, object): (seq, Transcript).
        failed(int, str): (seq, user-facing message).
        swapped(str): A new model replaced the old one (device description).
        swap_failed(str): A new model could not be loaded; the old one keeps serving.
    """

    ready = Signal(str)
    load_failed = Signal(str)
    transcribed = Signal(int, object)
    failed = Signal(int, str)
    swapped = Signal(str)
    swap_failed = Signal(str)
    _swap_loaded = Signal(object, str)   # (Recognizer or None, error message), from the loader thread

    def __init__(self, factory: RecognizerFactory) -> None:
        super().__init__()
        self._factory = factory
        self._recognizer: Recognizer | None = None
        self._load_error = ""
        self._swap_thread: threading.Thread | None = None
        self._swap_loaded.connect(self._finish_swap)

    @Slot()
    def start(self) -> None:
        """Worker thread: load and warm the model (connect to ``QThread.started``)."""
        t0 = time.perf_counter()
        try:
            recognizer = self._factory()
            recognizer.load()
            recognizer.warm_up()
        except Exception as exc:
            self._load_error = str(exc) or type(exc).__name__
            log.recognition.error("The model could not be loaded: %s", self._load_error)
            self.load_failed.emit(self._load_error)
            return
        self._recognizer = recognizer
        log.recognition.info("Recognizer ready in %.2f s (%s, %s)", time.perf_counter() - t0, recognizer.name,
                             recognizer.device.describe())
        self.ready.emit(recognizer.device.describe())

    @Slot(int, object)
    def transcribe(self, seq: int, samples: object) -> None:
        """Worker thread: recognize 16 kHz mono float32 ``samples`` for utterance ``seq``.

        ``samples`` may also be a callable returning them, so reading and resampling a long
        recording happens here rather than on the GUI thread.
        """
        recognizer = self._recognizer
        if recognizer is None:
            why = self._load_error or "the model is not loaded"
            self.failed.emit(seq, f"Nothing was transcribed: {why}")
            return
        try:
            audio = np.asarray(samples() if callable(samples) else samples, dtype=np.float32)
            t0 = time.perf_counter()
            transcript = recognizer.transcribe(audio, SAMPLE_RATE)
            timings = dict(transcript.timings_ms)
            timings.setdefault("total", (time.perf_counter() - t0) * 1e3)
            transcript = Transcript(transcript.text, transcript.tokens, transcript.timestamps, transcript.durations,
                                    transcript.audio_seconds, timings)
        except Exception as exc:
            log.recognition.exception("Transcription %d failed", seq)
            self.failed.emit(seq, f"Transcription failed: {exc}")
            return
        self.transcribed.emit(seq, transcript)

    @Slot(object)
    def swap(self, factory: object) -> None:
        """Worker thread: load a new model beside the old one; switch only if it loads and warms up.

        The new model loads on a helper thread, so the old one keeps serving requests meanwhile.
        """
        if self._swap_thread is not None and self._swap_thread.is_alive():
            self.swap_failed.emit("A model change is already in progress; try again when it has finished.")
            return
        if not callable(factory):
            self.swap_failed.emit("Internal error: no model to load.")
            return

        def load() -> None:
            try:
                recognizer = factory()
                recognizer.load()
                recognizer.warm_up()
            except Exception as exc:
                self._swap_loaded.emit(None, str(exc) or type(exc).__name__)
                return
            self._swap_loaded.emit(recognizer, "")

        self._swap_thread = threading.Thread(target=load, name="model-swap", daemon=True)
        self._swap_thread.start()

    @Slot(object, str)
    def _finish_swap(self, recognizer: object, error: str) -> None:
        """Worker thread: adopt the freshly loaded model, or keep the old one and report."""
        if recognizer is None or not isinstance(recognizer, Recognizer):
            log.recognition.error("The new model could not be loaded; keeping the current one: %s", error)
            self.swap_failed.emit(f"The new model could not be loaded, so the current one stays in use: {error}")
            return
        self._recognizer = recognizer
        self._load_error = ""
        log.recognition.info("Switched to the new model (%s)", recognizer.device.describe())
        self.swapped.emit(recognizer.device.describe())

    def wait_for_swap(self, timeout: float) -> None:
        """Any thread: wait for a helper loader thread to finish (used at shutdown)."""
        thread = self._swap_thread
        if thread is not None:
            thread.join(timeout)
