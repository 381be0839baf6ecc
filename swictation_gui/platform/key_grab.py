"""The passive XGrabKey of the hotkey's main key, so the focused window never receives it (hotkey thread only)."""

from __future__ import annotations

import threading
import time
from typing import Any

from swictation_gui import log
from swictation_gui.errors import HotkeyError
from swictation_gui.platform import x11
from swictation_gui.platform.keys import Hotkey, keysym_names, modifier_family

_GRAB_RETRY = 1.5       # a listener of ours that was just stopped may still hold the same grab for a moment
_MODIFIER_KEYSYMS = {"ctrl": "Control_L", "shift": "Shift_L", "alt": "Alt_L", "super": "Super_L",
                     "alt_gr": "ISO_Level3_Shift"}


class HotkeyGrab:
    """The passive XGrabKey of the hotkey's main key (with each NumLock/CapsLock combination); hotkey thread only."""

    def __init__(self, conn: x11.XConnection, hotkey: Hotkey) -> None:
        self.conn = conn
        self.hotkey = hotkey
        self._grabs: list[tuple[int, int]] = []
        # A grab mask cannot tell left from right. For a sided hotkey (ctrl_r+space) we grab synchronously and
        # replay the key to the focused window when the wrong side is held (Left Ctrl+Space stays a shortcut).
        sided = [m for m in hotkey.modifiers if m.endswith(("_l", "_r"))]
        self.sided = bool(sided)
        self._sided_codes = [{code for sym in keysym_names(m) for code in conn.keycodes(conn.keysym(sym))}
                             for m in sided]

    def take(self, stopping: threading.Event) -> bool:
        """Grab; False when stopped meanwhile. Raises ``HotkeyError`` if the key is taken or not on the layout."""
        from Xlib import error as xerror

        conn, mask = self.conn, 0
        for modifier in self.hotkey.modifiers:
            family = modifier_family(modifier)
            bit = conn.modifier_mask(_MODIFIER_KEYSYMS[family]) or (
                conn.modifier_mask("Meta_L") if family == "alt" else 0)
            if not bit:
                raise HotkeyError(f"The {family} key is not a modifier in this keyboard layout; choose another hotkey.")
            mask |= bit
        num_lock = conn.modifier_mask("Num_Lock")
        extras = sorted({0, x11.X.LockMask, num_lock, x11.X.LockMask | num_lock})
        codes = sorted({code for sym in keysym_names(self.hotkey.key) for code in conn.keycodes(conn.keysym(sym))})
        if not codes:
            raise HotkeyError(f"The key {self.hotkey.key!r} is not on this keyboard layout; choose another hotkey.")
        keyboard_mode = x11.X.GrabModeSync if self.sided else x11.X.GrabModeAsync
        deadline = time.monotonic() + _GRAB_RETRY
        while True:
            catcher = xerror.CatchError(xerror.BadAccess)
            for code in codes:
                for extra in extras:
                    conn.root.grab_key(code, mask | extra, False, x11.X.GrabModeAsync, keyboard_mode, onerror=catcher)
                    self._grabs.append((code, mask | extra))
            conn.display.sync()
            if not catcher.get_error():
                return True
            self.release()
            if time.monotonic() >= deadline:
                raise HotkeyError(f"{self.hotkey} is already taken by another program (a desktop shortcut?). "
                                  "Choose another hotkey or free that shortcut.")
            if stopping.wait(0.05):
                return False

    def decide(self, event: Any) -> None:
        """Keyboard frozen by the synchronous grab: keep the key if the right sides are held, else replay it to the
        focused window as if there were no grab."""
        down = self.conn.pressed_keycodes()
        ours = all(codes & down for codes in self._sided_codes)
        mode = x11.X.AsyncKeyboard if ours else x11.X.ReplayKeyboard
        self.conn.display.allow_events(mode, event.time)
        self.conn.display.flush()

    def release(self) -> None:
        """Ungrab (idempotent); errors are ignored, since closing the connection releases the grabs anyway."""
        try:
            for code, modifiers in self._grabs:
                self.conn.root.ungrab_key(code, modifiers)
            if self._grabs:
                self.conn.display.sync()
        except Exception:
            log.hotkey.debug("ungrab failed", exc_info=True)
        self._grabs.clear()
