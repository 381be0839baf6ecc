"""Pasting through the clipboard: own the clipboard with the text, send the paste shortcut, restore the old clipboard.

How we know the paste happened (X11 has no "paste done" signal): we own the CLIPBOARD selection ourselves
(``x11.SelectionOwner``) and watch for the focused window's request for the text. Once it was served, and no further
request came for a moment, the paste has been read, and only then is the previous clipboard text put back, and only
if the clipboard still holds our text (if the user copied something meanwhile, that wins). When no request arrives
within the timeout the paste failed: the transcript stays on the clipboard and the result says so.

Terminals (detected from the focused window's WM_CLASS) get Ctrl+Shift+V instead of Ctrl+V. Runs on the injection
worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from swictation_gui import log
from swictation_gui.errors import InjectionError
from swictation_gui.platform import x11
from swictation_gui.platform.base import Clipboard
from swictation_gui.platform.injection.common import ChordSender
from swictation_gui.platform.keyboard_state import KeyboardState

_MAX_OWNED_BYTES = 200_000  # larger texts need the INCR protocol: hand them to xclip/xsel instead


@dataclass(frozen=True)
class PasteOutcome:
    """What one paste attempt did."""

    delivered: bool
    shortcut: str
    message: str = ""


def paste_shortcut(conn: x11.XConnection, terminal: bool | None = None) -> tuple[str, list[int], int]:
    """(label, modifier keycodes, key keycode) of the paste shortcut for the focused window."""
    if terminal is None:
        wm_class = conn.focused_wm_class()
        terminal = x11.is_terminal_class(wm_class)
        log.injection.debug("focused window class %s (terminal: %s)", wm_class, terminal)
    ctrl = conn.keycodes(conn.keysym("Control_L"))
    shift = conn.keycodes(conn.keysym("Shift_L"))
    v = conn.keycodes(conn.keysym("v"))
    if ctrl and v and (shift or not terminal):
        mods = [ctrl[0], shift[0]] if terminal else [ctrl[0]]
        return ("Ctrl+Shift+V" if terminal else "Ctrl+V"), mods, v[0]
    insert = conn.keycodes(conn.keysym("Insert"))
    if shift and insert:  # no V on this layout: Shift+Insert pastes in most X programs
        return "Shift+Insert", [shift[0]], insert[0]
    raise InjectionError("The keyboard layout has no key for the paste shortcut (Ctrl+V or Shift+Insert).")


def paste_text(conn: x11.XConnection, keyboard: KeyboardState, text: str, clipboard: Clipboard,
               timeout: float = 3.0, terminal: bool | None = None, key_timeout: float = 3.0) -> PasteOutcome:
    """Paste ``text`` into the focused window and restore the clipboard (keys must already be released).

    Never leaves the user without the text: when the paste is not confirmed, the transcript stays on the clipboard.
    Raises ``InjectionError`` only when the clipboard could not be taken at all.
    """
    label, mods, key = paste_shortcut(conn, terminal)
    previous = clipboard.get_text()
    if len(text.encode("utf-8")) > _MAX_OWNED_BYTES:
        return _paste_via_backend(conn, keyboard, text, clipboard, label, mods, key, key_timeout)
    display_name = conn.display.get_display_name()
    owner = x11.SelectionOwner(text, display_name=display_name)
    try:
        if not owner.acquire():
            raise InjectionError("Could not take over the clipboard to paste the text.")
        _send(conn, keyboard, mods, key, key_timeout)
        served = owner.wait_served(timeout)
        if served:
            owner.wait_quiet(0.3, 2.0)  # some programs ask twice (e.g. for two formats)
        lost = owner.lost.is_set()
        ours = not lost or clipboard.get_text() == text  # a clipboard manager may have taken a copy of ours
        if not served and not (lost and ours):
            _keep_on_clipboard(clipboard, text, owner)
            return PasteOutcome(False, label, f"The focused window did not take the pasted text ({label}). "
                                              "The text is on the clipboard: paste it yourself.")
        if lost and ours and not served:
            log.injection.info("a clipboard manager took over the clipboard; assuming the paste went through")
        if not ours:
            log.injection.info("clipboard changed during the paste; not restoring the previous clipboard")
        elif previous is not None:
            clipboard.set_text(previous)
        else:
            _keep_on_clipboard(clipboard, text, owner)  # there was nothing to restore: leave the transcript
        return PasteOutcome(True, label)
    finally:
        owner.close()


def _keep_on_clipboard(clipboard: Clipboard, text: str, owner: x11.SelectionOwner) -> None:
    """Hand the text to the clipboard tool so that it outlives our owner (which is about to close)."""
    if owner.lost.is_set():
        return
    try:
        clipboard.set_text(text)
    except InjectionError:
        log.injection.warning("could not leave the transcript on the clipboard", exc_info=True)


def _send(conn: x11.XConnection, keyboard: KeyboardState, mods: list[int], key: int, timeout: float) -> None:
    """Send the paste shortcut once no hotkey key or modifier is down (a held hotkey's grab would take it)."""
    with keyboard.injecting():
        sender = ChordSender(conn, keyboard, timeout)
        sender.send(key, mods)
        sender.finish()
        conn.display.sync()


def _paste_via_backend(conn: x11.XConnection, keyboard: KeyboardState, text: str, clipboard: Clipboard, label: str,
                       mods: list[int], key: int, key_timeout: float) -> PasteOutcome:
    """Very long texts: paste through the clipboard tool and leave them on the clipboard (no served signal)."""
    clipboard.set_text(text)
    _send(conn, keyboard, mods, key, key_timeout)
    return PasteOutcome(True, label, "Long text: it was left on the clipboard.")
