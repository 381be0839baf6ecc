"""Settings → Model and the tray's Model menu in the whole app, in-process: real recognizer threads and model loads,
real downloads from 127.0.0.1, real settings file. The named fakes are those of tests/test_wiring.py (FAKE PortAudio,
FAKE hotkey listener, FAKE text output)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from swictation_gui import paths
from swictation_gui.app import Application
from swictation_gui.core.status import ModelState
from swictation_gui.models.catalogue import CPU_MODEL, GPU_MODEL
from swictation_gui.settings import ModelChoice
from swictation_gui.ui import windows as windows_module
from swictation_gui.ui.models_page import CUSTOM, ModelsPage
from tests.fixtures.archives import Archive, served_spec
from tests.fixtures.http_server import ArchiveServer
from tests.test_wiring import RecordingInjector, fake_mic, make_app  # noqa: F401 (fake_mic is a fixture)

pytestmark = pytest.mark.timeout(180)
WAIT_MS = 60_000
StartApp = Callable[..., Application]


@pytest.fixture
def start_app(qtbot: QtBot, tmp_path: Path, fake_mic: None) -> Iterator[StartApp]:  # noqa: F811
    started: list[Application] = []

    def start(model: Path, **settings: object) -> Application:
        app = make_app(tmp_path, model, RecordingInjector(), **settings)
        started.append(app)
        return app

    yield start
    for app in started:
        app.shutdown_now()


def begin(qtbot: QtBot, app: Application) -> None:
    app.start()
    qtbot.waitUntil(lambda: not app.recognizer.loading and app.dictation.model_state is not ModelState.LOADING,
                    timeout=WAIT_MS)


def open_model_page(qtbot: QtBot, app: Application) -> ModelsPage:
    app.tray.manage_action.trigger()  # tray → Model → Manage models…
    dialog = app.windows.settings_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    assert dialog.tabs.currentWidget() is dialog.model_page
    page = dialog.model_page
    assert isinstance(page, ModelsPage)
    return page


def saved(tmp_path: Path) -> dict[str, object]:
    file = tmp_path / "settings.json"
    return json.loads(file.read_text()) if file.exists() else {}


def test_download_then_use_switches_through_the_app(qtbot: QtBot, start_app: StartApp, band_model: Path,
                                                    tmp_path: Path, server: ArchiveServer,
                                                    archives: dict[str, Archive]) -> None:
    app = start_app(band_model)
    app.windows.model_options = {"model_specs": [
        served_spec(spec, server.add(f"/{spec.key}.tar.bz2", archives[spec.key].data), archives[spec.key])
        for spec in (GPU_MODEL, CPU_MODEL)]}
    begin(qtbot, app)
    page = open_model_page(qtbot, app)
    custom, cpu = page.rows[CUSTOM], page.rows["cpu"]
    assert "In use now" in custom.running_label.text() and str(band_model) in custom.facts_label.text()
    assert app.tray.custom_action.isChecked() and band_model.name in app.tray.custom_action.text()

    cpu.download_button.click()
    qtbot.waitUntil(lambda: cpu.state == "idle" and not page.jobs["cpu"].busy(), timeout=WAIT_MS)
    assert (paths.models_dir() / CPU_MODEL.name / CPU_MODEL.files.encoder).is_file(), cpu.message_label.text()
    assert "model" not in saved(tmp_path) or saved(tmp_path)["model"] != "cpu"  # installed, not chosen

    cpu.use_button.click()
    assert cpu.state == "switching" and "Switching" in cpu.message_label.text()
    assert app.recognizer.running == str(band_model)  # the old model serves until the new one is warm
    # the page and the tray hear the same signal through separate queued slots: wait for both
    qtbot.waitUntil(lambda: cpu.state == "idle" and app.tray.model_actions["cpu"].isChecked(), timeout=WAIT_MS)
    assert app.recognizer.running == "cpu" and "In use now" in cpu.running_label.text(), cpu.message_label.text()
    assert custom.running_label.text() == "" and "No folder model is in use now." in custom.facts_label.text()
    assert app.tray.model_actions["cpu"].isChecked() and not app.tray.custom_action.isVisible()
    assert saved(tmp_path)["model"] == "cpu"

    dialog = app.windows.settings_dialog
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # opened with the folder: must not go back
    assert not app.recognizer.loading and app.config.effective.model is ModelChoice.CPU
    assert saved(tmp_path)["model"] == "cpu"


def test_a_failed_use_is_shown_and_the_running_folder_stays(qtbot: QtBot, start_app: StartApp, band_model: Path,
                                                            tmp_path: Path) -> None:
    app = start_app(band_model)
    begin(qtbot, app)
    before = saved(tmp_path)
    page = open_model_page(qtbot, app)
    custom = page.rows[CUSTOM]
    assert custom.folder is not None
    broken = tmp_path / "not-a-model"
    broken.mkdir()
    custom.folder.setText(str(broken))
    custom.use_button.click()
    assert custom.state == "switching"
    qtbot.waitUntil(lambda: custom.state == "idle", timeout=WAIT_MS)
    assert "Could not switch to this model" in custom.message_label.text()
    assert "settings were not changed" in custom.message_label.text()
    assert f"In use now: {band_model}" in custom.facts_label.text()  # what runs, not what was asked for
    assert app.recognizer.running == str(band_model) and saved(tmp_path) == before
    assert app.tray.custom_action.isChecked() and band_model.name in app.tray.custom_action.text()


def test_a_saved_folder_that_fails_is_not_shown_as_running(qtbot: QtBot, start_app: StartApp, band_model: Path,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    app = start_app(broken)
    begin(qtbot, app)
    assert app.recognizer.running is None
    assert not any(a.isChecked() for a in (*app.tray.model_actions.values(), app.tray.custom_action))
    page = open_model_page(qtbot, app)
    custom = page.rows[CUSTOM]
    assert custom.folder is not None and custom.folder.text() == str(broken)  # the saved choice, to fix or Use
    assert custom.running_label.text() == "" and "No folder model is in use now." in custom.facts_label.text()

    monkeypatch.setattr(windows_module.QFileDialog, "getExistingDirectory", staticmethod(lambda *_a: str(band_model)))
    app.tray.folder_action.trigger()  # tray → Model → Use a model folder…
    qtbot.waitUntil(lambda: app.recognizer.running == str(band_model), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: saved(tmp_path).get("custom_model_dir") == str(band_model), timeout=5_000)
    assert app.tray.custom_action.isChecked() and band_model.name in app.tray.custom_action.text()
    assert "In use now" in custom.running_label.text() and f"In use now: {band_model}" in custom.facts_label.text()
