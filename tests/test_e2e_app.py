"""The tray app's desktop behaviour end to end: live model switch, control socket, first run (real app process)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from swictation_gui.models.catalogue import CPU_MODEL, GPU_MODEL
from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.fixtures.synth_models import band_phrase
from tests.test_e2e_dictation import Keys, desk, phrase_wav, screen, start_app, target  # noqa: F401 - fixtures
from tests.test_e2e_harness import REPO_ROOT, AppProcess, app_env, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def control(app_env_: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``swictation-gui ARGS`` against the running app, as a desktop keybinding would."""
    return subprocess.run([sys.executable, "-m", "swictation_gui", *args],
                          env={**app_env_, "PYTHONPATH": str(REPO_ROOT)}, cwd=str(REPO_ROOT),
                          capture_output=True, text=True, timeout=30, check=False)


def test_switching_the_model_while_dictating_loses_no_utterance(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model_int8: Path, band_model: Path,  # noqa: F811
        tmp_path: Path) -> None:
    # Both catalogue models "installed" (synthetic stand-ins in the real layouts: 80-bin plain, 128-bin int8).
    shutil.copytree(band_model, tmp_path / "data" / "models" / GPU_MODEL.name)
    shutil.copytree(band_model_int8, tmp_path / "data" / "models" / CPU_MODEL.name)
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9")
    env = app_env(screen, virtual_mic, tmp_path)
    keys = Keys(screen, "f9")
    # Utterance 1 is being spoken when the switch is asked for.
    mark = app.mark()
    keys.down()
    first = int(app.wait_ev("recording", 10, start=mark)["seq"])
    player = virtual_mic.play(phrase_wav(virtual_mic, ["do", "re", "mi"]), wait=False)
    switched = control(env, "model", "cpu")
    assert switched.returncode == 0, switched.stderr
    app.wait_ev("command", 10, start=mark, command="model:cpu")
    player.wait(30)
    keys.up()
    app.wait_ev("injected", 30, seq=first)
    app.wait_ev("ready", 60, start=mark)  # the CPU model is warm and now serves
    # Utterance 2, on the new model (its own 128-bin tones).
    mark = app.mark()
    keys.down()
    second = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(virtual_mic.write_wav(band_phrase(["la", "ti"], feat_dim=128), "p128.wav"))
    keys.up()
    app.wait_ev("injected", 30, seq=second)
    assert window.wait_text("do re mi la ti ") == "do re mi la ti ", app.describe()
    assert [e["seq"] for e in app.of("injected")] == [first, second]
    assert app.of("settings_applied")[-1]["parts"] == ["model"]
    saved = (tmp_path / "settings.json").read_text(encoding="utf-8")
    assert '"model": "cpu"' in saved


def test_toggle_over_the_control_socket_starts_and_stops_a_dictation(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space")
    env = app_env(screen, virtual_mic, tmp_path)
    mark = app.mark()
    assert control(env, "toggle").returncode == 0
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(phrase_wav(virtual_mic, ["sol", "fa"]))
    assert control(env, "toggle").returncode == 0
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("sol fa") == "sol fa", app.describe()


def test_first_run_opens_the_setup_wizard_when_no_model_is_installed(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        tmp_path: Path) -> None:
    app = run_app(["--hotkey=f9", "--sound-cues=off"], app_env(screen, virtual_mic, tmp_path))
    failed = app.wait_ev("load_failed", 60)
    assert failed["missing"] is True and failed["message"].startswith("No model yet")  # calm, no GPU named
    first_run = app.wait_ev("first_run", 60)
    assert first_run["cuda"] is False  # no CUDA here: the wizard's default model is the CPU one
    assert screen.find_window("Swictation setup", timeout=20)
    assert app.proc.poll() is None
