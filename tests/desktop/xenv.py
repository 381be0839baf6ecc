"""A private Xvfb display for tests: start/stop, keymap reset, tray host, windows, key events, clipboard.

Everything here runs on the test's main thread and talks to the X server only through command-line tools
(xdotool, setxkbmap, xclip, xwininfo), so the code under test and the test harness never share a connection.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

REQUIRED_TOOLS = ("Xvfb", "xdotool", "setxkbmap", "xclip")

# Modifier keysyms a test may leave down by accident; released before each test.
MODIFIER_KEYSYMS = ("Control_L", "Control_R", "Alt_L", "Alt_R", "Shift_L", "Shift_R", "Super_L", "Super_R",
                    "ISO_Level3_Shift")


def missing_tools() -> list[str]:
    """Names of the X tools this module needs that are not installed."""
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]


def wait_for(predicate: Callable[[], T], timeout: float, interval: float = 0.02) -> T | None:
    """Poll ``predicate`` until it returns a truthy value (returned) or ``timeout`` seconds pass (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


class XvfbError(RuntimeError):
    """The virtual display could not be started."""


class XDisplay:
    """One running Xvfb server (display number chosen by Xvfb itself via ``-displayfd``).

    Use :func:`start_xvfb` to create one and :meth:`close` (or the ``with`` statement) to stop it together with
    every helper process started through it (trayer, clipboard owners exit when the server goes away).
    """

    def __init__(self, proc: subprocess.Popen[bytes], name: str) -> None:
        self.proc = proc
        self.name = name  # ":5"
        self.env = {**os.environ, "DISPLAY": name, "QT_QPA_PLATFORM": "xcb"}
        self.env.pop("WAYLAND_DISPLAY", None)
        self._helpers: list[subprocess.Popen[bytes]] = []

    # -- lifetime ---------------------------------------------------------------------------------------------
    def __enter__(self) -> XDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop helpers, then the server (idempotent)."""
        for helper in reversed(self._helpers):
            _terminate(helper)
        self._helpers.clear()
        _terminate(self.proc)

    # -- running tools ----------------------------------------------------------------------------------------
    def run(self, *args: str, timeout: float = 10, check: bool = True,
            input_bytes: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run a command against this display and wait for it (captures output)."""
        return subprocess.run(list(args), env=self.env, capture_output=True, timeout=timeout, check=check,
                              input=input_bytes)

    def spawn(self, args: Sequence[str], **kwargs: object) -> subprocess.Popen[bytes]:
        """Start a helper process on this display; it is stopped by :meth:`close`."""
        proc: subprocess.Popen[bytes] = subprocess.Popen(list(args), env=self.env, **kwargs)  # type: ignore[call-overload]
        self._helpers.append(proc)
        return proc

    def xdotool(self, *args: str) -> str:
        """Run xdotool with ``args``; returns its stdout."""
        return self.run("xdotool", *args).stdout.decode()

    # -- keyboard ---------------------------------------------------------------------------------------------
    def reset_keymap(self) -> None:
        """A known-clean US keymap (undoes keycodes borrowed by typing tools) and no held modifiers."""
        self.run("setxkbmap", "-layout", "us")
        self.key_up(*MODIFIER_KEYSYMS)

    def key_down(self, *keys: str) -> None:
        """Press (and keep down) each key, in order (xdotool names: ctrl, Control_R, space, F9, c…)."""
        for key in keys:
            self.xdotool("keydown", key)

    def key_up(self, *keys: str) -> None:
        """Release each key, in order."""
        for key in keys:
            self.xdotool("keyup", key)

    def key_tap(self, *keys: str) -> None:
        """Press and release each key (or chord like ``ctrl+shift+v``)."""
        for key in keys:
            self.xdotool("key", "--clearmodifiers", key)

    def xtest_key(self, keysym_name: str, press: bool) -> None:
        """Press or release exactly one key with XTest (xdotool adds a left modifier to ``Control_R``)."""
        from Xlib import XK, X
        from Xlib import display as xdisplay
        from Xlib.ext import xtest

        disp = xdisplay.Display(self.name)
        try:
            code = disp.keysym_to_keycode(XK.string_to_keysym(keysym_name))
            if not code:
                raise ValueError(f"no keycode for {keysym_name}")
            xtest.fake_input(disp, X.KeyPress if press else X.KeyRelease, code)
            disp.sync()
        finally:
            disp.close()

    def keys_down(self) -> set[str]:
        """Names of keysyms whose keys the server believes are down right now (via ``xdotool`` is not possible,
        so this uses python-xlib's query_keymap)."""
        from Xlib import XK
        from Xlib import display as xdisplay

        disp = xdisplay.Display(self.name)
        try:
            keymap = disp.query_keymap()
            names: set[str] = set()
            for byte_index, byte in enumerate(keymap):
                for bit in range(8):
                    if byte & (1 << bit):
                        keysym = disp.keycode_to_keysym(byte_index * 8 + bit, 0)
                        names.add(XK.keysym_to_string(keysym) or str(keysym))
            return names
        finally:
            disp.close()

    # -- windows ----------------------------------------------------------------------------------------------
    def find_window(self, name: str, timeout: float = 15) -> int:
        """The id of a visible window whose title matches the regex ``name``; raises TimeoutError."""
        def search() -> int | None:
            result = self.run("xdotool", "search", "--onlyvisible", "--name", name, check=False)
            ids = result.stdout.split()
            return int(ids[0]) if ids else None
        wid = wait_for(search, timeout, 0.05)
        if wid is None:
            raise TimeoutError(f"no window named {name!r} appeared within {timeout} s")
        return wid

    def focus(self, wid: int) -> None:
        """Give ``wid`` the X input focus and wait until the server reports it (works without a WM)."""
        self.xdotool("windowfocus", "--sync", str(wid))
        if wait_for(lambda: self.focused_window() == wid, 5) is None:
            raise TimeoutError(f"window {wid} did not get the focus")

    def focused_window(self) -> int:
        """The window that has the input focus."""
        return int(self.xdotool("getwindowfocus").strip() or 0)

    # -- clipboard --------------------------------------------------------------------------------------------
    def clipboard_get(self, selection: str = "clipboard") -> str | None:
        """The selection's UTF-8 text (None when nobody owns it or it has no text)."""
        result = self.run("xclip", "-o", "-selection", selection, "-t", "UTF8_STRING", check=False, timeout=5)
        return result.stdout.decode("utf-8") if result.returncode == 0 else None

    def clipboard_set(self, text: str, selection: str = "clipboard") -> None:
        """Make a background xclip own the selection with ``text`` and wait until it is readable."""
        subprocess.run(["xclip", "-i", "-selection", selection], env=self.env, input=text.encode("utf-8"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=5, check=True)
        if wait_for(lambda: self.clipboard_get(selection) == text, 5) is None:
            raise TimeoutError(f"clipboard did not take {text!r}")

    def clipboard_clear(self, selection: str = "CLIPBOARD") -> None:
        """Leave the selection without an owner (an empty clipboard)."""
        from Xlib import X
        from Xlib import display as xdisplay
        from Xlib.protocol import request

        disp = xdisplay.Display(self.name)
        try:
            atom = disp.intern_atom(selection)
            request.SetSelectionOwner(display=disp.display, window=X.NONE, selection=atom, time=X.CurrentTime)
            disp.sync()
        finally:
            disp.close()
        if wait_for(lambda: self.clipboard_get(selection.lower()) is None, 5) is None:
            raise TimeoutError("the clipboard still has an owner")

    # -- tray -------------------------------------------------------------------------------------------------
    def start_tray(self) -> subprocess.Popen[bytes]:
        """Start trayer (an XEmbed system tray host) and wait for its panel window."""
        if shutil.which("trayer") is None:
            raise XvfbError("trayer is not installed")
        proc = self.spawn(["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "200",
                           "--height", "32", "--transparent", "false"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def panel_up() -> bool:
            tree = self.run("xwininfo", "-root", "-tree", check=False).stdout
            return b'"panel"' in tree
        if not wait_for(panel_up, 10, 0.05):
            raise XvfbError("trayer's panel window did not appear")
        return proc


def start_xvfb(width: int = 1280, height: int = 800, timeout: float = 15) -> XDisplay:
    """Start Xvfb (``-noreset``) on a free display number (``-displayfd``), wait until it answers, set a US keymap."""
    if missing := missing_tools():
        raise XvfbError(f"missing X tools: {', '.join(missing)}")
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp",
             # -noreset: without it Xvfb resets whenever its last client disconnects, and a client connecting
             # during that reset is dropped ("Connection reset by peer"), which makes tests flaky.
             "-noreset"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    finally:
        os.close(write_fd)
    try:
        number = _read_display_number(read_fd, timeout)
    except BaseException:
        _terminate(proc)
        raise
    finally:
        os.close(read_fd)
    disp = XDisplay(proc, f":{number}")
    try:
        disp.run("setxkbmap", "-layout", "us")
    except BaseException:
        disp.close()
        raise
    return disp


def _read_display_number(fd: int, timeout: float) -> int:
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise XvfbError("Xvfb did not report a display number")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 64)
            if not chunk:
                raise XvfbError("Xvfb exited before reporting a display number")
            data += chunk
    return int(data.strip())


def _terminate(proc: subprocess.Popen[bytes], timeout: float = 5) -> None:
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
    except ProcessLookupError:
        pass
