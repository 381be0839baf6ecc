"""The recording overlay widget: when it shows, what it says, that it never asks for focus, and no idle timer."""

from __future__ import annotations

import os
import types

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from swictation_gui.core.status import AppStatus
from swictation_gui.ui import overlay as overlay_module
from swictation_gui.ui.overlay import RecordingOverlay


def _overlay(qtbot: QtBot) -> RecordingOverlay:
    widget = RecordingOverlay()
    qtbot.addWidget(widget)
    return widget


def test_it_asks_for_no_focus_and_no_input(qtbot: QtBot) -> None:
    widget = _overlay(qtbot)
    flags = widget.windowFlags()
    for flag in (Qt.WindowType.WindowDoesNotAcceptFocus, Qt.WindowType.X11BypassWindowManagerHint,
                 Qt.WindowType.WindowStaysOnTopHint, Qt.WindowType.FramelessWindowHint):
        assert flags & flag, flag
    for attribute in (Qt.WidgetAttribute.WA_ShowWithoutActivating, Qt.WidgetAttribute.WA_TransparentForMouseEvents,
                      Qt.WidgetAttribute.WA_X11DoNotAcceptFocus):
        assert widget.testAttribute(attribute), attribute
    assert widget.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_it_follows_the_status_and_counts_the_time_only_while_recording(qtbot: QtBot,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    widget = _overlay(qtbot)
    clock = [100.0]
    monkeypatch.setattr(overlay_module, "time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    widget.show_status(AppStatus.READY)
    assert not widget.isVisible()
    widget.show_status(AppStatus.RECORDING)
    assert widget.isVisible() and widget.state == "recording"
    clock[0] = 165.5
    widget.set_level(0.4)
    assert (widget.level, int(widget._elapsed)) == (0.4, 65)
    widget.show_status(AppStatus.TRANSCRIBING)
    assert widget.isVisible() and widget.state == "transcribing" and widget.level == 0.0
    widget.set_level(0.9)  # the monitor stops with the recording; a late tick changes nothing
    assert widget.level == 0.0
    widget.show_status(AppStatus.READY)
    assert not widget.isVisible() and widget.state == ""


def test_cancelled_shows_for_a_moment_then_no_timer_runs(qtbot: QtBot) -> None:
    widget = _overlay(qtbot)
    widget.show_status(AppStatus.RECORDING)
    widget.show_status(AppStatus.READY)
    assert widget.show_cancelled()
    widget.show_status(AppStatus.READY)  # the status that follows the cancel does not cut it short
    assert widget.isVisible() and widget.state == "cancelled"
    assert widget._hide_timer.isActive()
    qtbot.waitUntil(lambda: not widget.isVisible(), timeout=overlay_module.CANCELLED_MS + 2000)
    assert not widget._hide_timer.isActive()
    widget.show_status(AppStatus.RECORDING)  # a new recording during the flash takes over at once
    assert widget.state == "recording"


def test_turned_off_it_never_shows(qtbot: QtBot) -> None:
    widget = _overlay(qtbot)
    widget.show_status(AppStatus.RECORDING)
    widget.set_enabled(False)
    assert not widget.isVisible()
    widget.show_status(AppStatus.RECORDING)
    assert not widget.isVisible()
    assert widget.show_cancelled() is False  # the caller tells the user another way
    assert not widget.isVisible() and not widget._hide_timer.isActive()
