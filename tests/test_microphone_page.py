"""The Microphone page and the app's holds on the microphone (in-process, fake PortAudio at the edge)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from swictation_gui.app import Application
from swictation_gui.audio.capture import CANNOT_OPEN
from swictation_gui.audio.devices import NO_PULSE_DEVICE
from swictation_gui.audio.sources import InputChoice
from swictation_gui.core.session import Phase
from swictation_gui.core.status import AppStatus
from swictation_gui.settings.schema import LABELS, Settings, from_dict
from swictation_gui.ui.microphone_page import HINT, KEEP_OPEN_TEXT, MicrophonePage
from tests.fakes import sounddevice as fake_sd
from tests.test_wiring import FakeHotkey, RecordingInjector, dictate, fake_mic, running  # noqa: F401 - fixtures


def test_sources_show_their_descriptions_and_keep_open_round_trips(qtbot: QtBot) -> None:
    page = MicrophonePage()
    qtbot.addWidget(page)
    choices = [InputChoice("pulse:alsa_input.pci.analog-stereo", "Built-in Audio Analog Stereo"),
               InputChoice("pulse:bluez_input.headset", "Headset Microphone")]
    page.set_devices(choices, "pulse:bluez_input.headset")
    assert [page.combo.itemText(i) for i in range(page.combo.count())] == [
        "System default", "Built-in Audio Analog Stereo", "Headset Microphone"]
    assert page.device() == "pulse:bluez_input.headset"
    page.set_devices(choices[:1], "pulse:bluez_input.headset")
    assert page.combo.currentText() == "bluez_input.headset (not connected)"
    page.load(Settings(keep_mic_open=True))
    assert page.keep_open.text() == KEEP_OPEN_TEXT and "pre-roll" in page.keep_open_note.text()
    stored = page.store(Settings())
    assert stored.keep_mic_open is True and stored.input_device == "pulse:bluez_input.headset"


def test_keep_mic_open_is_a_setting_off_by_default() -> None:
    assert Settings().keep_mic_open is False
    assert LABELS["keep_mic_open"] == "Keep the microphone open"
    settings, warnings = from_dict({"keep_mic_open": "yes", "input_device": "pulse:desk"})
    assert settings.keep_mic_open is True and settings.input_device == "pulse:desk" and warnings == []


def test_the_microphone_is_closed_while_idle_and_held_by_the_meter_and_keep_open(
        qtbot: QtBot, running: tuple[Application, RecordingInjector]) -> None:  # noqa: F811
    app, _ = running
    capture = app.dictation.capture
    qtbot.waitUntil(lambda: not capture.is_open, timeout=5_000)  # the check at start closed it again
    app.windows.open_settings(app.config.effective)
    dialog = app.windows.settings_dialog
    dialog.show_page("microphone")
    qtbot.waitUntil(lambda: capture.holds == {"meter": 1} and capture.is_open, timeout=5_000)
    qtbot.waitUntil(lambda: app.levels.active, timeout=5_000)
    dialog.reject()
    qtbot.waitUntil(lambda: capture.holds == {} and not capture.is_open, timeout=5_000)
    app.apply_settings(app.config.effective.replace(keep_mic_open=True))
    assert app.dictation.capture is capture, "applied live, without a new capture"
    qtbot.waitUntil(lambda: capture.holds == {"keep-open": 1} and capture.is_open, timeout=5_000)
    app.apply_settings(app.config.effective.replace(keep_mic_open=False, pre_roll_ms=100))
    new = app.dictation.capture
    assert new is not capture and new.holds == {}
    qtbot.waitUntil(lambda: not new.is_open, timeout=5_000)


def test_a_press_that_cannot_open_the_microphone_is_told_and_the_next_one_works(
        qtbot: QtBot, running: tuple[Application, RecordingInjector]) -> None:  # noqa: F811
    app, injector = running
    told: list[tuple[str, str]] = []
    notify = app.feedback.notify
    app.feedback.notify = lambda message, level="warning": (told.append((level, message)), notify(message, level))[1]
    hotkey = FakeHotkey.instances[-1]
    fake_sd.config.open_fail = -1   # the device is there but every open fails from now on
    hotkey.press()
    qtbot.waitUntil(lambda: ("error", CANNOT_OPEN) in told, timeout=10_000)
    hotkey.release()
    qtbot.waitUntil(lambda: app.dictation.session.phase is Phase.IDLE and not app.dictation.session.recording,
                    timeout=10_000)
    assert injector.texts == [] and app.dictation.capture.holds == {}
    fake_sd.config.open_fail = 0
    qtbot.waitUntil(lambda: app.dictation.status.status is AppStatus.READY, timeout=15_000)  # the re-check found it
    dictate(qtbot, hotkey, ["re"])
    qtbot.waitUntil(lambda: injector.texts == ["re "], timeout=15_000)


def test_a_chosen_but_unapplied_microphone_gets_its_own_meter_stream_and_ours_is_let_go(
        qtbot: QtBot, running: tuple[Application, RecordingInjector]) -> None:  # noqa: F811
    app, _ = running
    capture = app.dictation.capture
    app.windows.open_settings(app.config.effective)
    dialog = app.windows.settings_dialog
    dialog.show_page("microphone")
    page = dialog.microphone_page
    qtbot.waitUntil(lambda: capture.holds == {"meter": 1}, timeout=5_000)  # ours (the system default)
    assert not app.mic_preview.active
    page.set_devices([InputChoice("pulse:desk_mic", "Desk Microphone")], None)
    page.combo.setCurrentIndex(page.combo.findText("Desk Microphone"))  # as a user picks it, before OK
    assert app.mic_preview.active and app.mic_preview.device == "pulse:desk_mic"
    qtbot.waitUntil(lambda: capture.holds == {} and app.levels.active, timeout=5_000)  # ours let go, meter on
    # the FAKE PortAudio has no PulseAudio behind it, so the desk source cannot open: said on the page
    qtbot.waitUntil(lambda: page.hint.text() == f"✖ {NO_PULSE_DEVICE}", timeout=10_000)
    page.combo.setCurrentIndex(0)  # back to the one in use: metered through our capture again
    assert not app.mic_preview.active and page.hint.text() == HINT
    qtbot.waitUntil(lambda: capture.holds == {"meter": 1}, timeout=5_000)
    page.combo.setCurrentIndex(page.combo.findText("Desk Microphone"))
    preview = app.mic_preview.capture
    assert preview is not None and preview.holds == {"meter": 1}
    dialog.reject()  # closing the dialog closes the preview too
    assert not app.mic_preview.active and preview.holds == {}
    qtbot.waitUntil(lambda: not preview.is_open and capture.holds == {} and not app.levels.active, timeout=5_000)


def test_quit_while_a_picked_microphone_is_previewed_and_dictation_still_uses_ours(
        qtbot: QtBot, running: tuple[Application, RecordingInjector]) -> None:  # noqa: F811
    app, injector = running
    app.windows.open_settings(app.config.effective)
    dialog = app.windows.settings_dialog
    dialog.show_page("microphone")
    page = dialog.microphone_page
    page.set_devices([InputChoice("pulse:desk_mic", "Desk Microphone")], None)
    page.combo.setCurrentIndex(page.combo.findText("Desk Microphone"))
    preview = app.mic_preview.capture
    assert preview is not None
    dictate(qtbot, FakeHotkey.instances[-1], ["re"])  # while the preview runs: our microphone, our words
    qtbot.waitUntil(lambda: injector.texts == ["re "], timeout=15_000)
    app.shutdown_now()  # tray Quit with the dialog open on the preview
    assert not app.mic_preview.active and preview.holds == {} and not app.levels.active
    qtbot.waitUntil(lambda: not preview.is_open, timeout=5_000)
