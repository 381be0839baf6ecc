"""Text injection into the focused window: type (XTest, wtype), paste (clipboard + shortcut) or auto; factory.

Who waits for the hotkey: the injector does, through the app's ``KeyboardState`` (shared with the hotkey listener):
no key is sent while a hotkey key or any modifier is down, and a modifier still held after ``key_timeout`` seconds
is released. ``inject`` runs on a worker thread (never the GUI thread) and never
raises: failures come back as ``InjectionResult(ok=False, message=...)`` with the transcript left on the clipboard.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from swictation_gui import log
from swictation_gui.platform import session, x11
from swictation_gui.platform.atspi import CaretReader
from swictation_gui.platform.base import Clipboard, InjectionMethod, InjectionResult, TextInjector
from swictation_gui.platform.clipboard import create_clipboard
from swictation_gui.platform.injection.common import clean_text, keep_for_user, release_held_keys
from swictation_gui.platform.injection.paste import paste_text
from swictation_gui.platform.injection.typing import XTestTyper, typeable_without_remap
from swictation_gui.platform.keyboard_state import KeyboardState

__all__ = ["ClipboardOnlyInjector", "KeyboardState", "X11Injector", "clean_text", "create_injector"]


class X11Injector:
    """``TextInjector`` for X11 sessions.

    Args:
        method: ``type``: key by key (characters missing from the layout are typed through spare keycodes);
            ``paste``: clipboard + Ctrl+V (Ctrl+Shift+V in terminals); ``auto``: type short texts whose every
            character is on the keyboard layout, otherwise paste (and type where the paste is not taken).
        keyboard: The app's keyboard state, shared with the hotkey listener (default: a private one, which still
            waits for held keys but knows no hotkey).
        clipboard: The clipboard used to save/restore and as the fallback (default: ``create_clipboard()``).
        display_name: X display (default ``$DISPLAY``).
        key_timeout: How long to wait for held keys before force-releasing them.
        paste_timeout: How long to wait for the focused window to fetch pasted text.
        key_delay: Pause between typed characters (seconds).
        auto_type_max: In ``auto`` mode, longer texts are pasted (typing them key by key would be slow).
        caret: Reads the text before the caret over the accessibility bus (default: a ``CaretReader`` on the session
            bus).
    """

    def __init__(self, method: InjectionMethod = InjectionMethod.AUTO, keyboard: KeyboardState | None = None,
                 clipboard: Clipboard | None = None, display_name: str | None = None, key_timeout: float = 3.0,
                 paste_timeout: float = 3.0, key_delay: float = 0.002, auto_type_max: int = 300,
                 caret: CaretReader | None = None) -> None:
        self.method = method
        self.keyboard = keyboard if keyboard is not None else KeyboardState()
        self.clipboard: Clipboard = clipboard if clipboard is not None else create_clipboard()
        self.display_name = display_name
        self.key_timeout = key_timeout
        self.paste_timeout = paste_timeout
        self.key_delay = key_delay
        self.auto_type_max = auto_type_max
        self.caret = caret if caret is not None else CaretReader()
        self._paste_refused: set[tuple[str, ...]] = set()  # WM_CLASSes that ignored a paste (auto types there)

    def inject(self, text: str) -> InjectionResult:
        """Deliver ``text`` exactly to the focused window (worker thread); never raises."""
        text = clean_text(text)
        if not text:
            return InjectionResult(ok=True, method=self.method.value if self.method != InjectionMethod.AUTO else "type")
        method = InjectionMethod.PASTE.value if self.method is InjectionMethod.PASTE else InjectionMethod.TYPE.value
        try:
            with x11.XConnection(self.display_name) as conn:
                release_held_keys(conn, self.keyboard, self.key_timeout)
                if self.method is InjectionMethod.TYPE:
                    return self._type(conn, text)
                wm_class = conn.focused_wm_class()
                short = len(text) <= self.auto_type_max
                typeable = short and typeable_without_remap(conn, text, self.keyboard.scratch.in_use())
                if self.method is InjectionMethod.AUTO and (wm_class in self._paste_refused or typeable):
                    return self._type(conn, text)
                method = InjectionMethod.PASTE.value
                outcome = paste_text(conn, self.keyboard, text, self.clipboard, self.paste_timeout,
                                     terminal=x11.is_terminal_class(wm_class), key_timeout=self.key_timeout)
                if outcome.delivered:
                    log.injection.info("pasted %d characters with %s", len(text), outcome.shortcut)
                    return InjectionResult(ok=True, method=method, message=outcome.message)
                if self.method is InjectionMethod.AUTO:
                    log.injection.info("%s did not take the paste; typing instead (and from now on)", wm_class)
                    if wm_class:
                        self._paste_refused.add(wm_class)
                    method = InjectionMethod.TYPE.value
                    return self._type(conn, text)
                return InjectionResult(ok=False, method=method, message=outcome.message)
        except Exception as exc:  # never raise into the session: report and keep the text for the user
            log.injection.exception("injection failed")
            return self._fail(method, text, exc)

    def press_key(self, keysym_name: str, count: int) -> InjectionResult:
        """Press ``keysym_name`` ``count`` times once no key is held (worker thread); never raises."""
        try:
            with x11.XConnection(self.display_name) as conn:
                release_held_keys(conn, self.keyboard, self.key_timeout)
                XTestTyper(conn, self.keyboard, self.key_delay, self.key_timeout).press(keysym_name, count)
            log.injection.info("pressed %s %d time(s)", keysym_name, count)
            return InjectionResult(ok=True, method="type")
        except Exception as exc:
            log.injection.exception("pressing %s failed", keysym_name)
            return InjectionResult(ok=False, method="type", message=f"Could not press {keysym_name}: {exc}")

    def focused_window(self) -> str:
        """The focused window as "class #id" ("" when unknown) (worker thread)."""
        try:
            with x11.XConnection(self.display_name) as conn:
                window, wm_class = conn.focused_window()
        except Exception:
            log.injection.exception("reading the focused window failed")
            return ""
        return f"{'.'.join(wm_class)} #{window:#x}" if window else ""

    def user_presses(self) -> int | None:
        """Non-hotkey keys pressed so far, as the shared keyboard state saw them (any thread)."""
        return self.keyboard.user_presses()

    def text_before_caret(self) -> str | None:
        """The characters before the caret in the focused window's text field, over AT-SPI; None when unknown
        (worker thread; bounded by the reader's budget, never raises)."""
        try:
            with x11.XConnection(self.display_name) as conn:
                window, _ = conn.focused_window()
                pid = conn.window_pid(window) if window else None
        except Exception:
            log.injection.exception("reading the focused window's process failed")
            return None
        return self.caret.before_caret(pid)

    def _type(self, conn: x11.XConnection, text: str) -> InjectionResult:
        XTestTyper(conn, self.keyboard, self.key_delay, self.key_timeout).type(text)
        log.injection.info("typed %d characters", len(text))
        return InjectionResult(ok=True, method=InjectionMethod.TYPE.value)

    def _fail(self, method: str, text: str, exc: Exception) -> InjectionResult:
        return keep_for_user(self.clipboard, method, text, exc)


class ClipboardOnlyInjector:
    """Where typing is impossible (Wayland without X): put the text on the clipboard and say so."""

    def __init__(self, clipboard: Clipboard | None = None, reason: str = "") -> None:
        self.clipboard = clipboard
        self.reason = reason or "Typing into this kind of session is not supported."

    def inject(self, text: str) -> InjectionResult:
        """Copy ``text`` to the clipboard (worker thread); never raises."""
        text = clean_text(text)
        try:
            clipboard = self.clipboard if self.clipboard is not None else create_clipboard()
            clipboard.set_text(text)
        except Exception as exc:
            log.injection.exception("clipboard fallback failed")
            return InjectionResult(ok=False, method="paste", message=f"{self.reason} The clipboard failed too: {exc}")
        return InjectionResult(ok=False, method="paste", message=f"{self.reason} The text is on the clipboard.")


def create_injector(method: InjectionMethod | str = InjectionMethod.AUTO, *, keyboard: KeyboardState | None = None,
                    clipboard: Clipboard | None = None, display_name: str | None = None,
                    key_timeout: float = 3.0, paste_timeout: float = 3.0) -> TextInjector:
    """The injector for ``method`` in this session (X11, or clipboard-only where X is unavailable).

    Runs on any thread; the returned injector's ``inject`` must run on a worker thread.
    """
    method = InjectionMethod(method)
    info = session.detect()
    if info.wayland and not display_name:
        chain = session.injection_chain(info, have_xlib=x11.HAVE_XLIB, method=method.value)
        link = session.active(chain)
        log.injection.info("Wayland (%s) text output: %s", info.compositor, link.name if link else "none")
        if link is not None and link.name in ("wtype", "wl-copy-paste"):
            from swictation_gui.platform.injection.wayland import WaylandInjector

            return WaylandInjector(method, clipboard=clipboard, paste_timeout=paste_timeout)
        skipped = "; ".join(f"{x.name}: {x.detail}" for x in chain if x.status == "skipped" and x.fix)
        reason = f"Typing into native Wayland windows needs wtype on this desktop ({skipped})."
        log.injection.warning("%s Using the clipboard only.", reason)
        return ClipboardOnlyInjector(clipboard, reason)
    if x11.HAVE_XLIB and (display_name or os.environ.get("DISPLAY")):
        return X11Injector(method, keyboard=keyboard, clipboard=clipboard, display_name=display_name,
                           key_timeout=key_timeout, paste_timeout=paste_timeout)
    reason = "No X display to type into."
    log.injection.warning("%s Using the clipboard only.", reason)
    return ClipboardOnlyInjector(clipboard, reason)


if TYPE_CHECKING:  # mypy checks that the classes satisfy the Protocol
    _x11_check: TextInjector = X11Injector()
    _clipboard_only_check: TextInjector = ClipboardOnlyInjector()
