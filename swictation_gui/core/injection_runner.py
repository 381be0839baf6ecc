"""Runs text injection on one background thread, in submission order, and reports each result."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from swictation_gui import log
from swictation_gui.platform.base import InjectionResult, TextInjector

ResultCallback = Callable[[int, InjectionResult], None]
_STOP = object()


class InjectionRunner:
    """A single "injector" thread that delivers texts one after another.

    Before each injection it waits (bounded) until the hotkey is physically released, so text is
    never typed under a held modifier. ``on_result`` is called on the injector thread: the app
    turns it into a Qt signal. Injector exceptions become failed results; nothing escapes.
    """

    def __init__(self, injector: TextInjector, on_result: ResultCallback,
                 keys_released: Callable[[float], bool] | None = None, release_timeout_s: float = 2.0) -> None:
        self._injector = injector
        self._on_result = on_result
        self._keys_released = keys_released
        self._release_timeout_s = release_timeout_s
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="injector", daemon=True)
        self._started = False

    def start(self) -> None:
        """Start the thread (owner thread, idempotent)."""
        if not self._started:
            self._started = True
            self._thread.start()

    def submit(self, seq: int, text: str) -> None:
        """Queue ``text`` for injection (any thread; never blocks)."""
        self._queue.put((seq, text))

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the current injection, drop the rest, and join the thread (owner thread)."""
        if not self._started:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.injection.warning("The injector thread is still busy after %.0f s; leaving it", timeout)

    def _run(self) -> None:
        """Injector thread: take jobs in order until stopped."""
        while True:
            job = self._queue.get()
            if job is _STOP:
                return
            assert isinstance(job, tuple)
            seq, text = job
            try:
                if self._keys_released is not None and not self._keys_released(self._release_timeout_s):
                    log.injection.warning("The hotkey is still held after %.1f s; injecting anyway",
                                          self._release_timeout_s)
                result = self._injector.inject(text)
            except Exception as exc:
                log.injection.exception("Injecting utterance %d failed", seq)
                result = InjectionResult(False, "none", f"The text could not be delivered: {exc}")
            try:
                self._on_result(seq, result)
            except Exception:
                log.injection.exception("Reporting the injection result failed")
