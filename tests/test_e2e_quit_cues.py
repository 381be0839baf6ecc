"""Issue 9 end to end: quitting the real app right after dictations with sound cues on exits cleanly."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from swictation_gui.platform import ipc
from tests.desktop import xenv
from tests.desktop.fixtures import xdisplay, xserver  # noqa: F401 - fixtures
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.test_cues_pulse import CRASH_SIGNS
from tests.test_e2e_harness import AppProcess, app_env, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.parametrize("sink", ["stalled", "working"])
def test_quit_right_after_dictations_with_cues_exits_cleanly(
        run_app: Callable[..., AppProcess], xdisplay: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        band_model: Path, tmp_path: Path, sink: str) -> None:
    env = app_env(xdisplay, virtual_mic, tmp_path)
    if sink == "stalled":   # cue output to a suspended sink never plays: the stall from the issue
        virtual_mic.pactl("load-module", "module-null-sink", "sink_name=stalled", "rate=48000", "channels=1")
        virtual_mic.pactl("suspend-sink", "stalled", "1")
        env["PULSE_SINK"] = "stalled"
    app = run_app([f"--model-dir={band_model}", "--hotkey=f9", "--sound-cues=on"], env)
    app.wait_ev("ready", 60)
    folder = tmp_path / "config" / "run"   # the app's control folder (SWICTATION_GUI_HOME is tmp_path)
    for _ in range(3):
        mark = app.mark()
        assert ipc.send_command("start", folder) == "ok"
        app.wait_ev("recording", 10, start=mark)
        time.sleep(0.3)
        assert ipc.send_command("stop", folder) == "ok"
        app.wait_ev("phase", 10, start=mark, phase="idle")
    assert ipc.send_command("start", folder) == "ok"   # quit while recording, right after a cue
    started = time.monotonic()
    assert ipc.send_command("quit", folder) == "ok"
    code = app.wait_exit(30)
    took = time.monotonic() - started
    text = app.describe()
    assert code == 0, f"exit {code} after {took:.1f} s\n{text}"
    assert not any(sign in line for line in app.log for sign in CRASH_SIGNS), text
    assert app.of("stopped"), text
    assert took < 5, f"quit took {took:.1f} s"
    print(f"quit with cues on ({sink} sink): {took:.2f} s")
