"""The tray on native Wayland (headless sway): the StatusNotifierItem over D-Bus, or the fallback window.

Qt shows a tray icon on Wayland through the StatusNotifierItem protocol when a ``org.kde.StatusNotifierWatcher``
is on the session bus. No tray host runs here, so the watcher is our named fake (tests/fakes/sni_watcher.py) on a
private bus; the app's real ``Tray`` runs in a child process on sway (QT_QPA_PLATFORM=wayland). With the watcher,
the item must be registered and readable over the bus, and no fallback window may appear; without it, the fallback
window must appear on sway, as on X11.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.desktop.wayland import SwaySession, sway  # noqa: F401 - fixture
from tests.fakes.portal import session_bus  # noqa: F401 - fixture
from tests.fakes.sni_watcher import FakeWatcher

pytestmark = [pytest.mark.e2e]
REPO = Path(__file__).resolve().parents[1]
CHILD = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from swictation_gui.ui.tray import Tray

app = QApplication([])
app.setQuitOnLastWindowClosed(False)
tray = Tray()
tray.show()
print("AVAILABLE", tray.available, flush=True)
stop = Path(sys.argv[1])
timer = QTimer()
timer.timeout.connect(lambda: stop.exists() and app.quit())
timer.start(50)
app.exec()
tray.hide()
"""


class TrayChild:
    """The child process showing the app's Tray on sway."""

    def __init__(self, sway: SwaySession, bus: str, folder: Path) -> None:  # noqa: F811
        runtime = folder / "xdg"
        runtime.mkdir(mode=0o700)
        self.stop_file = folder / "stop"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "LANG": "C.UTF-8",
               "XDG_RUNTIME_DIR": str(runtime), "WAYLAND_DISPLAY": str(sway.runtime / sway.env["WAYLAND_DISPLAY"]),
               "XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "sway", "QT_QPA_PLATFORM": "wayland",
               "DBUS_SESSION_BUS_ADDRESS": bus, "PYTHONPATH": str(REPO), "SWICTATION_GUI_HOME": str(folder / "app")}
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD, str(self.stop_file)], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.first_line = self.proc.stdout.readline().strip()

    def close(self) -> str:
        """Stop the child; its stderr."""
        self.stop_file.touch()
        try:
            _, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=5)
        return err


@pytest.fixture
def child_factory(sway: SwaySession, session_bus: str, tmp_path: Path) -> Iterator[list[TrayChild]]:  # noqa: F811
    children: list[TrayChild] = []
    yield children
    for child in children:
        child.close()


def sway_window_titles(sway: SwaySession) -> list[str]:  # noqa: F811
    tree = json.loads(sway.run(["swaymsg", "-r", "-t", "get_tree"]).stdout)
    titles, stack = [], [tree]
    while stack:
        node = stack.pop()
        if node.get("type") in ("con", "floating_con") and node.get("name"):
            titles.append(str(node["name"]))
        stack += node.get("nodes", []) + node.get("floating_nodes", [])
    return titles


def test_with_a_watcher_the_item_is_registered_and_no_window_appears(
        sway: SwaySession, session_bus: str, tmp_path: Path) -> None:  # noqa: F811
    watcher = FakeWatcher(session_bus)
    child = TrayChild(sway, session_bus, tmp_path)
    try:
        assert child.first_line == "AVAILABLE True", child.first_line + child.close()
        assert xenv.wait_for(lambda: watcher.items, 15), watcher.calls
        assert watcher.item_property(0, "Id"), watcher.items  # the item is really exported by the app
        assert "Swictation" in str(watcher.item_property(0, "ToolTip")) + str(watcher.item_property(0, "Title"))
        assert "Swictation" not in sway_window_titles(sway)
    finally:
        err = child.close()
        watcher.close()
    assert "Traceback" not in err, err


def test_without_a_watcher_the_fallback_window_appears(
        sway: SwaySession, session_bus: str, tmp_path: Path) -> None:  # noqa: F811
    child = TrayChild(sway, session_bus, tmp_path)
    try:
        assert child.first_line == "AVAILABLE False", child.first_line
        assert xenv.wait_for(lambda: "Swictation" in sway_window_titles(sway), 15), sway_window_titles(sway)
    finally:
        err = child.close()
    assert "Traceback" not in err, err
