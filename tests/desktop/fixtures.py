"""Pytest fixtures for tests on a real X display: ``xserver``, ``xdisplay``, ``target_window``, ``start_target``.

Import the ones a test module needs (``from tests.desktop.fixtures import xdisplay, target_window``) or list this
module in ``pytest_plugins`` of the root conftest. Tests are skipped (not failed) only when Xvfb or xdotool are not
installed at all.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.desktop import xenv

TARGET_APP = Path(__file__).with_name("target_app.py")
REPO_ROOT = Path(__file__).resolve().parents[2]


class TargetWindow:
    """A running ``target_app.py`` subprocess and what it reports."""

    def __init__(self, display: xenv.XDisplay, out: Path, mode: str, title: str,
                 extra_args: Sequence[str] = (), prefix: Sequence[str] = ()) -> None:
        self.display = display
        self.out = out
        self.mode = mode
        self.title = title
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, str(TARGET_APP), "--out", str(out), "--mode", mode, "--title", title,
             *extra_args],
            env={**display.env, "PYTHONPATH": str(REPO_ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=str(REPO_ROOT))
        self.wid = self._wait_ready(20)

    def _wait_ready(self, timeout: float) -> int:
        assert self.proc.stdout is not None
        buffer = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.proc.poll() is not None:
                self.close()
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise TimeoutError(f"target window did not become ready: {err[-2000:]}")
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if ready:
                buffer += os.read(self.proc.stdout.fileno(), 256)
        line = buffer.split(b"\n", 1)[0].decode()
        assert line.startswith("READY "), line
        return int(line.split()[1])

    def text(self) -> str:
        """The window's current text (as last written by the app)."""
        try:
            return self.out.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def key_log(self) -> list[str]:
        """Key presses the window received, one ``press <qt key> <modifiers> <text repr> <autorepeat>`` per entry."""
        path = self.out.with_name(self.out.name + ".keys")
        try:
            return path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def wait_text(self, expected: str, timeout: float = 10) -> str:
        """Wait until the text equals ``expected``; returns the last text seen (compare it in the test)."""
        xenv.wait_for(lambda: self.text() == expected, timeout)
        return self.text()

    def wait_text_change(self, previous: str = "", timeout: float = 10) -> str:
        """Wait until the text differs from ``previous``; returns it."""
        xenv.wait_for(lambda: self.text() != previous, timeout)
        return self.text()

    def focus(self) -> None:
        """Give this window the input focus again."""
        self.display.focus(self.wid)

    def close(self) -> None:
        """Stop the target process."""
        xenv._terminate(self.proc)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _skip_without_x() -> None:
    missing = xenv.missing_tools()
    if missing:
        pytest.skip(f"X test tools not installed: {', '.join(missing)}")


@pytest.fixture(scope="session")
def xserver() -> Iterator[xenv.XDisplay]:
    """One Xvfb for the whole test session (skips when Xvfb/xdotool are absent)."""
    _skip_without_x()
    display = xenv.start_xvfb()
    try:
        yield display
    finally:
        display.close()


@pytest.fixture
def xdisplay(xserver: xenv.XDisplay, monkeypatch: pytest.MonkeyPatch) -> Iterator[xenv.XDisplay]:
    """The session's Xvfb with ``DISPLAY`` set for this test, a clean US keymap and no modifier held."""
    monkeypatch.setenv("DISPLAY", xserver.name)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    xserver.reset_keymap()
    yield xserver
    xserver.reset_keymap()


@contextlib.contextmanager
def target_factory(display: xenv.XDisplay, folder: Path) -> Iterator[Callable[..., TargetWindow]]:
    """``start(mode="text"|"line"|"terminal", title=None, extra_args=())`` starts a focused target window on
    ``display``; every window started is closed on exit."""
    started: list[TargetWindow] = []

    def start(mode: str = "text", title: str | None = None, extra_args: Sequence[str] = ()) -> TargetWindow:
        name = title or f"swictation-target-{mode}-{len(started)}"
        window = TargetWindow(display, folder / f"{name}.txt", mode, name, extra_args)
        started.append(window)
        window.focus()
        return window

    try:
        yield start
    finally:
        for window in started:
            window.close()


@pytest.fixture
def start_target(xdisplay: xenv.XDisplay, tmp_path: Path) -> Iterator[Callable[..., TargetWindow]]:
    """Factory: ``start_target(mode="text"|"line"|"terminal", extra_args=[...])`` starts a focused target window."""
    with target_factory(xdisplay, tmp_path) as start:
        yield start


@pytest.fixture
def target_window(start_target: Callable[..., TargetWindow]) -> TargetWindow:
    """A focused multi-line text target (QPlainTextEdit) reporting its text."""
    return start_target("text")
