"""The cancel key on X11: one key (Esc) grabbed on the root window only while armed (a recording runs).

The **cancel-key thread** (``cancel-key``) owns its own X connection. It sleeps in ``select`` on that connection and
a wake-up pipe, so an idle app runs no timer here. ``arm(True)`` (any thread) makes it take a passive XGrabKey of
the key under every modifier combination a held hotkey may add; ``arm(False)`` makes it release the grab at once,
so the key reaches the focused window normally the rest of the time. Each press of the grabbed key calls
``on_press``; ``on_armed`` reports each grab taken or released (for the event log). Callbacks run on the cancel-key
thread and must not block; their exceptions are logged.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import threading
from collections.abc import Callable

from swictation_gui import log
from swictation_gui.errors import InjectionError
from swictation_gui.platform import x11
from swictation_gui.platform.keys import keysym_names

_MODIFIER_KEYSYMS = ("Shift_L", "Control_L", "Alt_L", "Super_L", "ISO_Level3_Shift")


class X11CancelKey:
    """Grabs ``key`` (a ``keys`` name such as "esc") while armed and reports its presses (see the module doc)."""

    def __init__(self, key: str, on_press: Callable[[], None], on_armed: Callable[[bool], None] = lambda armed: None,
                 on_failed: Callable[[str], None] = lambda message: None, display_name: str | None = None) -> None:
        self.key = key
        self._on_press, self._on_armed, self._on_failed = on_press, on_armed, on_failed
        self._display_name = display_name
        self._want = False
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._pipe_lock = threading.Lock()  # the pipe is closed once, and never written to after that
        self._pipe_open = True
        self._thread: threading.Thread | None = None

    # -- any thread ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the thread (once); returns at once."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cancel-key", daemon=True)
            self._thread.start()

    def arm(self, armed: bool) -> None:
        """Grab the key (True) or release it (False) as soon as the thread wakes; never blocks."""
        self._want = armed
        self._wake()

    def stop(self) -> None:
        """Release the grab and end the thread; returns at once (idempotent)."""
        self._want = False
        self._stopping.set()
        self._wake()
        if self._thread is None:
            self._close_pipe()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the thread to end after ``stop``; True when it did."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return False
        return True

    def _wake(self) -> None:
        with self._pipe_lock, contextlib.suppress(OSError):  # a full pipe wakes the thread just as well
            if self._pipe_open:
                os.write(self._wake_w, b"x")

    # -- cancel-key thread --------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            conn = x11.XConnection(self._display_name)
        except InjectionError as exc:
            self._call(self._on_failed, f"The cancel key cannot work: {exc}")
            self._close_pipe()
            return
        grabs: list[tuple[int, int]] = []
        try:
            codes = {code for sym in keysym_names(self.key) for code in conn.keycodes(conn.keysym(sym))}
            if not codes:
                self._call(self._on_failed, f"The cancel key {self.key!r} is not on this keyboard layout; choose "
                                            "another one in Settings → General.")
            masks = _modifier_masks(conn)
            fd = conn.display.fileno()
            while not self._stopping.is_set():
                if self._want and not grabs and codes:
                    grabs = _grab(conn, codes, masks)
                    self._call(self._on_armed, True)
                elif not self._want and grabs:
                    _ungrab(conn, grabs)
                    grabs = []
                    self._call(self._on_armed, False)
                ready, _, _ = select.select([fd, self._wake_r], [], [])
                if self._wake_r in ready:
                    os.read(self._wake_r, 4096)
                while conn.display.pending_events():
                    event = conn.display.next_event()
                    if event.type == x11.X.MappingNotify:
                        conn.display.refresh_keyboard_mapping(event)
                    elif event.type == x11.X.KeyPress and grabs and self._want and event.detail in codes:
                        self._call(self._on_press)
        except Exception as exc:  # the X connection broke: say so once instead of dying silently
            log.hotkey.exception("cancel-key thread failed")
            self._call(self._on_failed, f"The cancel key stopped working ({type(exc).__name__}: {exc}).")
        finally:
            if grabs:
                _ungrab(conn, grabs)
            conn.close()
            self._close_pipe()

    def _close_pipe(self) -> None:
        with self._pipe_lock:
            if self._pipe_open:
                self._pipe_open = False
                os.close(self._wake_r)
                os.close(self._wake_w)

    @staticmethod
    def _call(callback: Callable[..., None], *args: object) -> None:
        try:
            callback(*args)
        except Exception:
            log.hotkey.exception("cancel-key callback raised")


def _modifier_masks(conn: x11.XConnection) -> list[int]:
    """Every combination of the modifiers a held hotkey may add (Shift, Control, Alt, Super, AltGr), with and
    without Caps Lock and Num Lock: the key is grabbed under each, so it cancels whatever else is held."""
    bits = sorted({conn.modifier_mask(sym) for sym in _MODIFIER_KEYSYMS} - {0})
    locks = sorted({0, x11.X.LockMask, conn.modifier_mask("Num_Lock")})
    masks = {sum(combo) for n in range(len(bits) + 1) for combo in itertools.combinations(bits, n)}
    return sorted({mask | a | b for mask in masks for a in locks for b in locks})


def _grab(conn: x11.XConnection, codes: set[int], masks: list[int]) -> list[tuple[int, int]]:
    """Grab each (keycode, modifiers) pair; combinations another client holds (a desktop shortcut) are skipped.
    Ungrabbing a pair we never got is harmless, so all pairs are returned."""
    from Xlib import error as xerror

    catcher = xerror.CatchError(xerror.BadAccess)
    pairs = [(code, mask) for code in sorted(codes) for mask in masks]
    for code, mask in pairs:
        conn.root.grab_key(code, mask, False, x11.X.GrabModeAsync, x11.X.GrabModeAsync, onerror=catcher)
    conn.display.sync()
    if catcher.get_error():
        log.hotkey.info("some combinations of the cancel key are taken by another program; they are left alone")
    return pairs


def _ungrab(conn: x11.XConnection, pairs: list[tuple[int, int]]) -> None:
    for code, mask in pairs:
        conn.root.ungrab_key(code, mask)
    conn.display.sync()
