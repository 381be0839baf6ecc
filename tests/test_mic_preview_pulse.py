"""The meter's preview of a microphone chosen but not applied, on a real PulseAudio daemon through real PortAudio."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from pytestqt.qtbot import QtBot

from swictation_gui.ui.mic_preview import MicPreview
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.fixtures.synth_models import tone

pytestmark = pytest.mark.slow


def test_the_chosen_microphone_is_metered_on_its_own_stream_and_closed_when_left(
        qtbot: QtBot, virtual_mic: VirtualMic) -> None:  # noqa: F811
    desk = virtual_mic.add_microphone("desk_mic", "Desk Microphone")
    virtual_mic.add_microphone("headset_mic", "Headset Microphone")
    wav = virtual_mic.write_wav(tone(440.0, 3.0, amplitude=0.8), "tone.wav")
    preview = MicPreview()
    try:
        preview.show("pulse:desk_mic")
        desk_index = virtual_mic.source_index("desk_mic")
        qtbot.waitUntil(lambda: [s["source"] for s in virtual_mic.our_streams()] == [desk_index], timeout=10_000)
        playing = virtual_mic.play(wav, wait=False, sink=desk)
        qtbot.waitUntil(lambda: preview.level() > 0.3, timeout=5_000)
        playing.wait(timeout=10)

        preview.show("pulse:headset_mic")  # another device: the desk stream goes, a headset one comes
        headset_index = virtual_mic.source_index("headset_mic")
        qtbot.waitUntil(lambda: [s["source"] for s in virtual_mic.our_streams()] == [headset_index], timeout=10_000)
        playing = virtual_mic.play(wav, wait=False, sink=desk)
        heard: list[float] = []

        def played_out() -> bool:
            heard.append(preview.level())
            return playing.poll() is not None

        qtbot.waitUntil(played_out, timeout=10_000)
        assert len(heard) > 5 and max(heard) < 0.05, "the headset does not hear what is played to the desk"
    finally:
        preview.stop()
    assert not preview.active and preview.level() == 0.0
    qtbot.waitUntil(lambda: virtual_mic.our_streams() == [], timeout=10_000)


def test_a_microphone_that_cannot_be_opened_is_said_in_words(qtbot: QtBot, virtual_mic: VirtualMic) -> None:  # noqa: F811
    preview = MicPreview()
    try:
        with qtbot.waitSignal(preview.problem, timeout=10_000, check_params_cb=bool) as said:
            preview.show("no such microphone")
        message = str(said.args[0]) if said.args else ""
        assert "microphone" in message.lower(), message
        assert preview.level() == 0.0
    finally:
        preview.stop()

