"""Typing text key by key with XTest, including characters that are not on the keyboard layout.

Characters on the current layout (first two columns: plain and shifted) are typed with their own key. Any other
character (emoji, CJK, letters of other layouts) is typed by binding its keysym to a spare ("scratch") keycode, with
the same keysym in every column so that neither Shift nor XKB case rules can change it, and pressing that keycode.
XTest events are used because some clients (xterm) ignore XSendEvent. Every key goes through
``ChordSender``, so none is sent while a hotkey key or a modifier is down. Runs on the injector thread.
"""

from __future__ import annotations

import time

from swictation_gui.errors import InjectionError
from swictation_gui.platform import x11
from swictation_gui.platform.injection.common import ChordSender
from swictation_gui.platform.keyboard_state import KeyboardState

_REUSE_SETTLE = 0.15


class KeyboardLayout:
    """A snapshot of the X keyboard mapping: which keycode (and Shift or not) types each keysym.

    Keycodes in ``scratch_in_use`` (bound by an earlier typing run) count as spare.
    """

    def __init__(self, conn: x11.XConnection, scratch_in_use: set[int] | None = None) -> None:
        self.conn = conn
        count = conn.max_keycode - conn.min_keycode + 1
        mapping = conn.display.get_keyboard_mapping(conn.min_keycode, count)
        self.width = len(mapping[0]) if mapping else 2
        self.keys: dict[int, tuple[int, bool]] = {}
        self.empty: list[int] = []
        ours = scratch_in_use or set()
        for offset, syms in enumerate(mapping):
            code = conn.min_keycode + offset
            if not any(syms) or code in ours:
                self.empty.append(code)
                continue
            for column in (0, 1):
                sym = syms[column] if column < len(syms) else 0
                if sym and sym not in self.keys:
                    self.keys[sym] = (code, column == 1)
        shift = conn.keycodes(conn.keysym("Shift_L")) or conn.keycodes(conn.keysym("Shift_R"))
        self.shift = shift[0] if shift else 0

    def typeable(self, ch: str) -> bool:
        """Whether ``ch`` has its own key on this layout (no remapping needed)."""
        code_shift = self.keys.get(x11.char_keysym(ch))
        return code_shift is not None and (not code_shift[1] or bool(self.shift))


def typeable_without_remap(conn: x11.XConnection, text: str, scratch_in_use: set[int] | None = None) -> bool:
    """Whether every character of ``text`` is on the current layout."""
    layout = KeyboardLayout(conn, scratch_in_use)
    return all(layout.typeable(ch) for ch in text)


class XTestTyper:
    """Types one text into the focused window (one instance per injection, on one connection; injector thread).

    Args:
        key_timeout: How long a pause waits for a stuck modifier before releasing it (a held hotkey is waited
            for as long as it is held).
    """

    def __init__(self, conn: x11.XConnection, keyboard: KeyboardState, key_delay: float = 0.002,
                 key_timeout: float = 3.0) -> None:
        self.conn = conn
        self.keyboard = keyboard
        self.key_delay = key_delay
        self.sender = ChordSender(conn, keyboard, key_timeout)
        self._bound: dict[int, int] = {}  # keysym -> scratch keycode, for this text
        self._lru: list[int] = []

    def type(self, text: str) -> None:
        """Type ``text`` exactly (already cleaned). Raises ``InjectionError`` when a character cannot be typed."""
        conn, scratch = self.conn, self.keyboard.scratch
        caps = conn.caps_lock_on()
        caps_codes = conn.keycodes(conn.keysym("Caps_Lock"))
        scratch.begin()
        self.layout = KeyboardLayout(conn, scratch.in_use())
        self._scratch = self.layout.empty
        with self.keyboard.injecting():
            try:
                if caps and caps_codes:
                    self._send(caps_codes[0])  # Caps Lock would invert the case of letters typed by keycode
                for ch in text:
                    self._type_char(ch)
                    if self.key_delay:
                        time.sleep(self.key_delay)
            finally:
                self.sender.finish()
                if caps and caps_codes:
                    self._send(caps_codes[0])
                conn.display.sync()
                scratch.schedule_restore(conn.display.get_display_name())

    def press(self, keysym_name: str, count: int) -> None:
        """Press the named key (BackSpace, Return) ``count`` times. Raises ``InjectionError`` without such a key."""
        codes = self.conn.keycodes(self.conn.keysym(keysym_name))
        if not codes:
            raise InjectionError(f"The keyboard layout has no {keysym_name} key.")
        with self.keyboard.injecting():
            try:
                for _ in range(count):
                    self._send(codes[0])
                    if self.key_delay:
                        time.sleep(self.key_delay)
            finally:
                self.sender.finish()
                self.conn.display.sync()

    def _send(self, keycode: int, modifiers: list[int] | None = None, keysym: int | None = None) -> None:
        self.sender.send(keycode, modifiers, keysym)

    def _type_char(self, ch: str) -> None:
        keysym = x11.char_keysym(ch)
        known = self.layout.keys.get(keysym)
        if known is not None and (not known[1] or self.layout.shift):
            code, shifted = known
            self._send(code, [self.layout.shift] if shifted else [])
            return
        self._send(self._bind(keysym, ch), keysym=keysym)

    def _bind(self, keysym: int, ch: str) -> int:
        if keysym in self._bound:
            return self._bound[keysym]
        free = [code for code in self._scratch if code not in self._bound.values()]
        if free:
            code = free[0]
        elif self._lru:
            code = self._lru.pop(0)  # every scratch key is taken: reuse the oldest once the target caught up
            self._bound = {sym: c for sym, c in self._bound.items() if c != code}
            time.sleep(_REUSE_SETTLE)
        else:
            raise InjectionError(f"Cannot type {ch!r}: it is not on the keyboard layout and no spare key is free.")
        self.conn.display.change_keyboard_mapping(code, [[keysym] * self.layout.width])
        self.conn.display.sync()
        self.keyboard.scratch.add(code)
        self._bound[keysym] = code
        self._lru.append(code)
        return code
