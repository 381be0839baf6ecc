"""Runs text injection on one background thread, in submission order, and reports each result."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from swictation_gui import log
from swictation_gui.platform.base import InjectionResult, TextInjector

ResultCallback = Callable[[int, InjectionResult], None]
_WAKE = object()


class InjectionRunner:
    """A single "injector" thread that delivers texts one after another.

    The injector itself waits until the hotkey and every modifier are up before it sends anything (see
    ``platform.keyboard_state``). ``on_result`` is called on the injector thread: the app turns it into a Qt signal.
    Injector exceptions become failed results; nothing escapes. No method blocks except :meth:`join`.
    """

    def __init__(self, injector: TextInjector, on_result: ResultCallback) -> None:
        self._injector = injector
        self._on_result = on_result
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="injector", daemon=True)
        self._started = False

    def start(self) -> None:
        """Start the thread (owner thread, idempotent)."""
        if not self._started:
            self._started = True
            self._thread.start()

    def set_injector(self, injector: TextInjector) -> None:
        """Use ``injector`` from the next text on (any thread; the current text finishes with the old one)."""
        self._injector = injector

    def submit(self, seq: int, text: str) -> None:
        """Queue ``text`` for injection (any thread; never blocks)."""
        self._queue.put((seq, text))

    def stop(self) -> None:
        """Let the current injection finish and drop the rest; returns at once (any thread, idempotent)."""
        self._stopping.set()
        self._queue.put(_WAKE)

    def join(self, timeout: float) -> bool:
        """For shutdown, after :meth:`stop`: wait up to ``timeout`` seconds for the thread to end; True if it did."""
        if not self._started:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.injection.warning("The injector thread is still busy after %.1f s; leaving it", timeout)
            return False
        return True

    def _run(self) -> None:
        """Injector thread: take jobs in order until stopped."""
        while not self._stopping.is_set():
            job = self._queue.get()
            if job is _WAKE or self._stopping.is_set():
                continue
            assert isinstance(job, tuple)
            seq, text = job
            try:
                result = self._injector.inject(text)
            except Exception as exc:
                log.injection.exception("Injecting utterance %d failed", seq)
                result = InjectionResult(False, "none", f"The text could not be delivered: {exc}")
            try:
                self._on_result(seq, result)
            except Exception:
                log.injection.exception("Reporting the injection result failed")
