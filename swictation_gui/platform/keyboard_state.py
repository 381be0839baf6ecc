"""One shared record of the keyboard as this process sees it: the hotkey's keys, our own synthetic keys, scratch keys.

The app creates one :class:`KeyboardState` and passes it to the hotkey listener and to every injector. It answers the
three questions they share: which keys would spoil what we send (the hotkey's keys and any modifier), is a key event
the echo of one we sent, and which spare keycodes we bound for typing. It is also the only place that sends a key
chord: :meth:`KeyboardState.try_send` checks and sends under one server grab, so a key pressed by any other client
cannot land between the check and the send.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Iterable, Iterator

from swictation_gui import log
from swictation_gui.platform import x11


class KeyboardState:
    """Keyboard facts shared by the hotkey listener (its threads) and the injector (the injector thread).

    Args:
        serialize: Grab the X server around each check-and-send (the default). ``False`` leaves the gap between
            the check and the send open, as before this class existed; only for measuring the race.
    """

    GRACE = 0.3      # synthetic events reach the listener asynchronously (XRecord): still ours this long after
    ECHO_TTL = 2.0   # forget a sent key whose echo never came after this long

    def __init__(self, serialize: bool = True) -> None:
        self.serialize = serialize
        self.scratch = ScratchKeys()
        self._cond = threading.Condition()
        self._injecting = 0
        self._cleared_at = float("-inf")
        self._sent: collections.deque[tuple[int, bool, float, int]] = collections.deque()
        self._token = 0
        self._swallowed: set[int] = set()
        self._hotkey_owner: object | None = None
        self._hotkey_codes: frozenset[int] = frozenset()
        self._held = False
        self._user_presses = 0

    # -- the hotkey listener's side (listener threads) ------------------------------------------------------------
    def set_hotkey(self, owner: object, keycodes: Iterable[int]) -> None:
        """``owner`` (a listener) now listens for a hotkey on ``keycodes``, or its keycodes moved (listener thread)."""
        with self._cond:
            if self._hotkey_owner is not owner:
                self._hotkey_owner, self._held = owner, False
            self._hotkey_codes = frozenset(keycodes)
            self._cond.notify_all()

    def clear_hotkey(self, owner: object) -> None:
        """``owner`` stopped listening; ignored when another listener has taken over since (listener thread)."""
        with self._cond:
            if self._hotkey_owner is owner:
                self._hotkey_owner, self._hotkey_codes, self._held = None, frozenset(), False
                self._cond.notify_all()

    def set_held(self, owner: object, held: bool) -> None:
        """The listener saw a hotkey key go down (True) or every hotkey key come up (False) (listener thread)."""
        with self._cond:
            if self._hotkey_owner is owner:
                self._held = held
                self._cond.notify_all()

    def is_injecting(self) -> bool:
        """Whether synthetic events from this process may still be arriving at the listener (any thread)."""
        return self._injecting > 0 or time.monotonic() - self._cleared_at < self.GRACE

    def consume_echo(self, keysym: int | None, press: bool, swallowed: bool = False) -> bool:
        """True when this event is the echo of a key we sent; it is then forgotten (listener thread).

        ``swallowed``: the listener saw this press arrive while the hotkey's grab was active (the user's press was
        processed first), so the grab took it and the focused window never got it (see :meth:`swallowed`).
        """
        if not keysym:
            return False
        with self._cond:
            self._forget_old_echoes()
            for i, (sent, was_press, _, token) in enumerate(self._sent):
                if sent == keysym and was_press == press:
                    del self._sent[i]
                    if swallowed and press:
                        self._swallowed.add(token)
                    self._cond.notify_all()
                    return True
        return False

    def note_user_press(self) -> None:
        """The user pressed a key that is not part of the hotkey (listener thread; for "scratch that")."""
        with self._cond:
            self._user_presses += 1

    def user_presses(self) -> int | None:
        """How many non-hotkey keys the user has pressed so far; None while no listener watches (any thread)."""
        with self._cond:
            return self._user_presses if self._hotkey_owner is not None else None

    # -- the injector's side (injector thread) --------------------------------------------------------------------
    @contextlib.contextmanager
    def injecting(self) -> Iterator[None]:
        """Marks a stretch of synthetic input, so the listener never mistakes it for the user (injector thread)."""
        with self._cond:
            self._injecting += 1
        try:
            yield
        finally:
            with self._cond:
                self._injecting -= 1
                self._cleared_at = time.monotonic()

    def blocking_keys(self, conn: x11.XConnection) -> set[int]:
        """Keycodes down on the server now that would spoil a synthetic key: the hotkey's (its grab would take the
        key) and every modifier (it would turn the key into a shortcut). One round trip (injector thread)."""
        return conn.pressed_keycodes() & (self._hotkey_codes | conn.modifier_keycodes())

    def wait_keys_up(self, conn: x11.XConnection, timeout: float) -> set[int]:
        """Block until no blocking key (see :meth:`blocking_keys`) is down; the keycodes still down when it gives up.

        Waits as long as the listener reports the hotkey held (the user is dictating the next utterance), and at
        most ``timeout`` seconds for anything else (a stuck modifier). Returns an empty set once all are up
        (injector thread).
        """
        deadline = time.monotonic() + timeout
        while True:
            down = self.blocking_keys(conn)
            if not down or (time.monotonic() >= deadline and not self._held):
                return down
            with self._cond:
                self._cond.wait(0.01)

    def swallowed(self, tokens: list[int], timeout: float) -> set[int]:
        """Which of the key presses ``tokens`` (from :meth:`try_send`, oldest first) went to the hotkey's grab
        instead of the focused window (injector thread).

        Waits up to ``timeout`` seconds for the listener to see the last one's echo (echoes arrive in order); empty
        at once when no listener runs. This covers the one gap the server grab cannot close: a press from a real
        keyboard processed by the server between our check and our key; the listener sees that order exactly.
        """
        if not tokens:
            return set()
        last, deadline = tokens[-1], time.monotonic() + timeout
        with self._cond:
            while (self._hotkey_owner is not None and any(entry[3] == last for entry in self._sent)
                   and time.monotonic() < deadline):
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            found = self._swallowed.intersection(tokens)
            self._swallowed -= found
            return found

    def _forget_old_echoes(self) -> None:
        """Drop sent keys whose echo never came (no listener, or it missed them); caller holds the lock."""
        now = time.monotonic()
        while self._sent and now - self._sent[0][2] > self.ECHO_TTL:
            self._sent.popleft()

    def try_send(self, conn: x11.XConnection, keycode: int, modifiers: Iterable[int] = (),
                 keysym: int | None = None) -> int | None:
        """Press ``modifiers``, tap ``keycode``, release the modifiers, unless a blocking key is down: then send
        nothing and return None; otherwise the token of the key's press (injector thread; inside :meth:`injecting`).

        The check and the send run under one server grab: the server handles no other client's request (an
        XTest press from xdotool, a second connection) in between, so the result of the check still holds when
        the keys are processed.
        """
        mods = list(modifiers)
        display = conn.display
        if self.serialize:
            display.grab_server()
        try:
            if self.blocking_keys(conn):
                return None
            for code in mods:
                self.fake_key(conn, code, True)
            token = self.fake_key(conn, keycode, True, keysym)
            self.fake_key(conn, keycode, False, keysym)
            for code in reversed(mods):
                self.fake_key(conn, code, False)
            return token
        finally:
            if self.serialize:
                display.ungrab_server()
            display.flush()

    def fake_key(self, conn: x11.XConnection, keycode: int, press: bool, keysym: int | None = None) -> int:
        """Send one XTest event, noted by its keysym so the listener can recognize its echo; returns its token
        (injector thread). ``keysym``: what a spare keycode was just bound to (python-xlib's keymap cache of this
        connection does not see our own rebinding); otherwise the key's unshifted keysym."""
        sym = keysym or conn.display.keycode_to_keysym(keycode, 0)
        with self._cond:
            self._token += 1
            token = self._token
            self._forget_old_echoes()
            if sym:
                self._sent.append((sym, press, time.monotonic(), token))
        conn.fake_key(keycode, press)
        return token


class ScratchKeys:
    """Spare keycodes bound to characters missing from the layout, unbound again a while after the last typing.

    The unbinding waits :attr:`RESTORE_AFTER` seconds so that a slow target still translates the keys it has queued
    with the mapping they were typed with. All methods may run on any thread.
    """

    RESTORE_AFTER = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_use: set[int] = set()
        self._timer: threading.Timer | None = None
        self._generation = 0   # bumped by every typing run, so an older timer never unbinds keys in use

    def begin(self) -> None:
        """A typing run starts: keep the current bindings (injector thread)."""
        with self._lock:
            self._generation += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def in_use(self) -> set[int]:
        """The keycodes we bound and have not unbound yet."""
        with self._lock:
            return set(self._in_use)

    def add(self, keycode: int) -> None:
        """``keycode`` was bound by us (injector thread)."""
        with self._lock:
            self._in_use.add(keycode)

    def schedule_restore(self, display_name: str) -> None:
        """Unbind our keycodes after :attr:`RESTORE_AFTER` seconds unless typing starts again (injector thread)."""
        with self._lock:
            if not self._in_use:
                return
            self._timer = threading.Timer(self.RESTORE_AFTER, self._restore, args=(display_name, self._generation))
            self._timer.daemon = True
            self._timer.start()

    def _restore(self, display_name: str, generation: int) -> None:
        """Timer thread: map our keycodes back to nothing (unless a new typing run started meanwhile)."""
        with self._lock:
            codes = sorted(self._in_use)
            if not codes or generation != self._generation:
                return
            try:
                with x11.XConnection(display_name) as conn:
                    width = len(conn.display.get_keyboard_mapping(codes[0], 1)[0])
                    for code in codes:
                        conn.display.change_keyboard_mapping(code, [[0] * width])
                    conn.display.sync()
                self._in_use.clear()
            except Exception:
                log.injection.debug("could not unbind scratch keycodes", exc_info=True)
