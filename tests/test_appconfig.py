"""The tray app's configuration: command-line overrides are validated like the file, apply to this run only,
and never reach settings.json; only what the user changes in the UI is saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from swictation_gui.cli import app_args
from swictation_gui.core.appconfig import AppConfig, LaunchOptions, load_config
from swictation_gui.platform.base import HotkeyMode
from swictation_gui.settings import ModelChoice, Settings, SettingsStore

REPO = Path(__file__).resolve().parents[1]


def _load(tmp_path: Path, *argv: str) -> AppConfig:
    config, _ = load_config(app_args.parse(["--config", str(tmp_path / "settings.json"), *argv]))
    return config


def _saved(tmp_path: Path) -> dict[str, object]:
    data = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(("argv", "message"), [
    (["--max-record-seconds", "0"], "swictation-gui: --max-record-seconds: 0 is outside 5–3600"),
    (["--pre-roll-ms", "-5000"], "swictation-gui: --pre-roll-ms: -5000 is outside 0–2000"),
    (["--tail-ms", "2001"], "swictation-gui: --tail-ms: 2001 is outside 0–2000"),
    (["--hotkey", "nonsense+++"], "swictation-gui: --hotkey: The hotkey 'nonsense+++' has an empty part"),
])
def test_a_bad_override_stops_the_app_with_exit_2_and_one_line(argv: list[str], message: str,
                                                                  tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "swictation_gui", "--config", str(tmp_path / "s.json"), *argv],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**env, "PYTHONPATH": str(REPO)}, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(message)
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.json").exists()


def test_overrides_are_validated_by_the_settings_schema(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Maximum recording length: 0 is outside 5–3600"):
        load_config(LaunchOptions(tmp_path / "s.json", {"max_record_seconds": 0}))
    config = _load(tmp_path, "--hotkey", "Ctrl + Alt + Space", "--mode", "toggle", "--input-device", "",
                   "--sound-cues", "off")
    assert config.overrides == {"hotkey": "ctrl+alt+space", "hotkey_mode": HotkeyMode.TOGGLE,
                                "input_device": None, "sound_cues": False}
    assert config.effective.hotkey_mode is HotkeyMode.TOGGLE and config.file_settings == Settings()


def test_a_model_switch_saves_the_model_and_none_of_the_overrides(tmp_path: Path) -> None:
    SettingsStore(tmp_path / "settings.json").save(Settings(pre_roll_ms=400))
    config = _load(tmp_path, "--hotkey", "f9", "--tail-ms", "999", "--no-trailing-space")
    assert (config.effective.hotkey, config.effective.tail_ms, config.effective.trailing_space) == ("f9", 999, False)
    # The tray's "Model ▸ CPU": the app hands over the whole new effective settings.
    new, to_save = config.with_user_change(config.effective.replace(model=ModelChoice.CPU))
    config.store.save(to_save)
    saved = _saved(tmp_path)
    assert saved["model"] == "cpu" and saved["pre_roll_ms"] == 400
    assert (saved["hotkey"], saved["tail_ms"], saved["trailing_space"]) == ("ctrl_r", 400, True)
    # The overrides stay in effect for the rest of this run.
    assert new.effective == config.effective.replace(model=ModelChoice.CPU)
    assert new.model == "cpu" and new.overrides == config.overrides


def test_changing_an_overridden_setting_in_the_ui_saves_it_and_ends_the_override(tmp_path: Path) -> None:
    config = _load(tmp_path, "--hotkey", "f9", "--tail-ms", "999")
    new, to_save = config.with_user_change(config.effective.replace(hotkey="f10"))
    assert to_save == Settings(hotkey="f10")
    assert new.overrides == {"tail_ms": 999} and new.effective.hotkey == "f10"
    # Changing it back to the file's value is a change too (the user saw f9 and chose ctrl_r).
    again, to_save = config.with_user_change(config.effective.replace(hotkey="ctrl_r"))
    assert to_save == Settings() and again.effective.hotkey == "ctrl_r"


def test_model_dir_override_is_not_saved_unless_the_user_chooses_that_folder(tmp_path: Path) -> None:
    config = _load(tmp_path, "--model-dir", "/models/mine")
    assert config.model == "/models/mine" and config.file_settings.model is ModelChoice.GPU
    # Another setting, then a catalogue model: the folder never reaches the file.
    new, to_save = config.with_user_change(config.effective.replace(sound_cues=False))
    assert to_save == Settings(sound_cues=False) and new.model == "/models/mine"
    cpu, to_save = new.with_user_change(new.effective.replace(model=ModelChoice.CPU))
    assert to_save == Settings(sound_cues=False, model=ModelChoice.CPU) and cpu.model == "cpu"
    # Choosing the custom folder again in the UI saves the choice with its folder (never "custom" without one).
    back, to_save = cpu.with_user_change(cpu.effective.replace(model=ModelChoice.CUSTOM))
    assert (to_save.model, to_save.custom_model_dir) == (ModelChoice.CUSTOM, "/models/mine")
    assert back.model == "/models/mine" and back.overrides == {}


def test_the_parser_lives_in_cli_and_core_has_none() -> None:
    assert "--max-record-seconds" in app_args.build_parser().format_help()
    core = REPO / "swictation_gui" / "core"
    assert [p.name for p in core.glob("*.py") if "argparse" in p.read_text(encoding="utf-8")] == []
