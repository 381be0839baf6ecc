"""The optional global "paste last dictation" hotkey: a second listener that pastes once the keys are released.

It has a keyboard state of its own (the shared one belongs to the dictation hotkey) and acts on the release, so its
key grab is over before the text is typed. Its listener threads only emit signals; the slots run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui import log
from swictation_gui.platform.base import HotkeyListener
from swictation_gui.platform.keyboard_state import KeyboardState

ListenerFactory = Callable[[str, KeyboardState], HotkeyListener]


class PasteLastHotkey(QObject):
    """Owns the listener for ``hotkey`` (None: no listener); ``paste`` and ``notify`` are called on the GUI thread."""

    released = Signal()
    broken = Signal(str)

    def __init__(self, make: ListenerFactory, paste: Callable[[], None], notify: Callable[[str, str], None]) -> None:
        super().__init__()
        self._make = make
        self._paste = paste
        self._notify = notify
        self.hotkey: str | None = None
        self._listener: HotkeyListener | None = None
        self._retired: list[HotkeyListener] = []
        self.released.connect(self._on_released)
        self.broken.connect(self._on_broken)

    def set(self, hotkey: str | None) -> None:
        """Listen for ``hotkey`` from now on, or for nothing (GUI thread; returns at once)."""
        if hotkey == self.hotkey and (self._listener is not None or hotkey is None):
            return
        self.stop()
        self.hotkey = hotkey
        if not hotkey:
            return
        try:
            listener = self._make(hotkey, KeyboardState())
        except Exception as exc:
            self._on_broken(str(exc))
            return
        self._listener = listener
        listener.start(_Sink(self))

    def stop(self) -> None:
        """Stop listening without waiting (GUI thread, idempotent)."""
        if self._listener is not None:
            self._listener.stop()
            self._retired = [r for r in self._retired if not r.join(0)] + [self._listener]
            self._listener = None

    def join(self, timeout: float) -> bool:
        """For shutdown, after :meth:`stop`: wait up to ``timeout`` seconds for the listeners' threads."""
        return all([r.join(timeout) for r in self._retired])

    @Slot()
    def _on_released(self) -> None:
        self._paste()

    @Slot(str)
    def _on_broken(self, message: str) -> None:
        log.hotkey.warning("The paste-last hotkey does not work: %s", message)
        self._notify(f"The “paste last dictation” hotkey {self.hotkey} does not work: {message}", "error")


class _Sink:
    """``HotkeySink`` of the paste-last listener (listener threads: only emits)."""

    def __init__(self, owner: PasteLastHotkey) -> None:
        self._owner = owner
        self._interrupted = False

    def chord_down(self) -> None:
        """The keys went down: wait for their release."""
        self._interrupted = False

    def chord_up(self) -> None:
        """Released: paste, unless another key joined (a different shortcut)."""
        if not self._interrupted:
            self._owner.released.emit()

    def interrupted(self) -> None:
        """Another key joined: this press is someone else's shortcut."""
        self._interrupted = True

    def cancel_key(self) -> None:
        """Not used by this listener."""

    def ready(self) -> None:
        """Listening."""
        log.hotkey.info("paste-last hotkey ready")

    def failed(self, message: str) -> None:
        """Could not start or stopped working."""
        self._owner.broken.emit(message)
