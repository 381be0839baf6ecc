"""Hotkey by reading the kernel's keyboard devices (``/dev/input/event*``): opt-in, works on every desktop.

It reads every key typed on every keyboard (that is why it is opt-in) and needs read access to the devices, i.e.
membership in the ``input`` group. Records are the kernel's ``struct input_event`` on 64-bit Linux: a ``timeval``
(two longs), ``type`` and ``code`` (unsigned shorts) and ``value`` (int), 24 bytes; only ``EV_KEY`` records count
(value 1 press, 0 release, 2 auto-repeat). Key codes are physical keys, named as on a US layout. Keys from all
keyboards count as one keyboard. The chord rules are the X11 listener's: ``chord_down`` when every chord key is down
and nothing else, ``interrupted`` once when another key goes down meanwhile (``cancel_key`` for the cancel key),
``chord_up`` when a chord key goes up; hold/toggle/cancel semantics stay the session's.

Threads: ``start`` returns at once; one listener thread opens the devices, reports ``ready`` (or ``failed`` with what
to do, or starts the ``fallback`` listener with the same sink) and then waits on them with ``select``. Stdlib only,
Qt-free.
"""

from __future__ import annotations

import errno
import glob
import os
import select
import struct
import threading
from collections.abc import Callable
from pathlib import Path

from swictation_gui import log
from swictation_gui.platform.base import HotkeyListener, HotkeySink, join_with_fallback
from swictation_gui.platform.keys import Hotkey, key_matches, parse_hotkey

EVENT = struct.Struct("@llHHi")  # struct input_event (64-bit): 24 bytes
EV_KEY = 1
_KEY_A = 30
_LETTERS = {**dict(zip("qwertyuiop", range(16, 26), strict=True)), **dict(zip("asdfghjkl", range(30, 39), strict=True)),
            **dict(zip("zxcvbnm", range(44, 51), strict=True))}
CODES: dict[int, str] = {
    1: "esc", 12: "minus", 13: "equal", 14: "backspace", 15: "tab", 26: "bracketleft", 27: "bracketright",
    28: "enter", 29: "ctrl_l", 39: "semicolon", 40: "apostrophe", 41: "grave", 42: "shift_l", 43: "backslash",
    51: "comma", 52: "period", 53: "slash", 54: "shift_r", 56: "alt_l", 57: "space", 58: "caps_lock",
    69: "num_lock", 70: "scroll_lock", 87: "f11", 88: "f12", 96: "enter", 97: "ctrl_r", 99: "print_screen",
    100: "alt_r", 102: "home", 103: "up", 104: "page_up", 105: "left", 106: "right", 107: "end", 108: "down",
    109: "page_down", 110: "insert", 111: "delete", 119: "pause", 125: "super_l", 126: "super_r", 127: "menu",
    **{code: name for name, code in _LETTERS.items()}, **{2 + i: str((i + 1) % 10) for i in range(10)},
    **{59 + i: f"f{i + 1}" for i in range(10)}, **{183 + i: f"f{13 + i}" for i in range(12)},
}
PERMISSION_FIX = ("add yourself to the input group (sudo usermod -aG input $USER, then log in again), or turn off "
                  "'Read the keyboards directly' in Settings → Hotkey")


def key_name(code: int) -> str:
    """Our key name for a Linux key code (``"code:N"`` for keys without one)."""
    return CODES.get(code, f"code:{code}")


def keyboards(root: str = "/sys/class/input") -> list[str]:
    """The ``/dev/input/event*`` devices whose key capabilities include the letter keys (keyboards, not mice)."""
    found = []
    for caps in sorted(glob.glob(f"{root}/event*/device/capabilities/key")):
        try:
            words = Path(caps).read_text(encoding="ascii").split()
        except OSError:
            continue
        bits = int("".join(f"{int(w, 16):016x}" for w in words) or "0", 16)  # words are 64-bit, highest first
        if bits >> _KEY_A & 1:
            found.append(f"/dev/input/{Path(caps).parents[2].name}")
    return found


def probe(devices: list[str] | None = None) -> str:
    """Why the keyboards cannot be read ("" when at least one can), for the chain and ``doctor``."""
    paths = keyboards() if devices is None else devices
    if not paths:
        return "no keyboard devices under /dev/input"
    if any(os.access(p, os.R_OK) for p in paths):
        return ""
    return f"no permission to read {', '.join(paths[:3])}"


class ChordTracker:
    """The chord rules over key names (see the module docstring); calls ``emit`` with sink method names."""

    def __init__(self, hotkey: Hotkey, cancel_key: str | None, emit: Callable[[str], None]) -> None:
        self.hotkey = hotkey
        self.cancel_key = cancel_key
        self.emit = emit
        self.down: set[str] = set()
        self.active = False
        self.interrupted = False

    def _chord_key(self, name: str) -> bool:
        return any(key_matches(part, name) for part in self.hotkey.parts)

    def _held(self) -> bool:
        return all(self._chord_key(n) for n in self.down) and all(
            any(key_matches(part, n) for n in self.down) for part in self.hotkey.parts)

    def press(self, name: str) -> None:
        """A key went down (auto-repeat is ignored by the caller and here)."""
        if name in self.down:
            return
        self.down.add(name)
        chord_key = self._chord_key(name)
        if not self.active:
            if chord_key and self._held():
                self.active, self.interrupted = True, False
                self.emit("chord_down")
        elif not chord_key and name == self.cancel_key:
            self.emit("cancel_key")
        elif not chord_key and not self.interrupted:
            self.interrupted = True
            self.emit("interrupted")

    def release(self, name: str) -> None:
        """A key went up."""
        self.down.discard(name)
        if self.active and self._chord_key(name):
            self.active = False
            self.emit("chord_up")


class EvdevHotkeyListener:
    """``HotkeyListener`` over ``/dev/input`` keyboards (see the module docstring).

    Args:
        hotkey: The hotkey spec.
        cancel_key: Reported through ``sink.cancel_key`` when pressed while the chord is held.
        devices: Device files to read (default: every keyboard found in ``/sys/class/input``).
        fallback: Started with the same sink when no device can be read (None: report ``failed``).
    """

    def __init__(self, hotkey: str, cancel_key: str | None = None, devices: list[str] | None = None,
                 fallback: HotkeyListener | None = None) -> None:
        self.hotkey = parse_hotkey(hotkey)
        self.devices = devices
        self.fallback = fallback
        self._tracker = ChordTracker(self.hotkey, cancel_key, self._emit)
        self._lock = threading.Lock()  # held for each sink call: after stop() returns no call follows
        self._sink: HotkeySink | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._using_fallback = False

    def start(self, sink: HotkeySink) -> None:
        """Begin listening on the listener thread; returns at once (any thread)."""
        self._sink = sink
        self._thread = threading.Thread(target=self._run, name="evdev-hotkey", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (any thread, idempotent); the thread ends within 0.2 s."""
        with self._lock:
            self._stop.set()
            self._sink = None
            if self._using_fallback and self.fallback is not None:
                self.fallback.stop()

    def join(self, timeout: float) -> bool:
        """Wait for the listener thread (and the fallback's) to end."""
        return join_with_fallback(self._thread, self.fallback if self._using_fallback else None, timeout)

    def _emit(self, name: str, *args: str) -> None:
        with self._lock:
            if self._sink is not None and not self._stop.is_set():
                try:
                    getattr(self._sink, name)(*args)
                except Exception:
                    log.hotkey.exception("hotkey sink %s raised", name)

    # ----------------------------------------------------------------- listener thread

    def _run(self) -> None:
        paths = keyboards() if self.devices is None else self.devices
        fds: dict[int, str] = {}
        denied: list[str] = []
        for path in paths:
            try:
                fds[os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)] = path
            except PermissionError:
                denied.append(path)
            except OSError as exc:
                log.hotkey.info("cannot open %s: %s", path, exc)
        if not fds:
            why = (f"no permission to read {', '.join(denied[:3])}: {PERMISSION_FIX}" if denied
                   else "no keyboard devices were found under /dev/input")
            self._setup_failed(f"Reading the keyboards directly (evdev) does not work here: {why}.")
            return
        log.hotkey.info("evdev hotkey %s: reading %s", self.hotkey, ", ".join(fds.values()))
        self._emit("ready")
        try:
            self._serve(fds)
        finally:
            for fd in fds:
                os.close(fd)

    def _setup_failed(self, message: str) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            if self.fallback is None:
                sink, self._sink = self._sink, None
                if sink is not None:
                    sink.failed(message)
                return
            log.hotkey.warning("%s Using the next hotkey backend.", message)
            self._using_fallback = True
            if self._sink is not None:
                self.fallback.start(self._sink)

    def _serve(self, fds: dict[int, str]) -> None:
        pending = {fd: b"" for fd in fds}
        while not self._stop.is_set() and pending:
            ready, _, _ = select.select(list(pending), [], [], 0.2)
            for fd in ready:
                try:
                    data = os.read(fd, EVENT.size * 64)
                except BlockingIOError:
                    continue
                except OSError as exc:  # ENODEV: the keyboard was unplugged
                    data = b""
                    if exc.errno != errno.ENODEV:
                        log.hotkey.warning("reading %s failed: %s", fds[fd], exc)
                if not data:
                    log.hotkey.info("%s is gone", fds[fd])
                    del pending[fd]
                    continue
                buffer = pending[fd] + data
                whole = len(buffer) - len(buffer) % EVENT.size
                for _sec, _usec, kind, code, value in EVENT.iter_unpack(buffer[:whole]):
                    if kind == EV_KEY and value in (0, 1):
                        (self._tracker.press if value else self._tracker.release)(key_name(code))
                pending[fd] = buffer[whole:]
        if not pending and not self._stop.is_set():
            self._emit("failed", "Every keyboard device went away; the evdev hotkey stopped. Restart the app to "
                       "read the keyboards again.")
