"""The hotkey capture field records real key events into hotkey specs; risky keys are flagged."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from swictation_gui.ui.hotkey_edit import HotkeyEdit, combine, hotkey_warning, pretty

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def edit(qtbot: QtBot) -> HotkeyEdit:
    widget = HotkeyEdit("ctrl_r")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _native(widget: HotkeyEdit, kind: QEvent.Type, key: Qt.Key, mods: Qt.KeyboardModifier, keysym: int) -> None:
    """A key event as the xcb plugin delivers it: with the X keysym that tells left from right."""
    event = QKeyEvent(kind, key, mods, 0, keysym, 0, "")
    QApplication.sendEvent(widget, event)


def test_records_ctrl_alt_space(qtbot: QtBot, edit: HotkeyEdit) -> None:
    edit.start_recording()
    assert edit.is_recording()
    with qtbot.waitSignal(edit.hotkey_changed, timeout=2000) as blocker:
        qtbot.keyPress(edit, Qt.Key.Key_Control, CTRL)
        qtbot.keyPress(edit, Qt.Key.Key_Alt, CTRL | ALT)
        qtbot.keyPress(edit, Qt.Key.Key_Space, CTRL | ALT)
        assert edit.is_recording()  # still held: nothing decided yet
        assert "Space" in edit.text()
        qtbot.keyRelease(edit, Qt.Key.Key_Space, CTRL | ALT)
        qtbot.keyRelease(edit, Qt.Key.Key_Alt, CTRL)
        qtbot.keyRelease(edit, Qt.Key.Key_Control, NONE)
    assert blocker.args == ["ctrl+alt+space"]
    assert edit.hotkey() == "ctrl+alt+space"
    assert edit.text() == "Ctrl+Alt+Space"
    assert not edit.is_recording()


def test_records_a_lone_right_ctrl(qtbot: QtBot, edit: HotkeyEdit) -> None:
    edit.set_hotkey("f9")
    edit.start_recording()
    with qtbot.waitSignal(edit.hotkey_changed, timeout=2000) as blocker:
        _native(edit, QEvent.Type.KeyPress, Qt.Key.Key_Control, CTRL, 0xFFE4)
        _native(edit, QEvent.Type.KeyRelease, Qt.Key.Key_Control, NONE, 0xFFE4)
    assert blocker.args == ["ctrl_r"]
    assert edit.text() == "Right Ctrl"


def test_modifier_order_is_fixed_and_sides_dropped_in_combinations(qtbot: QtBot, edit: HotkeyEdit) -> None:
    edit.start_recording()
    with qtbot.waitSignal(edit.hotkey_changed, timeout=2000) as blocker:
        _native(edit, QEvent.Type.KeyPress, Qt.Key.Key_Shift, SHIFT, 0xFFE2)
        _native(edit, QEvent.Type.KeyPress, Qt.Key.Key_Control, SHIFT | CTRL, 0xFFE3)
        qtbot.keyPress(edit, Qt.Key.Key_D, SHIFT | CTRL)
        qtbot.keyRelease(edit, Qt.Key.Key_D, SHIFT | CTRL)
        _native(edit, QEvent.Type.KeyRelease, Qt.Key.Key_Control, SHIFT, 0xFFE3)
        _native(edit, QEvent.Type.KeyRelease, Qt.Key.Key_Shift, NONE, 0xFFE2)
    assert blocker.args == ["ctrl+shift+d"]


def test_function_key_and_tab_are_captured_not_used_for_focus(qtbot: QtBot, edit: HotkeyEdit) -> None:
    edit.start_recording()
    with qtbot.waitSignal(edit.hotkey_changed, timeout=2000) as blocker:
        qtbot.keyPress(edit, Qt.Key.Key_Alt, ALT)
        qtbot.keyPress(edit, Qt.Key.Key_Tab, ALT)
        qtbot.keyRelease(edit, Qt.Key.Key_Tab, ALT)
        qtbot.keyRelease(edit, Qt.Key.Key_Alt, NONE)
    assert blocker.args == ["alt+tab"]
    assert hotkey_warning("alt+tab") is not None
    edit.start_recording()
    with qtbot.waitSignal(edit.hotkey_changed, timeout=2000) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_F9)
    assert blocker.args == ["f9"]


def test_escape_cancels_and_keeps_the_old_hotkey(qtbot: QtBot, edit: HotkeyEdit) -> None:
    edit.start_recording()
    with qtbot.waitSignal(edit.recording_changed, timeout=2000) as blocker, \
            qtbot.assertNotEmitted(edit.hotkey_changed):
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert blocker.args == [False]
    assert edit.hotkey() == "ctrl_r" and edit.text() == "Right Ctrl"


def test_autorepeat_does_not_end_or_duplicate(qtbot: QtBot, edit: HotkeyEdit) -> None:
    edit.start_recording()
    qtbot.keyPress(edit, Qt.Key.Key_Control, CTRL)
    for _ in range(3):
        QApplication.sendEvent(edit, QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Control, CTRL, "", True))
        QApplication.sendEvent(edit, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Control, CTRL, "", True))
    assert edit.is_recording()
    with qtbot.waitSignal(edit.hotkey_changed, timeout=2000) as blocker:
        qtbot.keyRelease(edit, Qt.Key.Key_Control, NONE)
    assert blocker.args == ["ctrl"]


def test_click_starts_recording(qtbot: QtBot, edit: HotkeyEdit) -> None:
    with qtbot.waitSignal(edit.recording_changed, timeout=2000) as blocker:
        qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]


def test_pure_helpers() -> None:
    assert combine(["ctrl_r"]) == "ctrl_r"
    assert combine(["space", "alt_l", "ctrl_r"]) == "ctrl+alt+space"
    assert pretty("ctrl+alt+space") == "Ctrl+Alt+Space"
    assert pretty("super_l+f12") == "Left Super+F12"
    assert hotkey_warning("ctrl_r") is None
    assert hotkey_warning("ctrl+alt+space") is None
    assert hotkey_warning("f9") is None
    for risky in ("a", "space", "shift", "ctrl+c", "caps_lock", "super", "a+b"):
        assert hotkey_warning(risky), risky


def test_two_main_keys_are_rejected_and_the_old_hotkey_kept(qtbot: QtBot, edit: HotkeyEdit) -> None:
    edit.start_recording()
    with qtbot.waitSignal(edit.rejected, timeout=2000) as blocker, qtbot.assertNotEmitted(edit.hotkey_changed):
        qtbot.keyPress(edit, Qt.Key.Key_A, NONE)
        qtbot.keyPress(edit, Qt.Key.Key_B, NONE)
        qtbot.keyRelease(edit, Qt.Key.Key_A, NONE)
        qtbot.keyRelease(edit, Qt.Key.Key_B, NONE)
    assert "more than one main key" in blocker.args[0]
    assert edit.hotkey() == "ctrl_r" and not edit.is_recording()


def test_super_key_uses_the_platform_vocabulary(qtbot: QtBot, edit: HotkeyEdit) -> None:
    edit.start_recording()
    with qtbot.waitSignal(edit.hotkey_changed, timeout=2000) as blocker:
        _native(edit, QEvent.Type.KeyPress, Qt.Key.Key_Super_L, Qt.KeyboardModifier.MetaModifier, 0xFFEB)
        qtbot.keyPress(edit, Qt.Key.Key_F12, Qt.KeyboardModifier.MetaModifier)
        qtbot.keyRelease(edit, Qt.Key.Key_F12, Qt.KeyboardModifier.MetaModifier)
        _native(edit, QEvent.Type.KeyRelease, Qt.Key.Key_Super_L, NONE, 0xFFEB)
    assert blocker.args == ["super+f12"]
