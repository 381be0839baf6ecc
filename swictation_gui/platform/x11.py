"""X11 plumbing on python-xlib: key state, XTest key events, focused window class, key grabs, a clipboard owner.

Each :class:`XConnection` is one connection to the X server and belongs to the thread that created it (python-xlib
connections are not shared between threads here). :class:`SelectionOwner` runs its own thread.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import threading
import time
from collections.abc import Iterable

from swictation_gui import log
from swictation_gui.errors import InjectionError

try:  # python-xlib comes with pynput; it is missing only on non-X11 systems
    from Xlib import XK as XK
    from Xlib import X as X
    from Xlib import Xatom
    from Xlib import display as xdisplay
    from Xlib import error as xerror
    from Xlib.ext import xtest
    from Xlib.protocol import event as xevent
    HAVE_XLIB = True
except ImportError:  # pragma: no cover - exercised only without python-xlib
    HAVE_XLIB = False

TERMINAL_CLASSES = frozenset({
    "xterm", "uxterm", "gnome-terminal", "gnome-terminal-server", "org.gnome.terminal", "konsole", "alacritty",
    "kitty", "wezterm", "org.wezfurlong.wezterm", "foot", "footclient", "tilix", "com.gexperts.tilix", "terminator",
    "urxvt", "rxvt", "rxvt-unicode", "st", "st-256color", "xfce4-terminal", "lxterminal", "mate-terminal",
    "qterminal", "terminology", "guake", "tilda", "yakuake", "sakura", "cool-retro-term", "kgx", "org.gnome.console",
    "ptyxis", "org.gnome.ptyxis", "blackbox", "contour", "rio", "ghostty", "com.mitchellh.ghostty", "tabby",
    "hyper", "deepin-terminal", "eterm", "aterm", "roxterm", "termite", "cosmic-term", "warp",
})


def x11_available() -> bool:
    """True when python-xlib is importable and ``DISPLAY`` names a server."""
    return HAVE_XLIB and bool(os.environ.get("DISPLAY"))


def is_terminal_class(names: Iterable[str]) -> bool:
    """Whether a WM_CLASS (instance, class) belongs to a terminal emulator (which pastes with Ctrl+Shift+V)."""
    for name in names:
        low = name.lower()
        if low in TERMINAL_CLASSES or "terminal" in low:
            return True
    return False


@functools.cache
def _keysym_names() -> dict[int, str]:
    names: dict[int, str] = {}
    if HAVE_XLIB:
        for attr in dir(XK):
            if attr.startswith("XK_"):
                names.setdefault(getattr(XK, attr), attr[3:])
    return names


def keysym_name(keysym: int) -> str | None:
    """The X name of a keysym (``Control_R``, ``a``, ``F9``) from python-xlib's tables; None when unnamed."""
    return _keysym_names().get(keysym)


def char_keysym(ch: str) -> int:
    """The X keysym that types ``ch``: Latin-1 keysyms equal the code point; others are 0x01000000 + code point."""
    code = ord(ch)
    if ch == "\n":
        return int(XK.XK_Return)
    if ch == "\t":
        return int(XK.XK_Tab)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 + code


class XConnection:
    """One python-xlib connection, used by the thread that created it."""

    def __init__(self, display_name: str | None = None) -> None:
        if not HAVE_XLIB:
            raise InjectionError("python-xlib is not installed; X11 typing and hotkeys need it.")
        # An X server that is resetting (Xvfb without -noreset, after its last client left) drops new
        # connections for a moment: retry briefly.
        for attempt in range(10):
            try:
                self.display = xdisplay.Display(display_name)
                break
            except xerror.ConnectionClosedError as exc:
                if attempt == 9:
                    raise InjectionError(f"The X display {display_name or os.environ.get('DISPLAY')!r} closed the "
                                         f"connection: {exc}") from exc
                time.sleep(0.05)
            except Exception as exc:  # Xlib raises several unrelated types here
                raise InjectionError(f"Cannot connect to the X display "
                                     f"{display_name or os.environ.get('DISPLAY')!r}: {exc}") from exc
        self.root = self.display.screen().root
        info = self.display.display.info
        self.min_keycode: int = info.min_keycode
        self.max_keycode: int = info.max_keycode
        self._modifier_codes: frozenset[int] | None = None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with contextlib.suppress(Exception):  # already closed, or the server went away
            self.display.close()

    def __enter__(self) -> XConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- keyboard state ---------------------------------------------------------------------------------------
    def keysym(self, name: str) -> int:
        """The keysym for an X keysym name such as ``Control_R`` (0 when unknown)."""
        return int(XK.string_to_keysym(name))

    def keycodes(self, keysym: int) -> list[int]:
        """Keycodes whose first two columns (unshifted/shifted, group 1) produce ``keysym``."""
        return sorted({code for code, index in self.display.keysym_to_keycodes(keysym) if index < 2})

    def keysym_name(self, keycode: int, index: int = 0) -> str | None:
        """The keysym name at ``index`` of ``keycode``'s mapping (None when empty or unnamed)."""
        sym = self.display.keycode_to_keysym(keycode, index)
        return keysym_name(sym) if sym else None

    def pressed_keycodes(self) -> set[int]:
        """Keycodes the server currently believes are down (physical or XTest)."""
        keymap = self.display.query_keymap()
        return {i * 8 + bit for i, byte in enumerate(keymap) for bit in range(8) if byte & (1 << bit)}

    def modifier_keycodes(self) -> frozenset[int]:
        """Keycodes bound to Shift, Control and Mod1–Mod5 (not Lock), i.e. keys that change what typing does.

        Asked once per connection (a connection lives for one injection or one listener run).
        """
        if self._modifier_codes is None:
            mapping = self.display.get_modifier_mapping()
            self._modifier_codes = frozenset(code for index, codes in enumerate(mapping) if index != X.LockMapIndex
                                             for code in codes if code)
        return self._modifier_codes

    def modifier_mask(self, keysym_name: str) -> int:
        """The modifier mask bit (e.g. Mod2 for Num_Lock) that ``keysym_name``'s key is bound to, or 0."""
        codes = set(self.keycodes(self.keysym(keysym_name)))
        for index, mod_codes in enumerate(self.display.get_modifier_mapping()):
            if codes & set(mod_codes):
                return 1 << index
        return 0

    def caps_lock_on(self) -> bool:
        """Whether Caps Lock is locked (read from the pointer's modifier state)."""
        return bool(self.root.query_pointer().mask & X.LockMask)

    # -- synthetic input (XTest: accepted by xterm, unlike XSendEvent) ------------------------------------------
    def fake_key(self, keycode: int, press: bool) -> None:
        """Send one XTest key press or release (not flushed). Injectors send through ``KeyboardState`` instead,
        which notes each key for the hotkey listener and never sends under a held hotkey."""
        xtest.fake_input(self.display, X.KeyPress if press else X.KeyRelease, keycode)

    # -- windows ----------------------------------------------------------------------------------------------
    def focused_wm_class(self) -> tuple[str, ...]:
        """WM_CLASS (instance, class) of the window with the input focus or its nearest ancestor; () if none."""
        return self.focused_window()[1]

    def focused_window(self) -> tuple[int, tuple[str, ...]]:
        """The id and WM_CLASS of the focused window or its nearest ancestor with a WM_CLASS; (0, ()) if none."""
        window = self.display.get_input_focus().focus
        for _ in range(32):
            if window is None or isinstance(window, int) or window == self.root:
                return 0, ()
            try:
                wm_class = window.get_wm_class()
                if wm_class:
                    return int(window.id), tuple(str(part) for part in wm_class)
                window = window.query_tree().parent
            except xerror.XError:
                return 0, ()
        return 0, ()

    def window_pid(self, window_id: int) -> int | None:
        """The process id that window ``window_id`` announces (``_NET_WM_PID``); None when it names none."""
        try:
            prop = self.display.create_resource_object("window", window_id).get_full_property(
                self.display.intern_atom("_NET_WM_PID"), Xatom.CARDINAL)
        except xerror.XError:
            return None
        return int(prop.value[0]) if prop is not None and len(prop.value) else None


class SelectionOwner:
    """Owns an X selection (CLIPBOARD) with one text, serving it from a private connection on its own thread.

    ``served`` is set each time a client fetched the text (not just the list of targets): this is the signal that
    a paste happened. ``lost`` is set when another client took the selection over (the user copied something, or
    a clipboard manager took a copy).
    """

    _TEXT_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "TEXT", "STRING", "text/plain")

    def __init__(self, text: str, selection: str = "CLIPBOARD", display_name: str | None = None) -> None:
        self.text = text
        self.served = threading.Event()
        self.lost = threading.Event()
        self.serve_count = 0
        self.last_served = 0.0
        self._stop = threading.Event()
        self._display_name = display_name
        self._selection_name = selection
        self._owned = threading.Event()
        self._started = threading.Event()
        self._error: Exception | None = None
        self._conn: XConnection | None = None
        self._thread: threading.Thread | None = None

    def acquire(self, timeout: float = 3.0) -> bool:
        """Start the owner thread, which connects, takes the selection and serves it (caller's thread; waits for
        the outcome). False when the server refused ownership; raises ``InjectionError`` without an X server."""
        self._thread = threading.Thread(target=self._run, name="selection-owner", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            self._stop.set()
            return False
        if self._error is not None:
            raise self._error
        return self._owned.is_set()

    def wait_served(self, timeout: float) -> bool:
        """Block until the text was fetched at least once; False on timeout."""
        return self.served.wait(timeout)

    def wait_quiet(self, quiet: float, timeout: float) -> None:
        """Block until no request was served for ``quiet`` seconds (a paste may fetch more than once)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and time.monotonic() - self.last_served < quiet:
            time.sleep(0.02)

    def close(self) -> None:
        """Stop serving; the owner thread closes its connection (the selection becomes ownerless if still ours)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)

    def _take(self) -> bool:
        """Owner thread: connect, create the window and take the selection."""
        conn = self._conn = XConnection(self._display_name)
        d = conn.display
        self._atoms = {name: d.intern_atom(name) for name in (*self._TEXT_TARGETS, "TARGETS", "TIMESTAMP", "ATOM")}
        self._selection = d.intern_atom(self._selection_name)
        window = conn.root.create_window(-10, -10, 1, 1, 0, X.CopyFromParent)
        window.set_selection_owner(self._selection, X.CurrentTime)
        d.sync()
        return bool(d.get_selection_owner(self._selection) == window)

    def _run(self) -> None:
        """Selection-owner thread: owns its X connection from creation to close; answers SelectionRequest events
        until stopped or the selection is lost."""
        try:
            owned = self._take()
        except Exception as exc:  # no server, or it refused us
            self._error = exc if isinstance(exc, InjectionError) else InjectionError(f"Cannot own the clipboard: {exc}")
            self._started.set()
            if self._conn is not None:
                self._conn.close()
            return
        if owned:
            self._owned.set()
        self._started.set()
        try:
            if owned:
                self._serve()
        finally:
            assert self._conn is not None
            self._conn.close()

    def _serve(self) -> None:
        assert self._conn is not None
        d = self._conn.display
        fd = d.fileno()
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], 0.05)
                if not ready and not d.pending_events():
                    continue
                while d.pending_events():
                    ev = d.next_event()
                    if ev.type == X.SelectionRequest:
                        self._answer(ev)
                    elif ev.type == X.SelectionClear and ev.atom == self._selection:
                        self.lost.set()
                        return
        except Exception:  # the server went away or the connection broke: nothing left to serve
            log.injection.debug("selection owner stopped", exc_info=True)
            self.lost.set()

    def _answer(self, ev: xevent.SelectionRequest) -> None:
        assert self._conn is not None
        d = self._conn.display
        prop = ev.property if ev.property != X.NONE else ev.target
        atoms = self._atoms
        target = ev.target
        data_served = False
        try:
            if target == atoms["TARGETS"]:
                offered = [atoms[name] for name in ("TARGETS", "TIMESTAMP", *self._TEXT_TARGETS)]
                ev.requestor.change_property(prop, Xatom.ATOM, 32, offered)
            elif target == atoms["TIMESTAMP"]:
                ev.requestor.change_property(prop, Xatom.INTEGER, 32, [0])
            elif target == atoms["STRING"]:
                ev.requestor.change_property(prop, Xatom.STRING, 8, self.text.encode("latin-1", "replace"))
                data_served = True
            elif target in (atoms[name] for name in self._TEXT_TARGETS):
                ev.requestor.change_property(prop, atoms["UTF8_STRING"], 8, self.text.encode("utf-8"))
                data_served = True
            else:
                prop = X.NONE
            notify = xevent.SelectionNotify(time=ev.time, requestor=ev.requestor, selection=ev.selection,
                                            target=target, property=prop)
            ev.requestor.send_event(notify, event_mask=0)
            d.flush()
        except xerror.XError:
            log.injection.debug("selection request from a vanished window", exc_info=True)
            return
        if data_served:
            self.serve_count += 1
            self.last_served = time.monotonic()
            self.served.set()
