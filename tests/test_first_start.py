"""The app's first start with no model (defect 5): no model ticked, no error balloon, the wizard's default model
from the CUDA check, and the installed model then serves and is ticked. In-process, offscreen.

Named fakes: those of ``tests/test_wiring.py`` (FAKE PortAudio, hotkey listener and text output), and the CUDA
check's answer (FAKE: this machine has no GPU, so the test hands the app each answer the real check can give).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from swictation_gui.app import Application
from swictation_gui.core.appconfig import AppConfig
from swictation_gui.core.events import EventLog
from swictation_gui.core.status import NO_MODEL_YET, AppStatus, ModelState
from swictation_gui.recognition.base import DeviceReport
from swictation_gui.recognition.cuda_probe import CudaProbe
from swictation_gui.settings import Settings, SettingsStore
from swictation_gui.ui.live_parts import PlatformParts
from swictation_gui.ui.wizard import HOTKEY
from tests.fakes import sounddevice as fake_sd
from tests.fixtures.archives import Archive
from tests.test_wiring import FakeHotkey, RecordingInjector, fake_mic  # noqa: F401 - fixture

pytestmark = pytest.mark.timeout(120)

NO_CUDA = DeviceReport("cuda", "cpu", "no CUDA-capable device is detected")
CUDA = DeviceReport("cuda", "cuda")


@pytest.fixture
def first_start(qtbot: QtBot, tmp_path: Path, fake_mic: None,  # noqa: F811
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Application]:
    """The app on an empty home with default settings; the CUDA check waits for the test's answer."""
    monkeypatch.setattr(CudaProbe, "start", lambda self: None)
    config = AppConfig(Settings(sound_cues=False), SettingsStore(tmp_path / "settings.json"))
    parts = PlatformParts(hotkey=lambda s, keyboard: FakeHotkey(), injector=lambda s, keyboard: RecordingInjector(),
                          sd_module=fake_sd)
    app = Application(config, EventLog(io.StringIO()), parts)
    app.start()
    qtbot.waitUntil(lambda: app.dictation.model_state is ModelState.MISSING, timeout=30_000)
    yield app
    app.shutdown_now()


def events(app: Application, name: str) -> list[dict[str, object]]:
    """The app's events named ``name`` so far."""
    stream = app.events._stream
    assert isinstance(stream, io.StringIO)
    return [e for e in map(json.loads, stream.getvalue().splitlines()) if e["ev"] == name]


def error_notices(app: Application) -> list[object]:
    """The error notifications so far (each one is an event, whether it is on screen or waiting)."""
    return [e["message"] for e in events(app, "notify") if e["level"] == "error"]


def ticked(app: Application) -> list[str]:
    return [key for key, action in app.tray.model_actions.items() if action.isChecked()]


@pytest.mark.parametrize(("report", "key"), [(NO_CUDA, "cpu"), (CUDA, "gpu")])
def test_no_model_yet_is_a_calm_state_and_the_wizard_default_follows_the_cuda_check(
        qtbot: QtBot, first_start: Application, report: DeviceReport, key: str) -> None:
    app = first_start
    assert ticked(app) == []  # nothing runs, so nothing is ticked (today's code ticked "gpu")
    assert app.dictation.status.status is AppStatus.NO_MODEL
    assert "Model:" not in app.tray.tooltip() and "No model yet" in app.tray.tooltip()
    assert "download gpu" not in app.tray.tooltip()  # no terminal command naming a model this machine may not run
    assert [e["message"] for e in events(app, "load_failed")] == [NO_MODEL_YET]  # no GPU model blamed
    assert app.windows.wizard is None  # the wizard waits for the CUDA check, to choose the right default
    app.cuda_probe.finished.emit(report)
    qtbot.waitUntil(lambda: app.windows.wizard is not None, timeout=5_000)
    assert app.windows.wizard.model_page.selected_spec().key == key
    assert error_notices(app) == [] and str(app.tray.state()) != "error"


def test_the_installed_model_serves_and_is_ticked_and_saved(qtbot: QtBot, first_start: Application,
                                                           archives: dict[str, Archive]) -> None:
    app = first_start
    app.cuda_probe.finished.emit(NO_CUDA)
    qtbot.waitUntil(lambda: app.windows.wizard is not None, timeout=5_000)
    wizard = app.windows.wizard
    wizard.model_page.use_archive(archives["cpu"].path)
    qtbot.waitUntil(lambda: app.dictation.model_state is ModelState.READY, timeout=60_000)
    assert ticked(app) == ["cpu"]
    assert '"model": "cpu"' in app.config.store.path.read_text(encoding="utf-8")
    assert "ready" in wizard.try_page.model_state.text()
    for _page in range(3):  # microphone, hotkey (F9 recorded), try it: the choices apply, the model stays
        wizard.next()
        if wizard.currentId() == HOTKEY:
            wizard.hotkey_page.page.edit.set_hotkey("f9")
    qtbot.waitUntil(lambda: app.config.effective.hotkey == "f9", timeout=5_000)
    qtbot.waitUntil(lambda: not app.recognizer.loading, timeout=30_000)
    assert app.config.model == "cpu" and ticked(app) == ["cpu"]
    assert events(app, "settings_applied")[-1]["parts"] == ["hotkey"]  # not the model the wizard opened with
    assert error_notices(app) == []
    app.tray.download_requested.emit()  # the tray's "Download or add a model…" brings the same wizard back
    assert app.windows.wizard is wizard and wizard.isVisible()
