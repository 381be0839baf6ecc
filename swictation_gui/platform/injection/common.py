"""Shared injection steps: cleaning the text and making sure no key is still held before anything is sent.

Everything here runs on the injection worker thread.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable

from swictation_gui import log
from swictation_gui.platform import x11

# Waits until the hotkey's keys are up (for example ``HotkeyListener.wait_keys_released``); False on timeout.
WaitReleased = Callable[[float], bool]


def clean_text(text: str) -> str:
    """``text`` with CR/LF normalized to newlines and every control character except newline and tab removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def release_held_keys(conn: x11.XConnection, wait_released: WaitReleased | None, timeout: float) -> list[str]:
    """Wait until the hotkey and every modifier (Shift, Ctrl, Alt, Super, AltGr…) are up; then neutralize leftovers.

    A modifier still held while typing turns letters into shortcuts (Ctrl+A selects all), so we first wait up to
    ``timeout`` seconds for the user to let go. Keys still down after that are released with XTest (the server
    then treats them as up; the user's next real press works normally). Returns the names of keys that had to be
    force-released (for the log).
    """
    deadline = time.monotonic() + timeout
    if wait_released is not None:
        try:
            if not wait_released(timeout):
                log.injection.warning("hotkey still held after %.1f s; typing anyway", timeout)
        except Exception:
            log.injection.exception("waiting for the hotkey release failed")
    modifiers = conn.modifier_keycodes()
    announced = False
    while True:
        held = conn.pressed_keycodes() & modifiers
        if not held:
            return []
        if time.monotonic() >= deadline:
            break
        if not announced:
            names = sorted(conn.keysym_name(code) or str(code) for code in held)
            log.injection.info("waiting for held keys to be released before injecting: %s", ", ".join(names))
            announced = True
        time.sleep(0.01)
    names = sorted(conn.keysym_name(code) or str(code) for code in held)
    log.injection.warning("releasing keys still held after %.1f s: %s", timeout, ", ".join(names))
    x11.INJECTING.set()
    try:
        for code in held:
            conn.fake_key(code, False)
        conn.display.sync()
    finally:
        x11.INJECTING.clear()
    return names
