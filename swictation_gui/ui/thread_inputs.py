"""Inputs from foreign threads (hotkey listener, injector, control socket, signals) as queued Qt signals.

Every method here may be called on any thread and only emits; the receivers are slots of QObjects on the GUI
thread, so Qt queues the call there (PySide6 would run a plain callable on the emitting thread instead).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from swictation_gui.platform.base import InjectionResult

Reply = Callable[[str], None]
"""Answers a control command later ("ok …" or "error …"); callable once from any thread, never blocks."""


class ThreadInputs(QObject):
    """The app's doorway from other threads to the GUI thread.

    Signals (delivered on the GUI thread):
        hotkey(int, str, str): (listener generation, event, message); event is "down", "up", "interrupted",
            "cancel_key", "ready" or "failed". The generation lets the app ignore a replaced listener's late events.
        injected(int, object): (seq, InjectionResult) from the injector thread.
        command(str, object): a control-socket command or "quit" from SIGINT/SIGTERM, with the ``Reply`` that
            answers it later (a model switch) or None (answered at once).
    """

    hotkey = Signal(int, str, str)
    injected = Signal(int, object)
    command = Signal(str, object)

    def sink(self, generation: int) -> HotkeySink:
        """A ``HotkeySink`` for one listener (any thread)."""
        return HotkeySink(self, generation)

    def post_injected(self, seq: int, result: InjectionResult) -> None:
        """Injector thread: one utterance was delivered (or not)."""
        self.injected.emit(seq, result)

    def post_command(self, command: str, reply: Reply | None = None) -> None:
        """Control-socket or signal thread: a command for the app, and how to answer it later (or None)."""
        self.command.emit(command, reply)


class HotkeySink:
    """``platform.base.HotkeySink`` for one listener generation: each call only emits (listener threads)."""

    def __init__(self, inputs: ThreadInputs, generation: int) -> None:
        self._inputs = inputs
        self.generation = generation

    def chord_down(self) -> None:
        """Listener thread: every hotkey key is down."""
        self._inputs.hotkey.emit(self.generation, "down", "")

    def chord_up(self) -> None:
        """Listener thread: the hotkey went up."""
        self._inputs.hotkey.emit(self.generation, "up", "")

    def interrupted(self) -> None:
        """Listener thread: another key joined the hotkey."""
        self._inputs.hotkey.emit(self.generation, "interrupted", "")

    def cancel_key(self) -> None:
        """Listener thread: the cancel key went down while the hotkey was held."""
        self._inputs.hotkey.emit(self.generation, "cancel_key", "")

    def ready(self) -> None:
        """Listener thread: listening."""
        self._inputs.hotkey.emit(self.generation, "ready", "")

    def failed(self, message: str) -> None:
        """Listener thread: could not start, or stopped working."""
        self._inputs.hotkey.emit(self.generation, "failed", message)
