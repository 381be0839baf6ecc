"""The hotkey capture field on a real X server: xdotool key presses (with real keysyms) become hotkey specs."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _harness() -> int:
    """Child process: one HotkeyEdit in a window, recording; prints each recorded spec."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from swictation_gui.ui.hotkey_edit import HotkeyEdit

    app = QApplication(sys.argv[:1])
    edit = HotkeyEdit("f9")
    edit.setWindowTitle("hotkey-capture-test")
    edit.resize(300, 40)

    def recorded(spec: str) -> None:
        print(f"HOTKEY {spec}", flush=True)
        QTimer.singleShot(0, edit.start_recording)

    edit.hotkey_changed.connect(recorded)
    edit.show()

    def ready() -> None:
        edit.activateWindow()
        edit.start_recording()
        print(f"READY {int(edit.winId())}", flush=True)

    QTimer.singleShot(200, ready)
    return app.exec()


class Keyboard:
    """Real key events through the XTEST extension (xdotool 3.2016 also presses Control_L when asked for
    Control_R, which would hide exactly what this test checks)."""

    def __init__(self, name: str) -> None:
        from Xlib import display as xdisplay

        self._disp = xdisplay.Display(name)

    def _send(self, kind: int, keysyms: tuple[str, ...]) -> None:
        from Xlib import XK
        from Xlib.ext import xtest

        for keysym in keysyms:
            code = self._disp.keysym_to_keycode(XK.string_to_keysym(keysym))
            assert code, keysym
            xtest.fake_input(self._disp, kind, code)
        self._disp.sync()

    def down(self, *keysyms: str) -> None:
        from Xlib import X

        self._send(X.KeyPress, keysyms)

    def up(self, *keysyms: str) -> None:
        from Xlib import X

        self._send(X.KeyRelease, keysyms)

    def close(self) -> None:
        self._disp.close()


@pytest.fixture
def display() -> Iterator[object]:
    from tests.desktop import xenv

    if xenv.missing_tools():
        pytest.skip(f"missing X tools: {xenv.missing_tools()}")
    disp = xenv.start_xvfb()
    try:
        yield disp
    finally:
        disp.close()


@pytest.mark.e2e
def test_real_key_presses_are_recorded_with_their_side(display: object) -> None:
    from tests.desktop.xenv import XDisplay
    from tests.test_tray_e2e import Child

    assert isinstance(display, XDisplay)
    env = {**display.env, "PYTHONPATH": str(REPO), "SWICTATION_GUI_HOME": os.environ["SWICTATION_GUI_HOME"]}
    child = Child(env, [__file__, "--harness"])
    try:
        wid = int(child.expect("READY").split()[1])
        display.focus(wid)
        keyboard = Keyboard(display.name)
        try:
            for keys, expected in ((("Control_R",), "ctrl_r"), (("Control_L", "Alt_L", "space"), "ctrl+alt+space"),
                                   (("Super_R",), "super_r"), (("Shift_L", "F12"), "shift+f12"), (("F8",), "f8")):
                keyboard.down(*keys)
                keyboard.up(*reversed(keys))
                assert child.expect("HOTKEY") == f"HOTKEY {expected}"
        finally:
            keyboard.close()
    finally:
        child.close()
        display.reset_keymap()


if __name__ == "__main__" and "--harness" in sys.argv:
    sys.exit(_harness())
