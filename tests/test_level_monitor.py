"""The level poller: the tray and overlay show the dictation's microphone, the dialog's meter its own device."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from swictation_gui.ui.feedback import LevelMonitor


def test_the_tray_shows_the_dictation_and_the_dialog_the_previewed_microphone(qtbot: QtBot) -> None:
    tray: list[float] = []
    dialog: list[float] = []
    monitor = LevelMonitor(lambda: 0.5, tray.append, dialog.append, dialog_level=lambda: 0.1)
    assert not monitor.active  # idle: no timer
    monitor.set_recording(True)
    monitor.set_dialog(True)  # Settings → Microphone shows another, previewed device meanwhile
    qtbot.waitUntil(lambda: len(tray) >= 3 and len(dialog) >= 3, timeout=5_000)
    assert set(tray) == {0.5} and set(dialog) == {0.1}
    monitor.set_recording(False)
    monitor.set_dialog(False)
    assert not monitor.active
    monitor.stop()
