"""Toggle mode end to end: the hotkey and other start/stop paths agree on whether a dictation runs (real app)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.test_e2e_app import control
from tests.test_e2e_dictation import Keys, desk, phrase_wav, screen, start_app, target  # noqa: F401 - fixtures
from tests.test_e2e_harness import AppProcess, app_env, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_hotkey_stops_a_dictation_started_elsewhere(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    """Start from outside (the control socket, as the tray's Start does), stop with the hotkey: the listener
    keeps no toggle state of its own, so its press is a stop, not a second "start" the session ignores."""
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--mode=toggle",
                    "--no-trailing-space")
    mark = app.mark()
    assert control(app_env(screen, virtual_mic, tmp_path), "start").returncode == 0
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(phrase_wav(virtual_mic, ["mi", "sol"]))
    keys = Keys(screen, "f9")
    keys.down()
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("mi sol") == "mi sol", app.describe()


def test_socket_stops_a_dictation_started_by_the_hotkey_and_the_next_press_starts_at_once(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    """The reverse: start with the hotkey, stop over the socket; the following hotkey press is a start again
    (the old listener still believed a dictation ran, so it took two presses)."""
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--mode=toggle",
                    "--no-trailing-space")
    keys = Keys(screen, "f9")
    mark = app.mark()
    keys.down()
    keys.up()
    first = int(app.wait_ev("recording", 10, start=mark)["seq"])
    virtual_mic.play(phrase_wav(virtual_mic, ["do", "re"]))
    assert control(app_env(screen, virtual_mic, tmp_path), "stop").returncode == 0
    app.wait_ev("injected", 30, seq=first)
    assert window.wait_text("do re") == "do re", app.describe()
    mark = app.mark()
    keys.down()
    keys.up()
    second = int(app.wait_ev("recording", 10, start=mark)["seq"])
    assert second == first + 1
