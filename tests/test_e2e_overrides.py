"""The real tray app: command-line overrides stay out of settings.json when the model is switched live."""

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


def test_a_model_switch_saves_the_model_but_not_the_command_line_overrides(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        band_model: Path, band_model_int8: Path, tmp_path: Path) -> None:
    shutil.copytree(band_model_int8, tmp_path / "data" / "models" / CPU_MODEL.name)
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path,
                    "--hotkey=f9", "--tail-ms=999", "--no-trailing-space")
    mark = app.mark()
    switched = control(app_env(screen, virtual_mic, tmp_path), "model", "cpu")
    assert switched.returncode == 0, switched.stderr
    assert app.wait_ev("settings_applied", 20, start=mark)["parts"] == ["model"]
    app.wait_ev("ready", 60, start=mark)  # the switch really happened
    saved = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))
    assert saved["model"] == "cpu"
    # --model-dir, --hotkey, --tail-ms, --no-trailing-space and start_app's --sound-cues=off: this run only.
    assert (saved["custom_model_dir"], saved["hotkey"], saved["tail_ms"], saved["trailing_space"],
            saved["sound_cues"]) == (None, "ctrl_r", 400, True, True)
