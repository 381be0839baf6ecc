"""Shared injection steps: cleaning the text and making sure no key is still held before anything is sent.

Everything here runs on the injection worker thread.
"""

from __future__ import annotations

import unicodedata

from swictation_gui import log
from swictation_gui.errors import InjectionError
from swictation_gui.platform import x11
from swictation_gui.platform.base import Clipboard, InjectionResult
from swictation_gui.platform.keyboard_state import KeyboardState


def clean_text(text: str) -> str:
    """``text`` with CR/LF normalized to newlines and every control character except newline and tab removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def keep_for_user(clipboard: Clipboard, method: str, text: str, exc: Exception) -> InjectionResult:
    """The failed result for ``exc``, with ``text`` put on the clipboard (and the message saying where it is)."""
    reason = str(exc) if isinstance(exc, InjectionError) else f"{type(exc).__name__}: {exc}"
    try:
        clipboard.set_text(text)
        where = "The text is on the clipboard: paste it yourself."
    except Exception:
        log.injection.exception("could not put the transcript on the clipboard either")
        where = "It could not be put on the clipboard either."
    return InjectionResult(ok=False, method=method, message=f"Could not insert the text ({reason}). {where}")


def release_held_keys(conn: x11.XConnection, keyboard: KeyboardState, timeout: float) -> list[str]:
    """Wait until the hotkey and every modifier (Shift, Ctrl, Alt, Super, AltGr…) are up; then neutralize leftovers.

    A modifier still held while typing turns letters into shortcuts (Ctrl+A selects all), and a held hotkey's grab
    takes every key sent meanwhile, so we wait (see ``KeyboardState.wait_keys_up``: as long as the user holds the
    hotkey, at most ``timeout`` seconds for anything else). Keys still down after that are released with XTest (the
    server then treats them as up; the user's next real press works normally). Returns the names of keys that had
    to be force-released (for the log). Injector thread.
    """
    held = keyboard.blocking_keys(conn)
    if not held:
        return []
    names = sorted(conn.keysym_name(code) or str(code) for code in held)
    log.injection.info("waiting for held keys to be released before injecting: %s", ", ".join(names))
    held = keyboard.wait_keys_up(conn, timeout)
    if not held:
        return []
    names = sorted(conn.keysym_name(code) or str(code) for code in held)
    log.injection.warning("releasing keys still held after %.1f s: %s", timeout, ", ".join(names))
    with keyboard.injecting():
        for code in held:
            keyboard.fake_key(conn, code, False)
        conn.display.sync()
    return names


class ChordSender:
    """Sends key chords for one injection, safe against the hotkey (injector thread).

    Each chord goes out only while no hotkey key and no modifier is down: the check and the send are one step on
    the server (``KeyboardState.try_send``), so no press from another client can slip in between. When a key is
    down (the user presses the hotkey mid-text for the next dictation) sending pauses until it is up. One gap stays
    that no server grab closes: a press from a real keyboard processed between the check and the key. If that press
    was the grabbed hotkey, the grab took our key; the listener sees that order exactly, and at the pause that the
    held hotkey causes, the chord is sent again (it is the last one sent before the pause). A press released again
    before our next check (shorter than one key of typing) cannot be repaired in place; it is logged.
    """

    ECHO_WAIT = 0.25   # how long to wait for the listener to report what became of the keys sent

    def __init__(self, conn: x11.XConnection, keyboard: KeyboardState, key_timeout: float) -> None:
        self.conn = conn
        self.keyboard = keyboard
        self.key_timeout = key_timeout
        self._unverified: list[tuple[int, int, list[int], int | None]] = []  # (token, keycode, mods, keysym)

    def send(self, keycode: int, modifiers: list[int] | None = None, keysym: int | None = None) -> None:
        """Send ``keycode`` with ``modifiers`` held, pausing while a hotkey key or modifier is down (``keysym``: what
        a spare keycode was bound to)."""
        mods = modifiers or []
        while True:
            token = self.keyboard.try_send(self.conn, keycode, mods, keysym)
            if token is not None:
                self._unverified.append((token, keycode, mods, keysym))
                return
            log.injection.debug("a hotkey key or modifier is down: sending paused")
            release_held_keys(self.conn, self.keyboard, self.key_timeout)
            self._verify()

    def finish(self) -> None:
        """After the last chord: send it again if the hotkey's grab took it."""
        self._verify()

    def _verify(self) -> None:
        sent, self._unverified = self._unverified, []
        lost = self.keyboard.swallowed([token for token, *_ in sent], self.ECHO_WAIT)
        if not lost:
            return
        if lost != {sent[-1][0]}:
            log.injection.warning("the hotkey's grab took %d key(s) in the middle of the text; they are missing",
                                  len(lost - {sent[-1][0]}))
        if sent[-1][0] in lost:
            log.injection.info("the hotkey's grab took a key we sent; sending it again")
            self.send(*sent[-1][1:])
