"""Tray logic on the offscreen platform: icons per state, tooltip, menu signals, fallback window."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from swictation_gui.ui import icons
from swictation_gui.ui.about import about_text, show_about
from swictation_gui.ui.icons import TrayState
from swictation_gui.ui.tray import Tray

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def tray(qtbot: QtBot) -> Iterator[Tray]:
    t = Tray()
    t.show()
    yield t
    t.hide()
    if t.window is not None:
        t.window.deleteLater()


def _image(state: TrayState, size: int, step: int = 0) -> QImage:
    return icons.render(state, size, step).toImage()


@pytest.mark.parametrize("size", [16, 22, 32])
def test_every_state_has_a_distinct_visible_icon(qtbot: QtBot, size: int) -> None:
    images = {state: _image(state, size) for state in TrayState}
    for state, image in images.items():
        opaque = sum(1 for x in range(size) for y in range(size) if image.pixelColor(x, y).alpha() > 200)
        assert opaque > size * size * 0.3, f"{state} is almost empty at {size}px"
    states = list(images)
    for i, a in enumerate(states):
        for b in states[i + 1:]:
            assert images[a] != images[b], f"{a} and {b} look the same"


def test_recording_icon_shows_the_level(qtbot: QtBot) -> None:
    assert icons.level_step(0.0) == 0 and icons.level_step(1.0) == icons.LEVEL_STEPS
    assert 0 < icons.level_step(0.05) < icons.level_step(0.5) <= icons.LEVEL_STEPS
    quiet, loud = _image(TrayState.RECORDING, 32, 0), _image(TrayState.RECORDING, 32, icons.LEVEL_STEPS)
    assert quiet != loud
    assert icons.icon(TrayState.RECORDING, 0.9) is icons.icon(TrayState.RECORDING, 0.9)  # cached


def test_tooltip_names_model_device_and_hotkey(tray: Tray) -> None:
    tray.set_state(TrayState.READY)
    tray.set_info("Parakeet-TDT 0.6B v3 (int8, CPU)", "cuda requested, running on cpu: no CUDA", "ctrl_r")
    tip = tray.icon.toolTip()
    assert "Ready" in tip and "Parakeet-TDT 0.6B" in tip
    assert "running on cpu: no CUDA" in tip and "Hold Right Ctrl" in tip
    tray.set_state(TrayState.ERROR, "The microphone went away.")
    assert "The microphone went away." in tray.icon.toolTip()


def test_menu_actions_emit_signals(qtbot: QtBot, tray: Tray) -> None:
    tray.set_state(TrayState.READY)
    for action, signal in ((tray.toggle_action, tray.toggle_requested),
                           (tray.settings_action, tray.settings_requested),
                           (tray.log_action, tray.open_log_requested),
                           (tray.about_action, tray.about_requested),
                           (tray.quit_action, tray.quit_requested)):
        with qtbot.waitSignal(signal, timeout=1000):
            action.trigger()
    tray.set_last_transcript("hello world")
    with qtbot.waitSignal(tray.copy_last_requested, timeout=1000):
        tray.copy_action.trigger()
    with qtbot.waitSignal(tray.paste_last_requested, timeout=1000):
        tray.paste_action.trigger()
    with qtbot.waitSignal(tray.model_requested, timeout=1000) as blocker:
        tray.model_actions["cpu"].trigger()
    assert blocker.args == ["cpu"]


def test_menu_text_follows_state(tray: Tray) -> None:
    tray.set_state(TrayState.LOADING)
    assert not tray.toggle_action.isEnabled()
    tray.set_state(TrayState.READY)
    assert tray.toggle_action.text() == "Start dictation" and tray.toggle_action.isEnabled()
    tray.set_state(TrayState.RECORDING)
    assert tray.toggle_action.text() == "Stop dictation"
    tray.set_last_transcript(None)
    assert not tray.copy_action.isEnabled() and not tray.paste_action.isEnabled()
    tray.set_last_transcript("x" * 100)
    assert tray.copy_action.isEnabled() and "…" in tray.last_menu.title()
    tray.set_model("gpu")
    assert tray.model_actions["gpu"].isChecked() and not tray.model_actions["cpu"].isChecked()
    tray.set_model("custom")
    assert not any(a.isChecked() for a in tray.model_actions.values())


def test_without_a_system_tray_a_fallback_window_appears(qtbot: QtBot, tray: Tray) -> None:
    # The offscreen platform has no system tray, exactly like GNOME without the AppIndicator extension.
    assert not tray.available
    assert tray.window is not None
    qtbot.waitUntil(tray.window.isVisible, timeout=2000)
    tray.set_state(TrayState.READY)
    with qtbot.waitSignal(tray.toggle_requested, timeout=1000):
        tray.window.toggle_button.click()
    tray.notify("Microphone missing", "Plug one in or choose one in Settings → Microphone.", "warning")
    assert "Plug one in" in tray.window.message_label.text()
    tray.set_notifications_enabled(False)
    tray.notify("Model ready", "Dictation is ready.", "info")
    assert "Dictation is ready" not in tray.window.message_label.text()
    tray.window.close()  # closing only hides
    assert not tray.window.isVisible()


def test_error_notification_in_fallback_opens_a_message_box(qtbot: QtBot, tray: Tray) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    tray.notify("Model failed", "Reinstall it with: swictation-gui models download cpu", "error")

    def box() -> QMessageBox | None:
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        return boxes[0] if boxes else None

    qtbot.waitUntil(lambda: box() is not None, timeout=2000)
    found = box()
    assert found is not None and "Reinstall" in found.text()
    found.close()


def test_about_box(qtbot: QtBot) -> None:
    assert "Parakeet-TDT" in about_text(device="GPU (CUDA)") and "GPU (CUDA)" in about_text(device="GPU (CUDA)")
    box = show_about(None)
    qtbot.waitUntil(box.isVisible, timeout=2000)
    box.close()


def test_log_window_shows_the_tail_and_copies_it(qtbot: QtBot) -> None:
    from PySide6.QtGui import QGuiApplication

    from swictation_gui.ui.log_window import LogWindow

    lines = ["12:00:01 INFO swictation.session ready", "12:00:05 ERROR swictation.audio microphone went away"]
    window = LogWindow(lambda: list(lines))
    qtbot.addWidget(window)
    assert "microphone went away" in window.text.toPlainText()
    lines.append("12:00:09 INFO swictation.audio microphone back")
    window.refresh_button.click()
    assert window.text.toPlainText().endswith("microphone back")
    window.copy_button.click()
    assert "microphone back" in QGuiApplication.clipboard().text()


def test_notifications_arriving_together_are_queued_not_overwritten(qtbot: QtBot, tray: Tray) -> None:
    # At start-up a settings-reset notice and a model notice came within 0.2 s: the second replaced the first.
    assert tray.window is not None
    tray.min_show_ms = 300
    tray.notify("Swictation", "Settings were reset: hotkey.", "warning")
    tray.notify("Swictation", "The microphone is missing.", "warning")
    tray.notify("Swictation", "Model ready.", "info")
    assert "Settings were reset" in tray.window.message_label.text()  # still up, not overwritten
    qtbot.waitUntil(lambda: "Model ready" in tray.window.message_label.text() if tray.window else False,
                    timeout=3000)
    text = tray.window.message_label.text()
    assert "The microphone is missing." in text  # the two that waited are shown together, as one
    assert [n.message for n in tray.shown] == ["Settings were reset: hotkey.",
                                               "The microphone is missing.\nModel ready."]
    assert tray.shown[-1].level == "warning" and tray.pending() == []


def test_notifications_off_hides_information_and_warnings_but_never_errors(qtbot: QtBot, tray: Tray) -> None:
    tray.min_show_ms = 0
    tray.set_notifications_enabled(False)
    tray.notify("Swictation", "Model ready.", "info")
    tray.notify("Swictation", "Recording stopped after 60 seconds.", "warning")
    tray.notify("Swictation", "The model failed to load.", "error")
    qtbot.waitUntil(lambda: len(tray.shown) == 1, timeout=2000)
    assert [(n.message, n.level) for n in tray.shown] == [("The model failed to load.", "error")]


def test_each_notification_is_logged_once(qtbot: QtBot, tray: Tray, caplog: pytest.LogCaptureFixture) -> None:
    from swictation_gui.core.events import EventLog
    from swictation_gui.ui.feedback import TrayFeedback

    tray.min_show_ms = 0
    feedback = TrayFeedback(tray, cues=None, events=EventLog(None))  # type: ignore[arg-type]  # cues unused
    with caplog.at_level("INFO", logger="swictation"):
        feedback.notify("Settings were reset: hotkey.", "warning")
        feedback.notify("The microphone is working again.", "info")
    assert len([r for r in caplog.records if "Settings were reset" in r.getMessage()]) == 1
    assert len([r for r in caplog.records if "working again" in r.getMessage()]) == 1


def test_the_model_menu_offers_a_download_at_any_time(qtbot: QtBot, tray: Tray) -> None:
    """After Cancel in the first-run dialog there must still be a way back to a download from the tray."""
    with qtbot.waitSignal(tray.download_requested, timeout=1_000):
        tray.download_action.trigger()
    assert tray.download_action in tray.model_menu.actions() and tray.download_action.isEnabled()


def test_the_model_menu_ticks_what_runs_and_offers_a_folder(qtbot: QtBot, tray: Tray) -> None:
    """The tick follows the running model, a folder included (by its name); none when nothing runs."""
    tray.set_model("/home/me/models/my-parakeet")
    assert tray.custom_action.isVisible() and tray.custom_action.isChecked()
    assert tray.custom_action.text() == "Custom folder: my-parakeet" and not tray.custom_action.isEnabled()
    assert not any(a.isChecked() for a in tray.model_actions.values())
    tray.set_model("cpu")
    assert tray.model_actions["cpu"].isChecked() and not tray.custom_action.isVisible()
    assert not tray.custom_action.isChecked()
    tray.set_model(None)
    assert not any(a.isChecked() for a in (*tray.model_actions.values(), tray.custom_action))
    for action, signal in ((tray.folder_action, tray.model_folder_requested), (tray.manage_action,
                                                                                  tray.models_requested)):
        assert action in tray.model_menu.actions() and action.isEnabled()
        with qtbot.waitSignal(signal, timeout=1_000):
            action.trigger()


def test_hiding_the_tray_closes_its_error_boxes(qtbot: QtBot, tray: Tray) -> None:
    """At quit no error box of the fallback window stays on screen (it outlived the app before)."""
    from PySide6.QtWidgets import QMessageBox

    assert tray.window is not None
    tray.notify("Model failed", "The model could not be loaded.", "error")
    boxes = tray.window.findChildren(QMessageBox)
    qtbot.waitUntil(lambda: any(b.isVisible() for b in boxes), timeout=2_000)
    tray.hide()
    assert not any(b.isVisible() for b in boxes)
