"""The real tray on a real X display (Xvfb + trayer): icon embedded, right-click menu, Settings… opens the dialog.

The tray runs in a child process (this file run as a script) so it gets its own xcb QApplication; it reports
what happens as lines on stdout ("ICON x y w h", "MENU", "DIALOG"), and the test drives it with xdotool.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _harness() -> int:
    """Child process: a tray wired to a settings dialog, reporting events on stdout."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from swictation_gui.settings import Settings
    from swictation_gui.ui.icons import TrayState
    from swictation_gui.ui.settings_dialog import SettingsDialog
    from swictation_gui.ui.tray import Tray

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)

    def say(line: str) -> None:
        print(line, flush=True)

    say(f"AVAILABLE {QSystemTrayIcon.isSystemTrayAvailable()}")
    tray = Tray()
    if tray.window is not None:
        window = tray.window
        QTimer.singleShot(0, lambda: say(f"FALLBACK {window.isVisible()} {window.winId()}"))
    tray.set_state(TrayState.READY)
    tray.set_info("Parakeet-TDT 0.6B v3 (int8, CPU)", "CPU", "ctrl_r")
    tray.show()
    dialog = SettingsDialog(Settings(), input_devices=lambda: ["Test mic"])
    tray.settings_requested.connect(dialog.show)
    tray.settings_requested.connect(lambda: QTimer.singleShot(0, lambda: say(f"DIALOG {dialog.isVisible()}")))
    tray.quit_requested.connect(app.quit)

    def report_menu() -> None:
        # Once the popup is on screen, report where "Settings…" is, in screen coordinates.
        if not tray.menu.isVisible():
            QTimer.singleShot(20, report_menu)
            return
        r = tray.menu.actionGeometry(tray.settings_action)
        top_left = tray.menu.mapToGlobal(r.topLeft())
        say(f"MENU {top_left.x()} {top_left.y()} {r.width()} {r.height()}")

    tray.menu.aboutToShow.connect(lambda: QTimer.singleShot(0, report_menu))
    last = [None]

    def report_geometry() -> None:
        # Report every change: the icon starts at (0, 0) and moves when trayer embeds it.
        g = tray.icon.geometry()
        value = (g.x(), g.y(), g.width(), g.height())
        if value != last[0] and g.width() > 0 and g.height() > 0:
            last[0] = value
            say("ICON " + " ".join(map(str, value)))
        QTimer.singleShot(50, report_geometry)

    QTimer.singleShot(0, report_geometry)
    return app.exec()


class Child:
    """The harness process and its stdout lines."""

    def __init__(self, env: dict[str, str], args: list[str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, *(args or [__file__, "--harness"])], env=env, cwd=REPO,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._buffer = b""

    def expect(self, prefix: str, timeout: float = 15) -> str:
        """The next stdout line starting with ``prefix``; raises on timeout or exit."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\n", 1)
                line = raw.decode()
                if line.startswith(prefix):
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")[-3000:] if self.proc.poll() is not None \
                    and self.proc.stderr else ""
                raise AssertionError(f"no {prefix!r} line from the tray within {timeout} s; stderr: {err}")
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                self._buffer += chunk

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _start_display(with_tray: bool) -> object:
    from tests.desktop import xenv

    if xenv.missing_tools():
        pytest.skip(f"missing X tools: {xenv.missing_tools()}")
    disp = xenv.start_xvfb()
    if with_tray:
        try:
            disp.start_tray()
        except BaseException:
            disp.close()
            raise
    return disp


@pytest.fixture
def display() -> Iterator[object]:
    disp = _start_display(with_tray=True)
    try:
        yield disp
    finally:
        disp.close()  # type: ignore[attr-defined]


@pytest.fixture
def bare_display() -> Iterator[object]:
    disp = _start_display(with_tray=False)
    try:
        yield disp
    finally:
        disp.close()  # type: ignore[attr-defined]


@pytest.mark.e2e
def test_tray_icon_menu_and_settings_on_a_real_tray(display: object) -> None:
    from tests.desktop.xenv import XDisplay

    assert isinstance(display, XDisplay)
    env = {**display.env, "PYTHONPATH": str(REPO), "SWICTATION_GUI_HOME": os.environ["SWICTATION_GUI_HOME"]}
    child = Child(env)
    try:
        assert child.expect("AVAILABLE") == "AVAILABLE True"
        x = y = w = h = 0
        while x <= 0:  # wait until trayer has embedded the icon (it sits at the panel's right end)
            x, y, w, h = (int(v) for v in child.expect("ICON").split()[1:])
        assert w > 0 and h > 0
        display.xdotool("mousemove", str(x + w // 2), str(y + h // 2), "click", "3")
        mx, my, mw, mh = (int(v) for v in child.expect("MENU").split()[1:])
        assert mw > 0 and mh > 0
        display.xdotool("mousemove", str(mx + mw // 2), str(my + mh // 2), "click", "1")
        assert child.expect("DIALOG") == "DIALOG True"
        display.find_window("Swictation Settings", timeout=10)
    finally:
        child.close()


@pytest.mark.e2e
def test_without_a_tray_host_the_fallback_window_shows(bare_display: object) -> None:
    from tests.desktop.xenv import XDisplay

    assert isinstance(bare_display, XDisplay)
    env = {**bare_display.env, "PYTHONPATH": str(REPO), "SWICTATION_GUI_HOME": os.environ["SWICTATION_GUI_HOME"]}
    child = Child(env)
    try:
        assert child.expect("AVAILABLE") == "AVAILABLE False"
        assert child.expect("FALLBACK").startswith("FALLBACK True")
        bare_display.find_window("^Swictation$", timeout=10)
        assert child.proc.poll() is None  # no crash
    finally:
        child.close()


if __name__ == "__main__" and "--harness" in sys.argv:
    sys.exit(_harness())
