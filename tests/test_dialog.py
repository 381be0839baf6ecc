"""The settings dialog edits a copy and emits the edited settings (the Model page: tests/test_models_page.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from swictation_gui.platform.base import HotkeyMode, InjectionMethod
from swictation_gui.settings import ModelChoice, Settings
from swictation_gui.settings.schema import CpuEngine
from swictation_gui.ui.settings_dialog import PAGES, SettingsDialog

MICS = ["Built-in Audio Analog Stereo", "USB Mic"]


def _dialog(qtbot: QtBot, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings(), input_devices=lambda: MICS,
                            settings_path=Path("/tmp/x/settings.json"))
    qtbot.addWidget(dialog)
    return dialog


def test_unchanged_dialog_emits_the_same_settings(qtbot: QtBot) -> None:
    start = Settings(hotkey="f9", sound_cues=False, input_device="USB Mic", tail_ms=400)
    dialog = _dialog(qtbot, start)
    with qtbot.waitSignal(dialog.settings_accepted, timeout=2000) as blocker:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert blocker.args == [start]


def test_edits_on_every_page_are_emitted_on_ok(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    dialog.microphone_page.combo.setCurrentIndex(dialog.microphone_page.combo.findData("USB Mic"))
    engine = dialog.model_page.cpu_engine.combo
    engine.setCurrentIndex(engine.findData(CpuEngine.SHERPA))
    dialog.show_page("hotkey")
    with qtbot.waitSignal(dialog.hotkey_capture_changed, timeout=2000) as capture:
        dialog.hotkey_page.record.click()
    assert capture.args == [True]
    edit = dialog.hotkey_page.edit
    qtbot.keyPress(edit, Qt.Key.Key_Control, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyRelease(edit, Qt.Key.Key_Control, Qt.KeyboardModifier.NoModifier)
    dialog.hotkey_page.toggle.click()
    dialog.hotkey_page.min_press.setValue(200)
    dialog.hotkey_page.max_seconds.setValue(60)
    dialog.output_page.method.setCurrentIndex(dialog.output_page.method.findData("paste"))
    dialog.output_page.pre_roll.setValue(450)
    dialog.output_page.tail.setValue(100)
    dialog.output_page.sound_cues.click()
    dialog.output_page.trailing_space.click()
    dialog.output_page.progressive.click()
    dialog.general_page.start_at_login.click()
    dialog.general_page.notifications.click()
    dialog.general_page.overlay.click()
    dialog.general_page.cancel_key.setText("F8")
    with qtbot.waitSignal(dialog.settings_accepted, timeout=2000) as blocker:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert blocker.args == [Settings(
        input_device="USB Mic", hotkey="ctrl+space", hotkey_mode=HotkeyMode.TOGGLE,
        min_press_ms=200, max_record_seconds=60, injection_method=InjectionMethod.PASTE, pre_roll_ms=450,
        tail_ms=100, sound_cues=False, trailing_space=False, progressive=False, start_at_login=True,
        notifications=False, overlay=False, cancel_key="f8", cpu_engine=CpuEngine.SHERPA)]
    assert not dialog.isVisible()


def test_cancel_emits_nothing(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    dialog.output_page.sound_cues.click()
    with qtbot.assertNotEmitted(dialog.settings_accepted):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert not dialog.isVisible()


def test_apply_emits_and_stays_open(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    dialog.general_page.start_at_login.click()
    with qtbot.waitSignal(dialog.settings_accepted, timeout=2000) as blocker:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Apply).click()
    assert blocker.args[0].start_at_login is True
    assert dialog.isVisible()


def test_ok_never_changes_the_model(qtbot: QtBot, tmp_path: Path) -> None:
    """Only the Model page's Use switches models: OK keeps the model fields it started with."""
    start = Settings(model=ModelChoice.CUSTOM, custom_model_dir="/saved/folder")
    dialog = _dialog(qtbot, start)
    dialog.model_page.rows["custom"].folder.setText(str(tmp_path))  # typed, never Used
    dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    s = dialog.current_settings()
    assert s.model is ModelChoice.CUSTOM and s.custom_model_dir == "/saved/folder"


def test_missing_microphone_stays_selected(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings(input_device="Headset (unplugged)"))
    assert dialog.microphone_page.combo.currentText() == "Headset (unplugged) (not connected)"
    assert dialog.current_settings().input_device == "Headset (unplugged)"
    dialog.microphone_page.combo.setCurrentIndex(0)
    assert dialog.current_settings().input_device is None


def test_microphone_page_requests_a_level_test_and_meter_moves(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    with qtbot.waitSignal(dialog.microphone_test_requested, timeout=2000) as blocker:
        dialog.show_page("microphone")
    assert blocker.args == [None]
    with qtbot.waitSignal(dialog.microphone_test_requested, timeout=2000) as blocker:
        dialog.microphone_page.combo.setCurrentIndex(2)
    assert blocker.args == ["USB Mic"]
    dialog.set_level(0.5)
    assert 0.8 < dialog.microphone_page.meter.fraction() < 1.0
    dialog.set_level(0.0)
    assert dialog.microphone_page.meter.fraction() == 0.0
    with qtbot.waitSignal(dialog.microphone_test_stopped, timeout=2000):
        dialog.show_page("output")


def test_risky_hotkey_shows_a_warning(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings(hotkey="ctrl+c"))
    assert "copies" in dialog.hotkey_page.warning.text()
    dialog.hotkey_page.edit.start_recording()
    qtbot.keyPress(dialog.hotkey_page.edit, Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier)
    qtbot.keyPress(dialog.hotkey_page.edit, Qt.Key.Key_Y, Qt.KeyboardModifier.NoModifier)
    qtbot.keyRelease(dialog.hotkey_page.edit, Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier)
    qtbot.keyRelease(dialog.hotkey_page.edit, Qt.Key.Key_Y, Qt.KeyboardModifier.NoModifier)
    assert "previous hotkey is kept" in dialog.hotkey_page.warning.text()
    assert dialog.current_settings().hotkey == "ctrl+c"
    dialog.hotkey_page.load(Settings())
    assert dialog.hotkey_page.warning.text() == ""


def test_restore_defaults_applies_nothing_until_ok(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings(hotkey="f9", tail_ms=900))
    with qtbot.assertNotEmitted(dialog.settings_accepted):
        dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dialog.current_settings() == Settings()


def test_pages_are_in_order(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    titles = [dialog.tabs.tabText(i).lower() for i in range(dialog.tabs.count())]
    assert titles == list(PAGES)


def test_output_notes_promise_what_the_readme_promises(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    page = dialog.output_page
    notes = {}
    for i in range(page.method.count()):
        page.method.setCurrentIndex(i)
        notes[page.method.itemData(i)] = page.method_note.text()
    assert all("may not" not in note for note in notes.values()), notes
    assert "spare key" in notes["type"] and "exact" in notes["type"] and "clipboard" in notes["type"]
    assert "keyboard layout" in notes["auto"] and "pastes the rest" in notes["auto"] and "300" in notes["auto"]
    assert "exact" in notes["paste"] and "restored" in notes["paste"]


@pytest.mark.parametrize(("hotkey", "typed", "fragment"), [
    ("ctrl_r", "ctrl+esc", "must be one key without modifiers"),
    ("ctrl_r", "banana", "Unknown key 'banana'"),
    ("ctrl+esc", "esc", "The cancel key Esc is part of the hotkey Ctrl+Esc"),
])
def test_an_unusable_cancel_key_is_refused_with_its_reason_and_the_dialog_stays_open(
        qtbot: QtBot, hotkey: str, typed: str, fragment: str) -> None:
    dialog = _dialog(qtbot, Settings(hotkey=hotkey, cancel_key=None))
    dialog.show()
    dialog.general_page.cancel_key.setText(typed)
    with qtbot.assertNotEmitted(dialog.settings_accepted):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible()
    assert dialog.tabs.currentWidget() is dialog.general_page
    error = dialog.general_page.cancel_error
    assert error.isVisible() and fragment in error.text(), error.text()
    dialog.general_page.cancel_key.setText("")  # empty: no cancel key, accepted
    assert not error.isVisible()
    with qtbot.waitSignal(dialog.settings_accepted, timeout=2000) as blocker:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert blocker.args[0].cancel_key is None


def test_model_page_shows_the_cpu_models_engine_verdict(qtbot: QtBot, tmp_path: Path) -> None:
    from swictation_gui.models import catalogue
    from swictation_gui.recognition import engine_choice
    from tests.fixtures import synth_models as sm

    dialog = _dialog(qtbot, Settings(cpu_engine=CpuEngine.ONNXRUNTIME))
    row = dialog.model_page.cpu_engine
    assert row.combo.currentData() == CpuEngine.ONNXRUNTIME
    assert row.note.text() == "" and row.note.isHidden()  # the CPU model is not installed: no verdict line
    installed = catalogue.installed_dir(catalogue.CPU_MODEL)
    installed.parent.mkdir(parents=True, exist_ok=True)
    installed.symlink_to(sm.with_test_wavs(sm.build_random(tmp_path / "m", seed=3, feat_dim=128, layout="int8")))
    dialog.refresh()
    assert row.note.isHidden()  # installed but never self-tested: still no line
    verdict = engine_choice.verdict(catalogue.resolve("cpu"))  # the real self-test, in a child process
    dialog.refresh()
    assert not row.note.isHidden() and row.note.text() == engine_choice.describe(verdict)
    assert row.note.text().startswith("CPU engine: ")
