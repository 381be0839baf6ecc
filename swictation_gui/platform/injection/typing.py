"""Typing text key by key with XTest, including characters that are not on the keyboard layout.

Characters on the current layout (first two columns: plain and shifted) are typed with their own key. Any other
character (emoji, CJK, letters of other layouts) is typed by binding its keysym to a spare ("scratch") keycode, with
the same keysym in every column so that neither Shift nor XKB case rules can change it, and pressing that keycode.
XTest events are used because some clients (xterm) ignore XSendEvent. Runs on the injection worker thread.

Scratch keycodes are released again (mapped back to nothing) two seconds after the last typing, so that a slow
target still translates the keys it has queued with the mapping they were typed with.
"""

from __future__ import annotations

import threading
import time

from swictation_gui import log
from swictation_gui.errors import InjectionError
from swictation_gui.platform import x11

_RESTORE_AFTER = 2.0
_REUSE_SETTLE = 0.15

_scratch_lock = threading.Lock()
_scratch_in_use: set[int] = set()  # keycodes we bound and have not unbound yet
_restore_timer: threading.Timer | None = None
_generation = 0  # bumped by every typing run, so that an older restore timer never unbinds keys in use


class KeyboardLayout:
    """A snapshot of the X keyboard mapping: which keycode (and Shift or not) types each keysym."""

    def __init__(self, conn: x11.XConnection) -> None:
        self.conn = conn
        count = conn.max_keycode - conn.min_keycode + 1
        mapping = conn.display.get_keyboard_mapping(conn.min_keycode, count)
        self.width = len(mapping[0]) if mapping else 2
        self.keys: dict[int, tuple[int, bool]] = {}
        self.empty: list[int] = []
        with _scratch_lock:
            ours = set(_scratch_in_use)
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


def typeable_without_remap(conn: x11.XConnection, text: str) -> bool:
    """Whether every character of ``text`` is on the current layout."""
    layout = KeyboardLayout(conn)
    return all(layout.typeable(ch) for ch in text)


class XTestTyper:
    """Types one text into the focused window (one instance per injection, on one connection)."""

    def __init__(self, conn: x11.XConnection, key_delay: float = 0.002) -> None:
        self.conn = conn
        self.key_delay = key_delay
        self._bound: dict[int, int] = {}  # keysym -> scratch keycode, for this text
        self._lru: list[int] = []

    def type(self, text: str) -> None:
        """Type ``text`` exactly (already cleaned). Raises ``InjectionError`` when a character cannot be typed."""
        global _restore_timer, _generation
        conn = self.conn
        caps = conn.caps_lock_on()
        caps_codes = conn.keycodes(conn.keysym("Caps_Lock"))
        with _scratch_lock:
            _generation += 1
            if _restore_timer is not None:
                _restore_timer.cancel()
                _restore_timer = None
        self.layout = KeyboardLayout(conn)  # keycodes bound by an earlier injection count as spare
        self._scratch = self.layout.empty
        x11.INJECTING.set()
        try:
            if caps and caps_codes:
                conn.tap(caps_codes[0])  # Caps Lock would invert the case of letters typed by keycode
            for ch in text:
                if x11.HOTKEY_HELD.is_set() or x11.HOTKEY_HELD.down_on_server(self.conn):
                    self._pause_while_hotkey_held()
                self._type_char(ch)
                if self.key_delay:
                    time.sleep(self.key_delay)
        finally:
            if caps and caps_codes:
                conn.tap(caps_codes[0])
            conn.display.sync()
            x11.INJECTING.clear()
            self._schedule_restore()

    def _pause_while_hotkey_held(self) -> None:
        """The user pressed the hotkey mid-text (the next dictation): its X grab would swallow what we type, so
        wait until it is up again (injection thread)."""
        self.conn.display.sync()
        log.injection.debug("hotkey held: typing paused")
        while x11.HOTKEY_HELD.is_set() or x11.HOTKEY_HELD.down_on_server(self.conn):
            x11.HOTKEY_HELD.wait_released(0.02)

    def _type_char(self, ch: str) -> None:
        keysym = x11.char_keysym(ch)
        known = self.layout.keys.get(keysym)
        if known is not None and (not known[1] or self.layout.shift):
            code, shifted = known
            self.conn.tap(code, [self.layout.shift] if shifted else [])
            return
        self.conn.tap(self._bind(keysym, ch))

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
        with _scratch_lock:
            _scratch_in_use.add(code)
        self._bound[keysym] = code
        self._lru.append(code)
        return code

    def _schedule_restore(self) -> None:
        global _restore_timer
        display_name = self.conn.display.get_display_name()
        with _scratch_lock:
            if not _scratch_in_use:
                return
            _restore_timer = threading.Timer(_RESTORE_AFTER, _restore_scratch, args=(display_name, _generation))
            _restore_timer.daemon = True
            _restore_timer.start()


def _restore_scratch(display_name: str, generation: int) -> None:
    """Timer thread: unbind the scratch keycodes we bound (unless a new injection started meanwhile)."""
    with _scratch_lock:
        codes = sorted(_scratch_in_use)
        if not codes or generation != _generation:
            return
        try:
            with x11.XConnection(display_name) as conn:
                width = len(conn.display.get_keyboard_mapping(codes[0], 1)[0])
                for code in codes:
                    conn.display.change_keyboard_mapping(code, [[0] * width])
                conn.display.sync()
            _scratch_in_use.clear()
        except Exception:
            log.injection.debug("could not unbind scratch keycodes", exc_info=True)
