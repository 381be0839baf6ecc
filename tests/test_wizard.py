"""The setup wizard's pages under pytest-qt (offscreen): model default from the hardware, download from a real
local HTTP server (cancel, resume, mirror address, offline), microphone meter and hotkey pause signals, try-it box."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from swictation_gui.models.catalogue import CATALOGUE, CPU_MODEL, GPU_MODEL, ModelLocation, ModelSpec
from swictation_gui.platform.base import HotkeyMode
from swictation_gui.settings import ModelChoice, Settings
from swictation_gui.ui.wizard import HOTKEY, MICROPHONE, TRY, SetupWizard
from tests.fixtures.archives import Archive, served_spec
from tests.fixtures.http_server import ArchiveServer, Behaviour

pytestmark = pytest.mark.timeout(120)
WAIT_MS = 60_000


def local_specs(server: ArchiveServer, archives: dict[str, Archive],
                behaviour: Behaviour | None = None) -> list[ModelSpec]:
    return [served_spec(spec, server.add(f"/{spec.key}.tar.bz2", archives[spec.key].data, behaviour),
                        archives[spec.key]) for spec in (GPU_MODEL, CPU_MODEL)]


def make_wizard(qtbot: QtBot, root: Path, specs: list[ModelSpec] | None = None, cuda: bool = False,
                settings: Settings | None = None, usable: bool = False) -> SetupWizard:
    wizard = SetupWizard(settings or Settings(), cuda, "tests", usable=usable, root=root,
                         specs=specs or list(CATALOGUE), input_devices=lambda: ["Studio Mic", "Webcam Mic"])
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


@pytest.mark.parametrize(("cuda", "key"), [(False, "cpu"), (True, "gpu")])
def test_the_default_model_follows_the_cuda_check(cuda: bool, key: str, qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, tmp_path, cuda=cuda)
    assert wizard.model_page.selected_spec().key == key
    assert wizard.model_page.model_box.currentText().endswith("— recommended")
    assert ("CUDA works" if cuda else "CUDA is not available") in wizard.model_page.reason_label.text()
    assert wizard.model_page.address.text() == wizard.model_page.selected_spec().url  # the browser fallback
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # nothing installed yet


def test_download_completes_and_enables_next(qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive],
                                             tmp_path: Path) -> None:
    root = tmp_path / "models"
    wizard = make_wizard(qtbot, root, local_specs(server, archives))
    page = wizard.model_page
    states: list[str] = []
    page.state_changed.connect(states.append)
    with qtbot.waitSignal(wizard.installed, timeout=WAIT_MS) as blocker:
        page.download_button.click()
    location = blocker.args[0]
    assert isinstance(location, ModelLocation) and location.spec is not None and location.spec.key == "cpu"
    assert (location.folder / location.files.encoder).is_file()
    assert states[0] == "downloading" and states[-1] == "installed"
    assert page.progress_bar.value() == 1000
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_cancel_keeps_the_partial_download_and_resume_finishes_it(
        qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive], tmp_path: Path) -> None:
    root = tmp_path / "models"
    wizard = make_wizard(qtbot, root, local_specs(server, archives, Behaviour(trickle_s=0.02, trickle_chunk=512)))
    page = wizard.model_page
    page.download_button.click()
    qtbot.waitUntil(lambda: page.progress_bar.value() > 0, timeout=WAIT_MS)
    assert page.cancel_button.isVisible() and not page.download_button.isEnabled()
    with qtbot.waitSignal(page.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "cancelled"):
        page.cancel_button.click()
    assert "nothing was installed" in page.status_label.text()
    qtbot.waitUntil(lambda: not page.busy(), timeout=WAIT_MS)
    assert page.download_button.text() == "&Resume download"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    before = len(server.seen())
    with qtbot.waitSignal(wizard.installed, timeout=WAIT_MS):
        page.download_button.click()
    assert any(r.range for r in server.seen()[before:]), "the download started over"


def test_an_edited_address_downloads_from_that_mirror(qtbot: QtBot, server: ArchiveServer,
                                                     archives: dict[str, Archive], tmp_path: Path) -> None:
    mirror = server.add("/mirror/cpu.tar.bz2", archives["cpu"].data)
    wizard = make_wizard(qtbot, tmp_path / "models")  # the real catalogue: its addresses are not reachable here
    page = wizard.model_page
    page.address.setText(mirror)
    with qtbot.waitSignal(wizard.installed, timeout=WAIT_MS) as blocker:
        page.download_button.click()
    assert blocker.args[0].folder.parent == tmp_path / "models"
    assert [r.path for r in server.seen()] == ["/mirror/cpu.tar.bz2"]


def test_offline_shows_the_address_for_a_browser(qtbot: QtBot, archives: dict[str, Archive], tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    specs = [served_spec(spec, f"http://127.0.0.1:{port}/{spec.key}.tar.bz2", archives[spec.key])
             for spec in (GPU_MODEL, CPU_MODEL)]
    wizard = make_wizard(qtbot, tmp_path / "models", specs)
    page = wizard.model_page
    with qtbot.waitSignal(page.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "failed"):
        page.download_button.click()
    text = page.status_label.text()
    assert "offline" in text and specs[1].url in text and "Use a downloaded archive" in text
    assert page.status_label.wordWrap()


def test_a_local_archive_and_an_installed_model_are_used(qtbot: QtBot, archives: dict[str, Archive],
                                                          tmp_path: Path) -> None:
    root = tmp_path / "models"
    wizard = make_wizard(qtbot, root)
    page = wizard.model_page
    with qtbot.waitSignal(wizard.installed, timeout=WAIT_MS):
        page.use_archive(archives["cpu"].path)
    assert archives["cpu"].path.is_file()  # the user's file is kept
    again = make_wizard(qtbot, root)  # reopened: the installed model is offered as is
    assert again.model_page.download_button.text() == "&Use it"
    with qtbot.waitSignal(again.installed, timeout=WAIT_MS) as blocker:
        again.model_page.download_button.click()
    assert blocker.args[0].spec is CPU_MODEL


def test_reopened_with_a_usable_model_next_needs_no_install(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, tmp_path, usable=True)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_microphone_page_meters_the_chosen_device_and_stops_when_left(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, tmp_path, usable=True, settings=Settings(input_device="Webcam Mic"))
    requested: list[object] = []
    stopped: list[bool] = []
    wizard.microphone_test_requested.connect(requested.append)
    wizard.microphone_test_stopped.connect(lambda: stopped.append(True))
    wizard.next()
    assert wizard.currentId() == MICROPHONE and requested == ["Webcam Mic"]
    mic = wizard.microphone_page.page
    assert [mic.combo.itemText(i) for i in range(mic.combo.count())] == ["System default", "Studio Mic",
                                                                         "Webcam Mic"]
    wizard.set_level(0.5)
    assert mic.meter.fraction() > 0
    mic.combo.setCurrentIndex(1)
    assert requested[-1] == "Studio Mic"
    wizard.next()
    assert stopped == [True] and mic.meter.fraction() == 0.0


def test_hotkey_page_pauses_the_global_hotkey_while_recording(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, tmp_path, usable=True)
    capture: list[bool] = []
    wizard.hotkey_capture_changed.connect(capture.append)
    wizard.next()
    wizard.next()
    assert wizard.currentId() == HOTKEY
    wizard.hotkey_page.page.record.click()
    assert capture == [True]
    wizard.reject()  # Cancel while recording: the global hotkey comes back
    assert capture == [True, False]


def test_try_page_applies_the_choices_and_has_the_focus(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, tmp_path, usable=True)
    wizard.activateWindow()
    qtbot.waitActive(wizard)
    chosen: list[Settings] = []
    base = Settings(model=ModelChoice.CPU)  # the settings in effect when the choices arrive
    wizard.settings_chosen.connect(lambda store: chosen.append(store(base)))
    wizard.next()
    wizard.microphone_page.page.combo.setCurrentIndex(1)
    wizard.next()
    wizard.hotkey_page.page.edit.set_hotkey("f9")
    wizard.hotkey_page.page.toggle.setChecked(True)
    wizard.next()
    assert wizard.currentId() == TRY
    assert [(s.input_device, s.hotkey, s.hotkey_mode, s.model) for s in chosen] == [
        ("Studio Mic", "f9", HotkeyMode.TOGGLE, ModelChoice.CPU)]  # only the wizard's own fields are its choice
    assert "press F9" in wizard.try_page.instruction.text()
    qtbot.waitUntil(lambda: wizard.try_page.box.hasFocus(), timeout=5_000)
    assert "still loading" in wizard.try_page.model_state.text()
    wizard.set_model_ready(True)
    assert "ready" in wizard.try_page.model_state.text()
    wizard.accept()
    assert len(chosen) == 2 and chosen[-1] == chosen[0]


def test_cancel_stops_a_running_download(qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive],
                                         tmp_path: Path) -> None:
    root = tmp_path / "models"
    wizard = make_wizard(qtbot, root, local_specs(server, archives, Behaviour(trickle_s=0.02, trickle_chunk=512)))
    page = wizard.model_page
    with qtbot.waitSignal(page.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "cancelled"):
        page.download_button.click()
        qtbot.waitUntil(lambda: page.progress_bar.value() > 0, timeout=WAIT_MS)
        wizard.reject()
    qtbot.waitUntil(lambda: not page.busy(), timeout=WAIT_MS)
    assert not (root / CPU_MODEL.name).exists()
    assert not wizard.isVisible()
