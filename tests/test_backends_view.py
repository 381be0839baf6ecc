"""The Desktop page of Settings shows the same hotkey and text-output chains as ``doctor``."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from swictation_gui.platform import session
from swictation_gui.platform.base import InjectionMethod
from swictation_gui.settings.schema import Settings
from swictation_gui.ui.backends_view import BackendsView
from swictation_gui.ui.settings_dialog import SettingsDialog

SWAY = session.detect({"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/run/sway.sock", "DISPLAY": ":1",
                       "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/bus"})
GNOME = session.detect({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "GNOME",
                        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/bus"})


def test_each_link_is_listed_with_its_status_and_reason(qtbot: QtBot) -> None:
    view = BackendsView(SWAY)
    qtbot.addWidget(view)
    hotkeys, outputs = session.chains(SWAY)
    assert [link.name for link in view.hotkey_chain] == [link.name for link in hotkeys]
    text = view.hotkey_label.text()
    for link in hotkeys:
        assert link.name in text
    portal = next(link for link in hotkeys if link.name == "globalshortcuts-portal")
    assert portal.status == "skipped" and "has no GlobalShortcuts" in text and "skipped" in text
    active = session.active(outputs) or session.active(hotkeys)
    assert active is not None and "in use" in view.output_label.text() + text
    assert "compositor sway" in view.session_label.text()


def test_a_chain_where_nothing_works_says_so_with_the_fix(qtbot: QtBot) -> None:
    view = BackendsView(GNOME)
    qtbot.addWidget(view)
    view.method = "auto"
    view.refresh()
    wtype = next(link for link in view.output_chain if link.name == "wtype")
    assert wtype.status == "skipped"
    assert "GNOME (Mutter) has no virtual-keyboard protocol" in view.output_label.text()
    assert "Fix:" in view.output_label.text()


def test_the_desktop_page_shows_the_chains_for_the_output_method(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings(injection_method=InjectionMethod.PASTE, evdev_hotkey=True),
                            input_devices=lambda: [])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_page("desktop")
    view = dialog.desktop_page.backends
    assert view.method == "paste" and view.evdev
    qtbot.waitUntil(view.isVisible)
    assert view.hotkey_label.text().startswith("<b>Hotkey</b>")
    assert view.output_label.text().startswith("<b>Text output</b>")


def test_the_evdev_option_says_it_reads_all_keyboards_and_is_stored(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings(), input_devices=lambda: [])
    qtbot.addWidget(dialog)
    page = dialog.hotkey_page
    assert not page.evdev.isChecked()  # opt-in
    notes = " ".join(label.text() for label in page.findChildren(QLabel))
    assert "reads every key you type on every keyboard" in notes and "'input' group" in notes
    page.evdev.click()
    assert dialog.current_settings().evdev_hotkey
