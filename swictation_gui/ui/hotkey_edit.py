"""A hotkey capture field: click it, press the keys you want, let go; plus a risky-hotkey check."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from swictation_gui.errors import HotkeyError
from swictation_gui.platform import keys

# X11 keysyms of side-specific modifiers (QKeyEvent.nativeVirtualKey on xcb) → pynput names.
_SIDED_KEYSYMS: dict[int, str] = {
    0xFFE3: "ctrl_l", 0xFFE4: "ctrl_r", 0xFFE1: "shift_l", 0xFFE2: "shift_r",
    0xFFE9: "alt_l", 0xFFEA: "alt_r", 0xFE03: "alt_gr", 0xFFEB: "super_l", 0xFFEC: "super_r",
}
_MODIFIER_KEYS: dict[int, str] = {
    Qt.Key.Key_Control.value: "ctrl", Qt.Key.Key_Shift.value: "shift", Qt.Key.Key_Alt.value: "alt",
    Qt.Key.Key_AltGr.value: "alt_gr", Qt.Key.Key_Meta.value: "super", Qt.Key.Key_Super_L.value: "super_l",
    Qt.Key.Key_Super_R.value: "super_r",
}
_NAMED_KEYS: dict[int, str] = {
    Qt.Key.Key_Space.value: "space", Qt.Key.Key_Return.value: "enter", Qt.Key.Key_Enter.value: "enter",
    Qt.Key.Key_Tab.value: "tab", Qt.Key.Key_Backspace.value: "backspace", Qt.Key.Key_Delete.value: "delete",
    Qt.Key.Key_Insert.value: "insert", Qt.Key.Key_Home.value: "home", Qt.Key.Key_End.value: "end",
    Qt.Key.Key_PageUp.value: "page_up", Qt.Key.Key_PageDown.value: "page_down", Qt.Key.Key_Up.value: "up",
    Qt.Key.Key_Down.value: "down", Qt.Key.Key_Left.value: "left", Qt.Key.Key_Right.value: "right",
    Qt.Key.Key_CapsLock.value: "caps_lock", Qt.Key.Key_Menu.value: "menu", Qt.Key.Key_Pause.value: "pause",
    Qt.Key.Key_Print.value: "print_screen", Qt.Key.Key_ScrollLock.value: "scroll_lock",
    Qt.Key.Key_NumLock.value: "num_lock", Qt.Key.Key_Escape.value: "esc",
}
_MODIFIER_ORDER = ("ctrl", "alt", "alt_gr", "shift", "super")
_PRETTY = {
    "ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "cmd": "Super", "alt_gr": "AltGr", "space": "Space",
    "enter": "Enter", "esc": "Esc", "page_up": "Page Up", "page_down": "Page Down", "caps_lock": "Caps Lock",
    "print_screen": "Print Screen", "scroll_lock": "Scroll Lock", "num_lock": "Num Lock",
}


def key_name(event: QKeyEvent) -> str | None:
    """The pynput-style name of the key in ``event`` ("ctrl_r", "a", "f9", "space"), or None if unknown."""
    key = event.key()
    sided = _SIDED_KEYSYMS.get(event.nativeVirtualKey())
    if sided is not None and key in _MODIFIER_KEYS:
        return sided
    if key in _MODIFIER_KEYS:
        return _MODIFIER_KEYS[key]
    if key in _NAMED_KEYS:
        return _NAMED_KEYS[key]
    if Qt.Key.Key_F1.value <= key <= Qt.Key.Key_F35.value:
        return f"f{key - Qt.Key.Key_F1.value + 1}"
    if Qt.Key.Key_A.value <= key <= Qt.Key.Key_Z.value or Qt.Key.Key_0.value <= key <= Qt.Key.Key_9.value:
        return chr(key).lower()
    text = event.text()
    if len(text) == 1 and text.isprintable() and not text.isspace():
        return text.lower()
    return None


def _base(name: str) -> str:
    return name.split("_")[0] if name.endswith(("_l", "_r")) else name


def combine(names: list[str]) -> str:
    """The hotkey spec for keys held together: a lone key keeps its side ("ctrl_r"); in a combination
    modifiers lose their side ("ctrl+alt+space") and come first in a fixed order."""
    unique = list(dict.fromkeys(names))
    if len(unique) == 1:
        return unique[0]
    modifiers = {_base(k) for k in unique if _base(k) in _MODIFIER_ORDER}
    others = [k for k in unique if _base(k) not in _MODIFIER_ORDER]
    return "+".join([m for m in _MODIFIER_ORDER if m in modifiers] + others)


def canonical(spec: str) -> str:
    """``spec`` in the platform's canonical form ("shift+ctrl+d" → "ctrl+shift+d").

    Raises:
        HotkeyError: ``spec`` is not a usable hotkey; the message is for the user.
    """
    return keys.format_hotkey(keys.parse_hotkey(spec))


def pretty(spec: str) -> str:
    """``spec`` for people: "ctrl_r" → "Right Ctrl", "ctrl+alt+space" → "Ctrl+Alt+Space"."""
    try:
        return keys.describe_hotkey(keys.parse_hotkey(spec))
    except HotkeyError:
        return spec


def hotkey_warning(spec: str) -> str | None:
    """Why ``spec`` is a risky or unusable push-to-talk hotkey, for the user; None when it looks safe."""
    try:
        return keys.hotkey_warning(keys.parse_hotkey(spec))
    except HotkeyError as exc:
        return str(exc)


class HotkeyEdit(QLineEdit):
    """Shows a hotkey and records a new one: click, press the keys together, release them all.

    Esc while recording cancels and keeps the previous hotkey.

    Signals:
        hotkey_changed(str): A new hotkey was recorded, in canonical form (GUI thread).
        rejected(str): The keys pressed do not make a usable hotkey; why, for the user (GUI thread).
        recording_changed(bool): Recording started or stopped (GUI thread).
    """

    hotkey_changed = Signal(str)
    rejected = Signal(str)
    recording_changed = Signal(bool)

    def __init__(self, hotkey: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setObjectName("hotkeyEdit")
        self.setPlaceholderText("Press the keys you want…")
        self.setToolTip("Click, then press the key or keys you want to hold for dictation. Esc cancels.")
        self._hotkey = hotkey
        self._recording = False
        self._held: list[str] = []
        self._down: set[str] = set()
        self.setText(pretty(hotkey))

    def hotkey(self) -> str:
        """The current hotkey spec (GUI thread)."""
        return self._hotkey

    def set_hotkey(self, spec: str) -> None:
        """Show ``spec`` without emitting ``hotkey_changed`` (GUI thread)."""
        self._hotkey = spec
        if not self._recording:
            self.setText(pretty(spec))

    def is_recording(self) -> bool:
        """True while waiting for keys (GUI thread)."""
        return self._recording

    def start_recording(self) -> None:
        """Wait for the next key combination; grabs keyboard focus (GUI thread)."""
        self._recording = True
        self._held.clear()
        self._down.clear()
        self.clear()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.recording_changed.emit(True)

    def cancel_recording(self) -> None:
        """Stop waiting for keys and keep the previous hotkey; ``recording_changed(False)`` follows (GUI thread)."""
        if self._recording:
            self._finish(None)

    def _finish(self, spec: str | None) -> None:
        self._recording = False
        self._held.clear()
        self._down.clear()
        if spec is not None and spec != self._hotkey:
            self._hotkey = spec
            self.setText(pretty(spec))
            self.hotkey_changed.emit(spec)
        else:
            self.setText(pretty(self._hotkey))
        self.recording_changed.emit(False)

    def event(self, event: QEvent) -> bool:
        """Send Tab and Backtab to the recorder instead of moving focus while recording (GUI thread)."""
        # Qt sends events from inside QLineEdit.__init__, before our attributes exist.
        if getattr(self, "_recording", False) and event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            assert isinstance(event, QKeyEvent)
            if event.type() == QEvent.Type.KeyPress:
                self.keyPressEvent(event)
            else:
                self.keyReleaseEvent(event)
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        """A click starts recording (GUI thread)."""
        super().mousePressEvent(event)
        if not self._recording:
            self.start_recording()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """Collect keys while recording (GUI thread)."""
        if not self._recording:
            super().keyPressEvent(event)
            return
        event.accept()
        if event.isAutoRepeat():
            return
        name = key_name(event)
        if name is None:
            return
        if name == "esc" and not self._held:
            self._finish(None)
            return
        self._down.add(name)
        if name not in self._held:
            self._held.append(name)
        self.setText(" + ".join(pretty(k) for k in self._held) + " …")

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """Finish when every held key is up again (GUI thread)."""
        if not self._recording:
            super().keyReleaseEvent(event)
            return
        event.accept()
        if event.isAutoRepeat():
            return
        name = key_name(event)
        if name is not None:
            self._down.discard(name)
            # A release may name the generic key when the press named the side, or vice versa.
            self._down = {k for k in self._down if _base(k) != _base(name)}
        if self._held and not self._down:
            try:
                spec: str | None = canonical(combine(self._held))
            except HotkeyError as exc:
                spec = None
                self.rejected.emit(str(exc))
            self._finish(spec)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        """Losing focus cancels a recording (GUI thread)."""
        if self._recording:
            self._finish(None)
        super().focusOutEvent(event)
