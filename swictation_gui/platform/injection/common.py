"""Shared injection steps: cleaning the text and making sure no key is still held before anything is sent.

Everything here runs on the injection worker thread.
"""

from __future__ import annotations

import unicodedata

from swictation_gui import log
from swictation_gui.platform import x11
from swictation_gui.platform.keyboard_state import KeyboardState


def clean_text(text: str) -> str:
    """``text`` with CR/LF normalized to newlines and every control character except newline and tab removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


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


def send_chord(conn: x11.XConnection, keyboard: KeyboardState, keycode: int, modifiers: list[int],
               timeout: float) -> None:
    """Send one key (with ``modifiers`` held) once no hotkey key and no modifier is down (injector thread).

    When the user presses the hotkey mid-text (the next dictation) the send waits until it is up again: the check
    and the send are one step on the server (``KeyboardState.try_send``), so no press can slip in between.
    """
    while not keyboard.try_send(conn, keycode, modifiers):
        log.injection.debug("a hotkey key or modifier is down: sending paused")
        release_held_keys(conn, keyboard, timeout)
