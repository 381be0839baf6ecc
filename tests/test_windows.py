"""The app's window manager: windows that delete themselves never break a later close_all (Quit)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from swictation_gui.recognition.cuda_probe import CudaProbe
from swictation_gui.ui.windows import Windows


def test_quit_after_about_was_closed_does_not_raise(qtbot: QtBot, tmp_path: Path) -> None:
    """Tray → About → OK → Quit: the About box deleted itself on close; Quit must still close everything else."""
    windows = Windows(tmp_path / "settings.json", CudaProbe())
    windows.open_about("CPU")
    box = windows._about
    assert isinstance(box, QMessageBox)
    with qtbot.waitExposed(box):
        pass
    box.button(QMessageBox.StandardButton.Ok).click()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: not shiboken6.isValid(box), timeout=5_000)
    windows.open_log()
    log_window = windows._log_window
    windows.close_all()  # raised "Internal C++ object (QMessageBox) already deleted" before
    assert not log_window.isVisible()
