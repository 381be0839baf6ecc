"""The real tray app: `swictation-gui model cpu` waits for the switch and reports how it ended."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from swictation_gui.models.catalogue import CPU_MODEL
from tests.desktop import xenv
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.test_e2e_app import control
from tests.test_e2e_dictation import desk, screen, start_app  # noqa: F401 - fixtures
from tests.test_e2e_harness import AppProcess, app_env, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_model_command_reports_a_missing_model_then_the_switch(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        band_model: Path, band_model_int8: Path, tmp_path: Path) -> None:
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path)
    env = app_env(screen, virtual_mic, tmp_path)
    missing = control(env, "model", "cpu")
    assert missing.returncode == 2, (missing.stdout, missing.stderr)
    assert missing.stdout.strip() == "switching to the cpu model…"
    assert "not installed" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1, missing.stderr
    assert "models download cpu" in missing.stderr
    settings = tmp_path / "settings.json"
    assert not settings.exists() or json.loads(settings.read_text(encoding="utf-8")).get("model") != "cpu"

    shutil.copytree(band_model_int8, tmp_path / "data" / "models" / CPU_MODEL.name)  # now it is installed
    mark = app.mark()
    switched = control(env, "model", "cpu")
    assert switched.returncode == 0, (switched.stdout, switched.stderr)
    assert switched.stdout.splitlines() == ["switching to the cpu model…", "now using the CPU int8 model (CPU)"]
    assert json.loads(settings.read_text(encoding="utf-8"))["model"] == "cpu"  # saved before the answer
    app.wait_ev("ready", 10, start=mark)

    again = control(env, "model", "cpu")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "the CPU int8 model is already in use (CPU)"
