"""The recognizer as Qt signals: a thin QObject over ``RecognizerService`` for the app's GUI thread.

The models run on their own threads (see ``recognition/service.py``); this object lives on the GUI thread,
so its signals, emitted from a model thread, are delivered there as queued calls. Its methods return at once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui.recognition.base import Transcript
from swictation_gui.recognition.service import AudioSource, Job, LoadKind, RecognizerFactory, RecognizerService


class RecognizerWorker(QObject):
    """Loads models and recognizes utterances off the GUI thread.

    Signals (emitted on a model thread; receivers on the GUI thread get them queued):
        ready(str): The first model is loaded and warm; the argument describes the device.
        load_failed(str, bool): The first model could not be loaded (user-facing message; True when it is simply
            not installed yet).
        swapped(str): A new model replaced the old one (device description).
        swap_failed(str): A new model could not be loaded; the old one keeps serving.
        transcribed(int, object): (seq, Transcript).
        failed(int, str): (seq, user-facing message).
    """

    ready = Signal(str)
    load_failed = Signal(str, bool)
    swapped = Signal(str)
    swap_failed = Signal(str)
    transcribed = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self._service = RecognizerService(_Forward(self))
        self._loading_model: str | None = None
        self.running: str | None = None
        """The model that serves now ("gpu", "cpu" or a folder, as passed to ``load``), None while none does.
        Updated on the GUI thread before any other receiver of ``ready``/``swapped``/``load_failed`` runs."""
        self.running_device = ""
        """Where ``running`` runs (``DeviceReport.describe()``), "" while none does."""
        self.loads = 0
        """How many loads were started (the GUI thread compares it to learn whether a request started one)."""
        # Connected first, so the app's own slots already see the new ``running`` (queued: GUI thread).
        self.ready.connect(self._warm)
        self.swapped.connect(self._warm)
        self.load_failed.connect(self._first_failed)

    # Requests (GUI thread; they return at once).
    def load(self, factory: RecognizerFactory, model: str | None = None) -> bool:
        """Load the first model, or switch to another one while the current one keeps serving; False (nothing
        started) while another load is still running. ``model`` names it for ``running``."""
        started = self._service.load(factory)
        if started:
            self._loading_model = model
            self.loads += 1
        return started

    @property
    def loading(self) -> bool:
        """Whether a model is being loaded."""
        return self._service.loading

    def transcribe(self, seq: int, audio: AudioSource) -> None:
        """Queue utterance ``seq``; ``audio()`` is called on the model thread."""
        self._service.transcribe(seq, audio)

    def run(self, seq: int, job: Job, report: bool = True) -> None:
        """Queue ``job`` behind the requests before it; see ``RecognizerService.run``."""
        self._service.run(seq, job, report)

    @Slot(str)
    def _warm(self, device: str) -> None:
        """GUI thread: the model of the last load serves now."""
        self.running, self.running_device = self._loading_model, device

    @Slot(str, bool)
    def _first_failed(self, _message: str, _missing: bool) -> None:
        """GUI thread: a first load failed, so no model serves (a failed switch leaves ``running`` as it was)."""
        self.running, self.running_device = None, ""

    def close(self) -> None:
        """Stop taking requests; model threads end after their queues."""
        self._service.close()

    def join(self, timeout: float) -> bool:
        """Wait (bounded) for the model threads at shutdown; False if a model is still loading."""
        return self._service.join(timeout)


class _Forward:
    """``ServiceEvents`` as signal emissions (model threads; only emits)."""

    def __init__(self, worker: RecognizerWorker) -> None:
        self._w = worker

    def loaded(self, kind: LoadKind, device: str) -> None:
        """Model thread: a model is warm."""
        (self._w.swapped if kind is LoadKind.SWITCH else self._w.ready).emit(device)

    def load_failed(self, kind: LoadKind, message: str, missing: bool) -> None:
        """Model thread: a model could not be loaded."""
        if kind is LoadKind.SWITCH:
            self._w.swap_failed.emit(message)
        else:
            self._w.load_failed.emit(message, missing)

    def transcribed(self, seq: int, transcript: Transcript) -> None:
        """Model thread: an utterance's text."""
        self._w.transcribed.emit(seq, transcript)

    def failed(self, seq: int, message: str) -> None:
        """Model thread: an utterance could not be transcribed."""
        self._w.failed.emit(seq, message)
