"""The real app's microphone on a real PulseAudio daemon: closed while idle, opened per dictation, named after the
app, kept open on request, and recording from the source the user chose (Xvfb + trayer, real keys, real target)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.fixtures.synth_models import band_phrase
from tests.test_e2e_dictation import Keys, desk, dictate, phrase_wav, screen, start_app, target  # noqa: F401
from tests.test_e2e_harness import AppProcess, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def wait_streams(mic: VirtualMic, count: int, what: str, timeout: float = 15) -> list[dict[str, str]]:
    """Wait until the app has exactly ``count`` recording streams; returns them."""
    found: list[dict[str, str]] = []

    def check() -> bool:
        found[:] = mic.our_streams()
        return len(found) == count

    assert xenv.wait_for(check, timeout), f"{what}: streams of ours are {found}"
    return found


def test_the_microphone_is_open_only_while_dictating(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space")
    wait_streams(virtual_mic, 0, "idle after start-up")
    keys = Keys(screen, "f9")
    mark = app.mark()
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    streams = wait_streams(virtual_mic, 1, "while recording")
    assert streams[0]["application.name"] == "swictation-gui"
    virtual_mic.play(phrase_wav(virtual_mic, ["do", "re", "mi"]))
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("do re mi") == "do re mi", app.describe()
    opened = app.wait_ev("mic_open", 5, seq=seq)
    assert opened["ms"] >= 0
    wait_streams(virtual_mic, 0, "idle after the dictation")


def test_keep_open_keeps_a_stream_while_idle(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space",
                    "--keep-mic-open=on")
    wait_streams(virtual_mic, 1, "kept open after start-up")
    seq = dictate(app, Keys(screen, "f9"), virtual_mic, phrase_wav(virtual_mic, ["sol", "la"]))
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("sol la") == "sol la", app.describe()
    assert not app.of("mic_open"), "the take began on the running stream"
    assert len(virtual_mic.our_streams()) == 1, "still open after the dictation"


def test_a_chosen_source_is_the_one_dictated_from(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    desk_sink = virtual_mic.add_microphone("desk_mic", "Desk Microphone")
    headset_sink = virtual_mic.add_microphone("headset_mic", "Headset Microphone")
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--no-trailing-space",
                    "--input-device=pulse:headset_mic")
    keys = Keys(screen, "f9")
    mark = app.mark()
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    streams = wait_streams(virtual_mic, 1, "while recording")
    assert streams[0]["source"] == virtual_mic.source_index("headset_mic")
    desk_player = virtual_mic.play(virtual_mic.write_wav(band_phrase(["do", "do"]), "desk.wav"), wait=False,
                                   sink=desk_sink)
    virtual_mic.play(virtual_mic.write_wav(band_phrase(["fa", "ti"]), "headset.wav"), sink=headset_sink)
    desk_player.wait(30)
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("fa ti") == "fa ti", app.describe()
