"""The system clipboard through command-line tools: wl-copy/wl-paste (Wayland), xclip, xsel, then pyperclip.

Every backend runs a short-lived subprocess per call, so it is safe on any worker thread and never needs the GUI
event loop (a Qt clipboard read on the GUI thread while Qt owns the selection would deadlock, and reading through
a tool from the GUI thread can stall it). Call these from worker threads, not the GUI thread.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING

from swictation_gui import log
from swictation_gui.errors import InjectionError
from swictation_gui.platform.base import Clipboard

_TIMEOUT = 3.0


class CommandClipboard:
    """A clipboard driven by a pair of commands (read prints the text; write takes it on stdin)."""

    def __init__(self, name: str, read: Sequence[str], write: Sequence[str],
                 read_fallback: Sequence[str] | None = None) -> None:
        self.name = name
        self._read = list(read)
        self._read_fallback = list(read_fallback) if read_fallback else None
        self._write = list(write)

    def get_text(self) -> str | None:
        """Current clipboard text or None (empty, not text, or no owner). Worker thread; blocks up to ~3 s."""
        for command in filter(None, (self._read, self._read_fallback)):
            try:
                result = subprocess.run(command, capture_output=True, timeout=_TIMEOUT, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                log.injection.debug("clipboard read with %s failed: %s", self.name, exc)
                continue
            if result.returncode == 0:
                text = result.stdout.decode("utf-8", "replace")
                return text if text else None
        return None

    def set_text(self, text: str) -> None:
        """Own the clipboard with ``text`` (the tool stays in the background to serve it). Worker thread."""
        try:
            # The tool forks a child that keeps serving the selection; it must not inherit our pipes, or
            # waiting for its output would wait for the child.
            subprocess.run(self._write, input=text.encode("utf-8"), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=_TIMEOUT, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise InjectionError(f"Could not set the clipboard with {self.name}: {exc}") from exc

    def __repr__(self) -> str:
        return f"<Clipboard {self.name}>"


class PyperclipClipboard:
    """pyperclip's own backend detection (last resort)."""

    name = "pyperclip"

    def __init__(self) -> None:
        import pyperclip

        self._pyperclip = pyperclip
        copy, paste = pyperclip.determine_clipboard()
        if getattr(copy, "__name__", "") == "copy_no_clipboard" or not callable(paste):
            raise InjectionError("pyperclip found no clipboard mechanism")

    def get_text(self) -> str | None:
        """Clipboard text or None. Worker thread."""
        try:
            text = self._pyperclip.paste()
        except Exception as exc:  # pyperclip raises its own exception types per backend
            log.injection.debug("pyperclip paste failed: %s", exc)
            return None
        return str(text) if text else None

    def set_text(self, text: str) -> None:
        """Replace the clipboard text. Worker thread."""
        try:
            self._pyperclip.copy(text)
        except Exception as exc:  # pyperclip raises its own exception types per backend
            raise InjectionError(f"Could not set the clipboard with pyperclip: {exc}") from exc


def available_backends() -> list[str]:
    """Backend names usable in this session, best first."""
    names: list[str] = []
    if os.environ.get("WAYLAND_DISPLAY") and shutil.which("wl-copy") and shutil.which("wl-paste"):
        names.append("wl-clipboard")
    if os.environ.get("DISPLAY"):
        names += [tool for tool in ("xclip", "xsel") if shutil.which(tool)]
    return names


def make_backend(name: str) -> CommandClipboard | PyperclipClipboard:
    """The backend called ``name`` (``wl-clipboard``, ``xclip``, ``xsel`` or ``pyperclip``)."""
    if name == "wl-clipboard":
        return CommandClipboard(name, ["wl-paste", "--no-newline", "--type", "text"], ["wl-copy", "--type",
                                "text/plain;charset=utf-8"])
    if name == "xclip":
        return CommandClipboard(name, ["xclip", "-o", "-selection", "clipboard", "-t", "UTF8_STRING"],
                                ["xclip", "-i", "-selection", "clipboard"],
                                read_fallback=["xclip", "-o", "-selection", "clipboard"])
    if name == "xsel":
        return CommandClipboard(name, ["xsel", "--clipboard", "--output"], ["xsel", "--clipboard", "--input"])
    if name == "pyperclip":
        return PyperclipClipboard()
    raise InjectionError(f"Unknown clipboard backend {name!r}")


def create_clipboard(preferred: str | None = None) -> CommandClipboard | PyperclipClipboard:
    """The first clipboard backend that exists here (``preferred`` first); raises ``InjectionError`` if none."""
    names = available_backends()
    if preferred:
        names = [preferred, *[n for n in names if n != preferred]]
    names.append("pyperclip")
    failures: list[str] = []
    for name in names:
        try:
            backend = make_backend(name)
        except InjectionError as exc:
            failures.append(f"{name}: {exc}")
            continue
        log.injection.debug("clipboard backend: %s", name)
        return backend
    raise InjectionError("No clipboard tool works here. Install xclip or xsel (X11) or wl-clipboard (Wayland). "
                         + "; ".join(failures))


if TYPE_CHECKING:  # mypy checks that the classes satisfy the Protocol
    _command_check: Clipboard = CommandClipboard("x", [], [])
    _pyperclip_check: Clipboard = PyperclipClipboard()
