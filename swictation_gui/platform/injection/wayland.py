"""Text output into native Wayland windows: ``wtype`` (virtual-keyboard protocol) and paste through ``wl-copy``.

Typing: ``wtype`` uploads a keymap holding every character of the text and types it, so any Unicode text arrives
exactly (wlroots compositors such as sway and Hyprland, and KDE). A fresh virtual keyboard's first key is dropped by
some clients until they have processed its keymap, so ``wtype`` waits ``keymap_delay`` before the first key.

Pasting: the clipboard is cleared, ``wl-copy --paste-once`` offers the text, ``wtype`` sends Ctrl+V; when ``wl-copy``
exits, the focused window has read the text (the one request it serves), and only then is the previous clipboard
text put back, and only if nobody copied something else meanwhile (the clipboard is then empty again). No request
within ``paste_timeout``: the paste was not taken, the text is left on the clipboard and the result says so.

What can be checked: ``wtype`` failing (no virtual-keyboard protocol, as on GNOME) and, on sway, that a window of
another program has the keyboard focus (``swaymsg -t get_tree``); keys sent with no focused window would go nowhere,
and into the app's own status window they would be lost. A window that has the focus but ignores keys cannot be
detected. Terminals (known by their app_id on sway) get Ctrl+Shift+V.

Held keys: Wayland shows no global key state to clients, so unlike X11 the injector cannot wait for the hotkey.
With compositor bindings the stop command comes from the release binding, i.e. after the key is up; modifiers a
user still holds belong to the physical keyboard, while ``wtype`` types through its own virtual keyboard with its own
modifier state (wlroots). Runs on the injection worker thread.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

from swictation_gui import log
from swictation_gui.errors import InjectionError
from swictation_gui.platform import x11
from swictation_gui.platform.base import Clipboard, InjectionMethod, InjectionResult
from swictation_gui.platform.clipboard import create_clipboard
from swictation_gui.platform.injection.common import clean_text, keep_for_user

_RUN_TIMEOUT = 30.0
_TEXT_TYPE = "text/plain;charset=utf-8"


def sway_focus(timeout: float = 3.0) -> tuple[str, str] | None:
    """On sway: (why typing would be lost, "" when another program's window has the focus; that window's app_id);
    None when this is not sway or swaymsg cannot tell. Worker thread."""
    if not os.environ.get("SWAYSOCK") or shutil.which("swaymsg") is None:
        return None
    try:
        out = subprocess.run(["swaymsg", "-r", "-t", "get_tree"], capture_output=True, timeout=timeout, check=True)
        tree = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.get("focused"):
            app_id = str(node.get("app_id") or (node.get("window_properties") or {}).get("class") or "")
            if node.get("type") not in ("con", "floating_con"):
                return "no window has the keyboard focus", ""
            if node.get("pid") == os.getpid():
                return "swictation-gui's own window has the keyboard focus: click the window to type into first", ""
            return "", app_id
        stack += node.get("nodes", []) + node.get("floating_nodes", [])
    return "no window has the keyboard focus", ""


def paste_chord(app_id: str) -> list[str]:
    """wtype arguments for the paste shortcut: Ctrl+Shift+V in terminals (by app_id), else Ctrl+V."""
    if app_id and x11.is_terminal_class([app_id]):
        return ["-M", "ctrl", "-M", "shift", "-k", "v", "-m", "shift", "-m", "ctrl"]
    return ["-M", "ctrl", "-k", "v", "-m", "ctrl"]


class WaylandInjector:
    """``TextInjector`` for native Wayland windows through ``wtype`` and ``wl-copy``.

    Args:
        method: ``type`` (wtype), ``paste`` (wl-copy + Ctrl+V through wtype) or ``auto`` (type; texts longer than
            ``auto_type_max`` are pasted, and typed where the paste is not taken: wtype needs about 5 ms per
            character on headless sway, a paste about 165 ms whatever the length; see benchmarks/wayland_inject.py).
        clipboard: For saving/restoring and the fallback (default: ``create_clipboard()``, wl-clipboard here).
        keymap_delay: Seconds ``wtype`` waits after uploading its keymap, before the first key.
        paste_timeout: How long the focused window has to read a paste.
        check_focus: Ask the compositor (sway) whether a window has the focus before sending keys.
    """

    def __init__(self, method: InjectionMethod = InjectionMethod.AUTO, clipboard: Clipboard | None = None,
                 keymap_delay: float = 0.12, paste_timeout: float = 3.0, auto_type_max: int = 80,
                 check_focus: bool = True) -> None:
        self.method = method
        self._clipboard = clipboard
        self.keymap_delay = keymap_delay
        self.paste_timeout = paste_timeout
        self.auto_type_max = auto_type_max
        self.check_focus = check_focus

    @property
    def clipboard(self) -> Clipboard:
        """The clipboard (made on first use, on the worker thread)."""
        if self._clipboard is None:
            self._clipboard = create_clipboard("wl-clipboard")
        return self._clipboard

    def inject(self, text: str) -> InjectionResult:
        """Deliver ``text`` to the focused Wayland window (worker thread); never raises."""
        text = clean_text(text)
        paste = self.method is InjectionMethod.PASTE or (
            self.method is InjectionMethod.AUTO and len(text) > self.auto_type_max)
        method = InjectionMethod.PASTE.value if paste else InjectionMethod.TYPE.value
        if not text:
            return InjectionResult(ok=True, method=method)
        try:
            problem, app_id = (sway_focus() if self.check_focus else None) or ("", "")
            if problem:
                raise InjectionError(problem)
            if not paste:
                self._wtype(["-"], text)
                log.injection.info("typed %d characters with wtype", len(text))
                return InjectionResult(ok=True, method=method)
            if self._paste(text, app_id):
                log.injection.info("pasted %d characters with wl-copy + Ctrl+V", len(text))
                return InjectionResult(ok=True, method=method)
            if self.method is InjectionMethod.AUTO:
                log.injection.info("the focused window did not take the paste; typing instead")
                self._wtype(["-"], text)
                return InjectionResult(ok=True, method=InjectionMethod.TYPE.value)
            return InjectionResult(ok=False, method=method, message=(
                "The focused window did not take the pasted text (Ctrl+V). The text is on the clipboard: "
                "paste it yourself."))
        except Exception as exc:  # never raise into the session: report and keep the text for the user
            log.injection.warning("Wayland injection failed: %s", exc)
            return self._fail(method, text, exc)

    def _wtype(self, args: list[str], stdin: str | None = None) -> None:
        """Run wtype (after the keymap delay); raises ``InjectionError`` with wtype's own message on failure."""
        cmd = ["wtype", "-s", str(round(self.keymap_delay * 1000)), *args]
        try:
            proc = subprocess.run(cmd, input=(stdin or "").encode("utf-8"), capture_output=True,
                                  timeout=_RUN_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InjectionError(f"wtype could not run: {exc}") from exc
        if proc.returncode != 0:
            detail = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
            raise InjectionError(f"wtype failed: {detail}")

    def _paste(self, text: str, app_id: str) -> bool:
        """Paste ``text`` with Ctrl+V (Ctrl+Shift+V in a terminal); True once the focused window read it (then the
        old clipboard is back)."""
        previous = self.clipboard.get_text()
        subprocess.run(["wl-copy", "--clear"], capture_output=True, timeout=_RUN_TIMEOUT, check=False)
        server = subprocess.Popen(["wl-copy", "--foreground", "--paste-once", "--type", _TEXT_TYPE],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert server.stdin is not None
            server.stdin.write(text.encode("utf-8"))
            server.stdin.close()
            if not self._offered(server):
                raise InjectionError("wl-copy could not take the clipboard")
            self._wtype(paste_chord(app_id))
            try:
                server.wait(self.paste_timeout)
            except subprocess.TimeoutExpired:
                return self._unread(server, text)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait(5)
        if self._clipboard_types():
            log.injection.info("clipboard changed during the paste; not restoring the previous clipboard")
        elif previous is not None:
            self.clipboard.set_text(previous)
        else:
            self.clipboard.set_text(text)  # nothing to restore: leave the transcript, as on X11
        return True

    def _offered(self, server: subprocess.Popen[bytes]) -> bool:
        """Wait until the clipboard offers our text (``wl-paste --list-types`` lists types without reading)."""
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            if server.poll() is not None:
                return False
            if self._clipboard_types():
                return True
            time.sleep(0.02)
        return False

    def _unread(self, server: subprocess.Popen[bytes], text: str) -> bool:
        """The paste was not read: stop our one-shot offer and leave the text on the clipboard for the user."""
        server.kill()
        server.wait(5)
        self.clipboard.set_text(text)
        return False

    @staticmethod
    def _clipboard_types() -> bool:
        proc = subprocess.run(["wl-paste", "--list-types"], capture_output=True, timeout=_RUN_TIMEOUT, check=False)
        return proc.returncode == 0 and bool(proc.stdout.strip())

    def _fail(self, method: str, text: str, exc: Exception) -> InjectionResult:
        return keep_for_user(self.clipboard, method, text, exc)
