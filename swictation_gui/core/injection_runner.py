"""Runs text injection on one background thread, in submission order, and reports each result."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from swictation_gui import log
from swictation_gui.platform.base import CaretText, InjectionResult, KeySender, TextInjector
from swictation_gui.text.stage import Delivery, Target, TextStage

ResultCallback = Callable[[int, InjectionResult], None]
DeliveredCallback = Callable[[str, str, float], None]
"""(text, window, seconds spoken) after each dictation with text, on the injector thread: the text as typed after a
successful delivery, or shaped as it would have been sent with the window ``NOT_DELIVERED`` after a failed one."""
NOT_DELIVERED = "(not delivered)"
_WAKE = object()


class InjectionRunner:
    """A single "injector" thread that delivers texts one after another.

    With a :class:`TextStage`, each transcript is shaped there first (on this thread, so joining sees the previous
    delivery) and its whole :class:`Delivery` (backspaces, text, Enter) is sent before the next job starts.
    The injector itself waits until the hotkey and every modifier are up before it sends anything (see
    ``platform.keyboard_state``). ``on_result`` is called on the injector thread: the app turns it into a Qt signal.
    Injector exceptions become failed results; nothing escapes. No method blocks except :meth:`join`.
    """

    def __init__(self, injector: TextInjector, on_result: ResultCallback, stage: TextStage | None = None,
                 on_delivered: DeliveredCallback | None = None) -> None:
        self._injector = injector
        self._on_result = on_result
        self._stage = stage
        self._on_delivered = on_delivered
        self._presses: int | None = None  # the user's key presses counted at the last delivery
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

    def submit(self, seq: int, text: str, spoken_s: float = 0.0, verbatim: bool = False) -> None:
        """Queue ``text`` for injection; ``spoken_s`` is how long it was spoken, for the history; ``verbatim``: text
        shaped before (a history entry), only joined (any thread; never blocks)."""
        self._queue.put((seq, text, spoken_s, verbatim))

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
            seq, text, spoken_s, verbatim = job
            try:
                result = self._deliver(text, spoken_s, verbatim)
            except Exception as exc:
                log.injection.exception("Injecting utterance %d failed", seq)
                result = InjectionResult(False, "none", f"The text could not be delivered: {exc}")
            try:
                self._on_result(seq, result)
            except Exception:
                log.injection.exception("Reporting the injection result failed")

    def _deliver(self, raw: str, spoken_s: float, verbatim: bool) -> InjectionResult:
        """Injector thread: shape ``raw`` and send the whole delivery, in order (backspaces, text, Enter)."""
        injector = self._injector
        if self._stage is None:
            return injector.inject(raw)
        keys = injector if isinstance(injector, KeySender) else None
        window = keys.focused_window() if keys else ""
        presses = keys.user_presses() if keys else None
        known = presses is not None and self._presses is not None
        # The real text before the caret (AT-SPI) where the app tells it; only needed when joining is on.
        before = injector.text_before_caret() if self._stage.config.join and isinstance(injector, CaretText) else None
        target = Target(window, time.monotonic(), presses != self._presses if known else None, before)
        outcome = self._stage.process(raw, target, verbatim)
        if outcome.refused:
            return InjectionResult(False, "none", outcome.refused)
        result = self._send(outcome.delivery, keys, injector)
        if result.ok:
            self._stage.delivered(outcome)
            self._presses = keys.user_presses() if keys else None
            if not verbatim:
                self._report(outcome.delivery.text, window, spoken_s)
        else:
            self._stage.forget()
            if not verbatim:  # the shaped text: "paste again" and paste-last resend it verbatim
                self._report(outcome.delivery.text or raw, NOT_DELIVERED, spoken_s)
        return result

    @staticmethod
    def _send(delivery: Delivery, keys: KeySender | None, injector: TextInjector) -> InjectionResult:
        result = InjectionResult(True, "type")
        if (delivery.backspaces or delivery.enter) and keys is None:
            if not delivery.text:
                return InjectionResult(False, "none", "This session cannot send keys (BackSpace, Enter).")
        elif delivery.backspaces and keys is not None:
            result = keys.press_key("BackSpace", delivery.backspaces)
            if not result.ok:
                return result
        if delivery.text:
            result = injector.inject(delivery.text)
        if result.ok and delivery.enter and keys is not None:
            pressed = keys.press_key("Return", 1)
            if not pressed.ok:
                return pressed
        return result

    def _report(self, text: str, window: str, spoken_s: float) -> None:
        if self._on_delivered is not None and text.strip():
            try:
                self._on_delivered(text.strip(), window, spoken_s)
            except Exception:
                log.injection.exception("Recording the delivery failed")
