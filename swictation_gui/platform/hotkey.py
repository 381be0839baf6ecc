"""The global push-to-talk hotkey on X11: raw chord events from a pynput (XRecord) listener, plus an XGrabKey.

Threads, and what each owns:

* the **hotkey thread** (``hotkey``) does the setup, owns the connection that holds the key grab, drains its events
  (a sided hotkey's synchronous grab is decided there), watches the pynput thread, and tears everything down after
  :meth:`X11HotkeyListener.stop`. It calls ``sink.ready`` and ``sink.failed``.
* the **pynput thread** receives every key event through XRecord. It owns the lookup connection (created, used and
  closed there) that turns keysyms into our key names, keeps the set of keys down, and calls ``sink.chord_down``,
  ``chord_up``, ``interrupted`` and ``cancel_key``.

``start``, ``stop`` and ``join`` may be called from any thread; only ``join`` blocks. Sink exceptions are logged to
``swictation.hotkey`` and never stop the listener. Hold, toggle and tap semantics belong to the receiver.
"""

from __future__ import annotations

import select
import threading
import time
from typing import TYPE_CHECKING, Any

from swictation_gui import log
from swictation_gui.errors import HotkeyError, InjectionError
from swictation_gui.platform import x11
from swictation_gui.platform.base import HotkeyListener, HotkeySink
from swictation_gui.platform.key_grab import HotkeyGrab
from swictation_gui.platform.keyboard_state import KeyboardState
from swictation_gui.platform.keys import (
    Hotkey,
    key_from_keysym_name,
    key_matches,
    keysym_names,
    parse_hotkey,
)

_READY_TIMEOUT = 10.0   # for pynput's XRecord connection


class X11HotkeyListener:
    """``HotkeyListener`` for X11 sessions (pynput + python-xlib).

    Args:
        hotkey: A spec such as ``"ctrl_r"`` or ``"ctrl+alt+space"`` (see ``keys.parse_hotkey``) or a ``Hotkey``.
        keyboard: The app's keyboard state, shared with the injectors: the listener tells it the hotkey's keys and
            whether they are held, and asks it which key events are the echo of our own typing.
        grab: Grab a hotkey that has a non-modifier key with XGrabKey, so the focused window never receives it.
            Modifier-only hotkeys are never grabbed (that would break every shortcut using the modifier).
        display_name: X display to use (default: ``$DISPLAY``).
        cancel_key: A key name ("esc") reported through ``sink.cancel_key`` when pressed while the chord is held:
            the chord's own grab then takes every key, so the cancel key's grab cannot see it.
    """

    def __init__(self, hotkey: str | Hotkey, keyboard: KeyboardState | None = None, *, grab: bool = True,
                 display_name: str | None = None, cancel_key: str | None = None) -> None:
        self.hotkey = parse_hotkey(hotkey) if isinstance(hotkey, str) else hotkey
        self.cancel_key = cancel_key
        self.keyboard = keyboard if keyboard is not None else KeyboardState()
        self.grab = grab and not self.hotkey.is_modifier_only
        self._display_name = display_name
        self._lock = threading.RLock()   # guards _sink; held during each sink call, so stop() waits for it
        self._sink: HotkeySink | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # pynput thread only:
        self._lookup: x11.XConnection | None = None
        self._lookup_error = ""
        self._down: set[str] = set()
        self._active = False
        self._interrupted = False
        self._grab_active = False   # the user pressed the chord's grabbed key: every key goes to our grab

    # -- HotkeyListener (any thread) ------------------------------------------------------------------------------
    def start(self, sink: HotkeySink) -> None:
        """Begin listening; returns at once. Errors arrive through ``sink.failed`` (once per listener)."""
        with self._lock:
            if self._thread is not None or self._stopping.is_set():
                return
            self._sink = sink
            self._thread = threading.Thread(target=self._run, name="hotkey", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop listening; the hotkey thread releases the grab. Returns at once; no sink call after it returns."""
        with self._lock:
            self._sink = None
        self._stopping.set()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the listener's threads to end (after ``stop``); True when they did."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _emit(self, name: str, *args: str) -> None:
        """Call one sink method unless stopped (hotkey or pynput thread); its exceptions are logged."""
        with self._lock:
            sink = self._sink
            if sink is None:
                return
            try:
                getattr(sink, name)(*args)
            except Exception:
                log.hotkey.exception("hotkey sink %s raised", name)

    # -- hotkey thread ----------------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._serve()
        except HotkeyError as exc:
            self._fail(str(exc))
        except Exception as exc:  # the X connection broke, or a bug: say so instead of dying silently
            log.hotkey.exception("hotkey thread failed")
            self._fail(f"The global hotkey stopped working ({type(exc).__name__}: {exc}). Restart the app, or "
                       "change the hotkey in Settings to try again.")
        finally:
            self.keyboard.clear_hotkey(self)

    def _fail(self, message: str) -> None:
        if not self._stopping.is_set():
            log.hotkey.warning("%s", message)
            self._emit("failed", message)
        with self._lock:
            self._sink = None

    def _serve(self) -> None:
        """Set up (grab, pynput), report ready, then drain the grab connection until stopped."""
        if not x11.x11_available():
            raise HotkeyError("The global hotkey needs an X11 session (DISPLAY is not set). On Wayland, run the app "
                              "under XWayland or bind a desktop shortcut instead.")
        try:
            from pynput import keyboard
        except Exception as exc:  # pynput raises ImportError subclasses and others when no backend works
            raise HotkeyError(f"The keyboard listener could not start: {exc}") from exc
        try:
            conn = x11.XConnection(self._display_name)
        except InjectionError as exc:
            raise HotkeyError(str(exc)) from exc
        grabber = HotkeyGrab(conn, self.hotkey)
        try:
            if self.grab and not grabber.take(self._stopping):
                return
            listener = self._new_pynput(keyboard.Listener)
            listener.start()
            try:
                if not self._wait_ready(listener):
                    return
                self.keyboard.set_hotkey(self, self._chord_keycodes(conn))
                log.hotkey.info("listening for %s%s", self.hotkey, " (grabbed)" if self.grab else "")
                self._emit("ready")
                while not self._stopping.is_set():
                    if not listener.is_alive():
                        raise HotkeyError("The keyboard listener stopped unexpectedly (the X connection was lost?). "
                                          "Restart the app to get the hotkey back.")
                    select.select([conn.display.fileno()], [], [], 0.05)
                    while conn.display.pending_events():
                        self._handle_grab_event(conn, grabber, conn.display.next_event())
            finally:
                self._stop_pynput(listener)
        finally:
            grabber.release()
            conn.close()

    def _handle_grab_event(self, conn: x11.XConnection, grabber: HotkeyGrab, event: Any) -> None:
        if event.type == x11.X.MappingNotify:  # the layout changed: the hotkey's keycodes may have moved
            conn.display.refresh_keyboard_mapping(event)
            self.keyboard.set_hotkey(self, self._chord_keycodes(conn))
        elif grabber.sided and event.type == x11.X.KeyPress:
            grabber.decide(event)
        # Other grabbed events are dropped: pynput reports them. The grab stays active while the key is held (ending
        # it would let auto-repeat presses leak to the focused window); the injector waits meanwhile.

    def _chord_keycodes(self, conn: x11.XConnection) -> set[int]:
        return {code for part in self.hotkey.parts for sym in keysym_names(part)
                for code in conn.keycodes(conn.keysym(sym))}

    def _new_pynput(self, base: Any) -> Any:
        """A pynput keyboard listener whose thread also owns our lookup connection."""
        owner = self

        class Listener(base):  # type: ignore[misc]  # pynput has no type hints
            def _run(self) -> None:
                owner._open_lookup()
                try:
                    super()._run()
                finally:
                    owner._close_lookup()

        listener = Listener(on_press=self._on_press, on_release=self._on_release)
        listener.daemon = True
        return listener

    def _wait_ready(self, listener: Any) -> bool:
        """Wait for pynput's XRecord context (hotkey thread); False when stopped meanwhile. pynput's own ``wait()``
        would block forever when its thread dies first (no RECORD extension)."""
        deadline = time.monotonic() + _READY_TIMEOUT
        while not getattr(listener, "_ready", True):
            if self._stopping.is_set():
                return False
            if not listener.is_alive() or time.monotonic() > deadline:
                detail = f": {self._lookup_error}" if self._lookup_error else ""
                raise HotkeyError(f"The keyboard listener could not start{detail} (does the X server have the "
                                  "RECORD extension?).")
            self._stopping.wait(0.01)
        return True

    def _stop_pynput(self, listener: Any) -> None:
        """Stop pynput's XRecord thread promptly (hotkey thread).

        pynput's own ``stop()`` sends the disable request on the recording connection, which only goes out with the
        next key event (so ``stop`` hangs until a key is pressed). Disabling the record context from a separate
        connection, as the RECORD extension intends, ends the thread at once.
        """
        context = getattr(listener, "_context", None)
        if context is not None:
            try:
                with x11.XConnection(self._display_name) as conn:
                    conn.display.record_disable_context(context)
                    conn.display.sync()
            except Exception:  # the server is gone: the thread ends by itself
                log.hotkey.debug("record_disable_context failed", exc_info=True)
            listener.join(2)
        if listener.is_alive():
            listener.stop()
            listener.join(2)

    # -- pynput thread ----------------------------------------------------------------------------------------------
    def _open_lookup(self) -> None:
        try:
            self._lookup = x11.XConnection(self._display_name)
        except InjectionError as exc:
            self._lookup_error = str(exc)
            raise

    def _close_lookup(self) -> None:
        if self._lookup is not None:
            self._lookup.close()
            self._lookup = None

    def _is_chord_key(self, name: str) -> bool:
        return any(key_matches(part, name) for part in self.hotkey.parts)

    def _hotkey_keys_down(self) -> bool:
        return any(self._is_chord_key(name) for name in self._down)

    def _chord_held(self) -> bool:
        """Every part of the hotkey is down and nothing else is."""
        if any(not self._is_chord_key(name) for name in self._down):
            return False
        return all(any(key_matches(part, name) for name in self._down) for part in self.hotkey.parts)

    def _key_names(self, key: Any) -> tuple[str, int | None]:
        """Our key name for a pynput key, and its base (unshifted) X keysym; unknown keys get a unique ``keysym:N``
        name."""
        vk = getattr(key, "vk", None)
        if vk is None:
            vk = getattr(getattr(key, "value", None), "vk", None)
        if vk is None:
            char = getattr(key, "char", None)
            return f"char:{char}", None
        sym_name, sym = None, None
        if self._lookup is not None:
            display = self._lookup.display
            while display.pending_events():  # keep the keymap cache current; never let events pile up
                event = display.next_event()
                if event.type == x11.X.MappingNotify:
                    display.refresh_keyboard_mapping(event)
            code = display.keysym_to_keycode(vk)
            sym = display.keycode_to_keysym(code, 0) if code else 0
            sym = sym or vk
            sym_name = x11.keysym_name(sym)
        name = key_from_keysym_name(sym_name) if sym_name else None
        return name or f"keysym:{vk}", sym

    def _on_press(self, key: Any) -> None:
        """pynput callback: never blocks, never raises."""
        try:
            name, sym = self._key_names(key)
            keyboard = self.keyboard
            if keyboard.is_injecting() and keyboard.consume_echo(sym, True, swallowed=self._grab_active):
                return  # the echo of a key we typed
            if name in self._down:
                return  # auto-repeat
            self._down.add(name)
            if self.grab and name == self.hotkey.key and self._chord_held():
                self._grab_active = True
            keyboard.set_held(self, self._hotkey_keys_down())
            chord_key = self._is_chord_key(name)
            if not chord_key:
                keyboard.note_user_press()  # counted even while injecting: "scratch that" errs towards refusing
            if keyboard.is_injecting() and not chord_key:
                return  # most likely ours (a remapped scratch key); never let it interrupt the chord
            if not self._active:
                if chord_key and self._chord_held():
                    self._active, self._interrupted = True, False
                    self._emit("chord_down")
            elif not chord_key and name == self.cancel_key:
                self._emit("cancel_key")
            elif not chord_key and not self._interrupted:
                self._interrupted = True
                log.hotkey.info("%s was used in a shortcut", self.hotkey)
                self._emit("interrupted")
        except Exception:
            log.hotkey.exception("hotkey press handling failed")

    def _on_release(self, key: Any) -> None:
        """pynput callback: never blocks, never raises."""
        try:
            name, sym = self._key_names(key)
            keyboard = self.keyboard
            if keyboard.is_injecting() and keyboard.consume_echo(sym, False):
                return
            self._down.discard(name)
            if name == self.hotkey.key:
                self._grab_active = False
            keyboard.set_held(self, self._hotkey_keys_down())
            if self._active and self._is_chord_key(name):
                self._active = False
                self._emit("chord_up")
        except Exception:
            log.hotkey.exception("hotkey release handling failed")


if TYPE_CHECKING:  # mypy checks that the class satisfies the Protocol
    _listener_check: HotkeyListener = X11HotkeyListener("f9")
