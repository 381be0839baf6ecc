"""The global push-to-talk hotkey on X11: a pynput listener for key state, plus an XGrabKey so the key never leaks.

Threads: pynput delivers key events on its own listener thread, and ``on_start``/``on_stop``/``on_cancel`` are
called there (they must not block; exceptions are logged to ``swictation.hotkey`` and never stop the listener).
A second thread owns the X connection holding the key grab and drains its events. ``start``/``stop`` and
``wait_keys_released`` may be called from any thread.
"""

from __future__ import annotations

import enum
import select
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from swictation_gui import log
from swictation_gui.errors import HotkeyError, InjectionError
from swictation_gui.platform import x11
from swictation_gui.platform.base import HotkeyListener, HotkeyMode
from swictation_gui.platform.keys import Hotkey, key_from_keysym_name, key_matches, keysym_names, parse_hotkey


class _State(enum.Enum):
    IDLE = "idle"
    ACTIVE = "active"
    CANCELLED = "cancelled"  # a modifier-only hotkey became a shortcut; wait until its keys are up


def _noop() -> None:
    pass


class X11HotkeyListener:
    """``HotkeyListener`` for X11 sessions (pynput + python-xlib).

    Args:
        hotkey: A spec such as ``"ctrl_r"`` or ``"ctrl+alt+space"`` (see ``keys.parse_hotkey``) or a ``Hotkey``.
        mode: Hold (dictate while held) or toggle (press to start, press again to stop).
        grab: Grab a hotkey that has a non-modifier key with XGrabKey, so the focused window never receives it.
            Modifier-only hotkeys are never grabbed (that would break every shortcut using the modifier).
        display_name: X display to use (default: ``$DISPLAY``).
    """

    def __init__(self, hotkey: str | Hotkey, mode: HotkeyMode = HotkeyMode.HOLD, grab: bool = True,
                 display_name: str | None = None) -> None:
        self.hotkey = parse_hotkey(hotkey) if isinstance(hotkey, str) else hotkey
        self.mode = mode
        self.grab = grab and not self.hotkey.is_modifier_only
        self._display_name = display_name
        self._lock = threading.Condition()
        self._down: set[str] = set()
        self._state = _State.IDLE
        self._tap_armed = False
        self._on_start: Callable[[], None] = _noop
        self._on_stop: Callable[[], None] = _noop
        self._on_cancel: Callable[[], None] = _noop
        self._listener: Any = None
        self._lookup: x11.XConnection | None = None
        self._grabber: _KeyGrabber | None = None

    # -- HotkeyListener ---------------------------------------------------------------------------------------
    def start(self, on_start: Callable[[], None], on_stop: Callable[[], None],
              on_cancel: Callable[[], None]) -> None:
        """Begin listening (idempotent; any thread). Raises ``HotkeyError`` with a user-facing message."""
        with self._lock:
            self._on_start, self._on_stop, self._on_cancel = on_start, on_stop, on_cancel
            if self._listener is not None:
                return
        if not x11.x11_available():
            raise HotkeyError("The global hotkey needs an X11 session (DISPLAY is not set). On Wayland, run the app "
                              "under XWayland or bind a desktop shortcut instead.")
        try:
            from pynput import keyboard
        except Exception as exc:  # pynput raises ImportError subclasses and others when no backend works
            raise HotkeyError(f"The keyboard listener could not start: {exc}") from exc
        try:
            self._lookup = x11.XConnection(self._display_name)
        except InjectionError as exc:
            raise HotkeyError(str(exc)) from exc
        if self.grab:
            self._grabber = _KeyGrabber(self.hotkey, self._display_name)
            try:
                self._grabber.start()
            except HotkeyError:
                self._grabber = None
                self._lookup.close()
                self._lookup = None
                raise
        listener = keyboard.Listener(on_press=self._on_press, on_release=self._on_release)
        listener.daemon = True
        listener.start()
        # pynput's wait() blocks forever when the listener dies before it is ready (e.g. no RECORD extension).
        deadline = time.monotonic() + 10
        while not getattr(listener, "_ready", True):
            if not listener.is_alive() or time.monotonic() > deadline:
                listener.stop()
                if self._grabber is not None:
                    self._grabber.stop()
                    self._grabber = None
                self._lookup.close()
                self._lookup = None
                raise HotkeyError("The keyboard listener could not start (does the X server have the RECORD "
                                  "extension?).")
            time.sleep(0.01)
        codes = {code for part in self.hotkey.parts for sym in keysym_names(part)
                 for code in self._lookup.keycodes(self._lookup.keysym(sym))}
        x11.HOTKEY_HELD.set_keycodes(codes)
        with self._lock:
            self._listener = listener
        log.hotkey.info("listening for %s (%s mode%s)", self.hotkey, self.mode.value, ", grabbed" if self.grab else "")

    def stop(self) -> None:
        """Stop listening and release the grab (idempotent; any thread but the listener's own)."""
        with self._lock:
            listener, self._listener = self._listener, None
            grabber, self._grabber = self._grabber, None
            self._state = _State.IDLE
            self._down.clear()
            x11.HOTKEY_HELD.set(False)
            x11.HOTKEY_HELD.set_keycodes(())
        if listener is not None:
            self._stop_listener(listener)
        if grabber is not None:
            grabber.stop()
        if self._lookup is not None:
            self._lookup.close()
            self._lookup = None

    def _stop_listener(self, listener: Any) -> None:
        """Stop pynput's XRecord listener promptly.

        pynput's own ``stop()`` sends the disable request on the recording connection, which only goes out with the
        next key event (so ``stop`` hangs until a key is pressed) and then breaks that connection. Disabling the
        record context from a separate connection, as the RECORD extension intends, ends the thread at once.
        """
        context = getattr(listener, "_context", None)
        if context is not None and threading.current_thread() is not listener:
            try:
                with x11.XConnection(self._display_name) as conn:
                    conn.display.record_disable_context(context)
                    conn.display.sync()
            except Exception:  # the server is gone: the thread ends by itself
                log.hotkey.debug("record_disable_context failed", exc_info=True)
            listener.join(2)
        if listener.is_alive():
            listener.stop()
            if threading.current_thread() is not listener:
                listener.join(5)

    def wait_keys_released(self, timeout: float) -> bool:
        """Block (any thread but the listener's) until every hotkey key is up; False on timeout.

        Uses the X server's key state (``XQueryKeymap``), which also covers keys pressed before the listener
        started; falls back to the listener's own record when the server cannot be asked.
        """
        deadline = time.monotonic() + timeout
        try:
            conn = x11.XConnection(self._display_name)
        except InjectionError:
            with self._lock:
                return self._lock.wait_for(lambda: not self._hotkey_keys_down(), max(0.0, timeout))
        try:
            codes = {code for part in self.hotkey.parts for sym in keysym_names(part)
                     for code in conn.keycodes(conn.keysym(sym))}
            while codes & conn.pressed_keycodes():
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.01)
            return True
        finally:
            conn.close()

    # -- state --------------------------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Whether a dictation is running (between on_start and on_stop/on_cancel)."""
        return self._state is _State.ACTIVE

    def _is_chord_key(self, name: str) -> bool:
        return any(key_matches(part, name) for part in self.hotkey.parts)

    def _hotkey_keys_down(self) -> bool:
        return any(self._is_chord_key(name) for name in self._down)

    def _chord_held(self) -> bool:
        """Every part of the hotkey is down and nothing else is."""
        if any(not self._is_chord_key(name) for name in self._down):
            return False
        return all(any(key_matches(part, name) for name in self._down) for part in self.hotkey.parts)

    def _key_names(self, key: Any) -> tuple[str, str | None]:
        """Our key name for a pynput key, and its base X keysym name (listener thread); unknown keys get a unique
        ``keysym:N`` name."""
        vk = getattr(key, "vk", None)
        if vk is None:
            vk = getattr(getattr(key, "value", None), "vk", None)
        if vk is None:
            char = getattr(key, "char", None)
            return f"char:{char}", None
        sym_name = None
        if self._lookup is not None:
            display = self._lookup.display
            while display.pending_events():  # keep the keymap cache current; never let events pile up
                event = display.next_event()
                if event.type == x11.X.MappingNotify:
                    display.refresh_keyboard_mapping(event)
            code = display.keysym_to_keycode(vk)
            base = display.keycode_to_keysym(code, 0) if code else 0
            sym_name = x11.keysym_name(base or vk)
        name = key_from_keysym_name(sym_name) if sym_name else None
        return name or f"keysym:{vk}", sym_name

    # -- pynput callbacks (listener thread): never block, never raise ---------------------------------------------
    def _on_press(self, key: Any) -> None:
        try:
            name, sym_name = self._key_names(key)
            call: Callable[[], None] | None = None
            with self._lock:
                if x11.INJECTING.is_set() and x11.INJECTING.consume_echo(sym_name, True):
                    return  # the echo of a key we typed
                if name in self._down:
                    return  # auto-repeat
                self._down.add(name)
                x11.HOTKEY_HELD.set(self._hotkey_keys_down())
                if x11.INJECTING.is_set() and not self._is_chord_key(name):
                    return  # most likely ours (a remapped scratch key); never let it cancel a dictation
                call = self._press_transition(name)
            if call is not None:
                self._call(call)
        except Exception:
            log.hotkey.exception("hotkey press handling failed")

    def _press_transition(self, name: str) -> Callable[[], None] | None:
        chord_key = self._is_chord_key(name)
        if self.mode is HotkeyMode.TOGGLE:
            if self.hotkey.is_modifier_only:
                self._tap_armed = chord_key and self._chord_held()
                return None
            return self._toggle() if chord_key and self._chord_held() else None
        if self._state is _State.IDLE:
            if chord_key and self._chord_held():
                self._state = _State.ACTIVE
                return self._on_start
        elif self._state is _State.ACTIVE and not chord_key and self.hotkey.is_modifier_only:
            self._state = _State.CANCELLED
            log.hotkey.info("%s was used in a shortcut; dictation cancelled", self.hotkey)
            return self._on_cancel
        return None

    def _on_release(self, key: Any) -> None:
        try:
            name, sym_name = self._key_names(key)
            call: Callable[[], None] | None = None
            with self._lock:
                if x11.INJECTING.is_set() and x11.INJECTING.consume_echo(sym_name, False):
                    return
                self._down.discard(name)
                x11.HOTKEY_HELD.set(self._hotkey_keys_down())
                call = self._release_transition(name)
                self._lock.notify_all()
            if call is not None:
                self._call(call)
        except Exception:
            log.hotkey.exception("hotkey release handling failed")

    def _toggle(self) -> Callable[[], None]:
        """Toggle mode: a press (or a clean tap of a modifier-only hotkey) starts or stops (listener thread)."""
        if self._state is _State.ACTIVE:
            self._state = _State.IDLE
            return self._on_stop
        self._state = _State.ACTIVE
        return self._on_start

    def _release_transition(self, name: str) -> Callable[[], None] | None:
        chord_key = self._is_chord_key(name)
        if self.mode is HotkeyMode.TOGGLE:
            if self.hotkey.is_modifier_only and self._tap_armed and chord_key:
                self._tap_armed = False
                return self._toggle()
            return None
        if self._state is _State.ACTIVE and chord_key:
            self._state = _State.IDLE
            return self._on_stop
        if self._state is _State.CANCELLED and not self._hotkey_keys_down():
            self._state = _State.IDLE
        return None

    def _call(self, callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception:
            log.hotkey.exception("hotkey callback %s raised", getattr(callback, "__name__", callback))


class _KeyGrabber:
    """Holds a passive XGrabKey of the hotkey's main key (with each NumLock/CapsLock combination) on its own thread."""

    def __init__(self, hotkey: Hotkey, display_name: str | None) -> None:
        self.hotkey = hotkey
        self._display_name = display_name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: x11.XConnection | None = None
        self._grabs: list[tuple[int, int]] = []
        # A grab mask cannot tell left from right. For a sided hotkey (ctrl_r+space) we grab synchronously and
        # replay the key to the focused window when the wrong side is held (Left Ctrl+Space stays a shortcut).
        self._sided = [m for m in hotkey.modifiers if m.endswith(("_l", "_r"))]
        self._sided_codes: list[set[int]] = []

    def start(self) -> None:
        """Grab (caller's thread), then drain events on a thread. Raises ``HotkeyError`` if the key is taken."""
        try:
            conn = x11.XConnection(self._display_name)
        except InjectionError as exc:
            raise HotkeyError(str(exc)) from exc
        self._conn = conn
        mask = 0
        for modifier in self.hotkey.modifiers:
            family = modifier.split("_")[0] if modifier != "alt_gr" else modifier
            sym = {"ctrl": "Control_L", "shift": "Shift_L", "alt": "Alt_L", "super": "Super_L",
                   "alt_gr": "ISO_Level3_Shift"}[family]
            bit = conn.modifier_mask(sym) or (conn.modifier_mask("Meta_L") if family == "alt" else 0)
            if not bit:
                conn.close()
                raise HotkeyError(f"The {family} key is not a modifier in this keyboard layout; choose another hotkey.")
            mask |= bit
        num_lock = conn.modifier_mask("Num_Lock")
        extras = {0, x11.X.LockMask, num_lock, x11.X.LockMask | num_lock}
        codes = {code for sym in keysym_names(self.hotkey.key) for code in conn.keycodes(conn.keysym(sym))}
        if not codes:
            conn.close()
            raise HotkeyError(f"The key {self.hotkey.key!r} is not on this keyboard layout; choose another hotkey.")
        from Xlib import error as xerror

        self._sided_codes = [{code for sym in keysym_names(m) for code in conn.keycodes(conn.keysym(sym))}
                             for m in self._sided]
        keyboard_mode = x11.X.GrabModeSync if self._sided else x11.X.GrabModeAsync
        catcher = xerror.CatchError(xerror.BadAccess)
        for code in sorted(codes):
            for extra in sorted(extras):
                conn.root.grab_key(code, mask | extra, False, x11.X.GrabModeAsync, keyboard_mode, onerror=catcher)
                self._grabs.append((code, mask | extra))
        conn.display.sync()
        if catcher.get_error():
            self._ungrab()
            conn.close()
            raise HotkeyError(f"{self.hotkey} is already taken by another program (a desktop shortcut?). "
                              "Choose another hotkey or free that shortcut.")
        self._thread = threading.Thread(target=self._run, name="hotkey-grab", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Release the grab and close the connection (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None

    def _decide(self, event: Any) -> None:
        """Grab thread, keyboard frozen by a synchronous grab: keep the key if the right sides are held, else replay
        it to the focused window as if there were no grab."""
        assert self._conn is not None
        down = self._conn.pressed_keycodes()
        ours = all(codes & down for codes in self._sided_codes)
        mode = x11.X.AsyncKeyboard if ours else x11.X.ReplayKeyboard
        self._conn.display.allow_events(mode, event.time)
        self._conn.display.flush()

    def _ungrab(self) -> None:
        assert self._conn is not None
        for code, modifiers in self._grabs:
            self._conn.root.ungrab_key(code, modifiers)
        self._grabs.clear()
        self._conn.display.sync()

    def _run(self) -> None:
        """Grab thread: discard the grabbed key events (pynput's listener reports them) until stopped."""
        assert self._conn is not None
        display = self._conn.display
        try:
            while not self._stop.is_set():
                select.select([display.fileno()], [], [], 0.05)
                while display.pending_events():
                    event = display.next_event()
                    # The grab stays active while the key is held (ending it would let auto-repeat presses leak
                    # to the focused window), so typing pauses meanwhile instead (x11.HOTKEY_HELD).
                    if self._sided and event.type == x11.X.KeyPress:
                        self._decide(event)
            self._ungrab()
        except Exception:
            log.hotkey.exception("hotkey grab thread failed")
        finally:
            self._conn.close()


if TYPE_CHECKING:  # mypy checks that the class satisfies the Protocol
    _listener_check: HotkeyListener = X11HotkeyListener("f9")
