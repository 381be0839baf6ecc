"""The microphone on a real PulseAudio daemon: opened on demand, named after the app, sources by their real names."""

from __future__ import annotations

import numpy as np
import pytest

from swictation_gui.audio import sources
from swictation_gui.audio.capture import Capture, CaptureEvent
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.fixtures.synth_models import tone
from tests.test_capture import wait_for

pytestmark = pytest.mark.slow


def test_sources_are_listed_by_their_descriptions_and_monitors_are_not(virtual_mic: VirtualMic) -> None:  # noqa: F811
    virtual_mic.add_microphone("desk_mic", "Desk Microphone")
    virtual_mic.add_microphone("headset_mic", "Headset Microphone")
    listed = sources.pulse_sources()
    assert listed is not None
    assert [(c.spec, c.label) for c in listed] == [("pulse:desk_mic", "Desk Microphone"),
                                                   ("pulse:headset_mic", "Headset Microphone")]
    assert sources.source_exists("desk_mic") is True and sources.source_exists("vsink.monitor") is False
    from swictation_gui.ui.providers import default_input_devices

    assert default_input_devices() == listed, "the Settings → Microphone list is the sound server's"


def test_no_sound_server_means_no_pulse_list() -> None:
    import os

    saved = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = "unix:/nonexistent/pulse/native"
    try:
        assert sources.pulse_sources(timeout=0.5) is None
    finally:
        if saved is None:
            del os.environ["PULSE_SERVER"]
        else:
            os.environ["PULSE_SERVER"] = saved


def test_idle_has_no_stream_and_a_take_opens_one_named_after_the_app(virtual_mic: VirtualMic) -> None:  # noqa: F811
    events: list[CaptureEvent] = []
    cap = Capture(max_seconds=5, on_event=lambda e, _m: events.append(e), linger_s=0.2)
    cap.open()
    try:
        wait_for(lambda: events == [CaptureEvent.OPENED], 10, "the check at start")
        wait_for(lambda: not virtual_mic.our_streams(), 5, "the check's stream to close")
        take = cap.begin()
        assert take is not None
        wait_for(lambda: take.ring.written > 1600, 10, "audio from the stream opened on demand")
        streams = virtual_mic.our_streams()
        assert len(streams) == 1 and streams[0]["source"] == virtual_mic.source_index("vsink.monitor")
        cap.end(take, 0.05)
        wait_for(take.ready, 5, "the tail")
        delay = take.open_delay_ms()
        assert delay is not None and delay > 0
        Capture.finish(take)
        wait_for(lambda: not virtual_mic.our_streams(), 5, "the stream to close after the take")
    finally:
        assert cap.close()


def record(virtual_mic: VirtualMic, device: str, sink: str) -> np.ndarray:  # noqa: F811
    """A take from ``device`` while a loud tone plays into ``sink`` only."""
    cap = Capture(device=device, max_seconds=5, linger_s=0.0)
    cap.open()
    try:
        take = cap.begin()
        assert take is not None
        wait_for(lambda: take.ring.written > 800, 10, "the stream to run")
        assert [s["source"] for s in virtual_mic.our_streams()] == [virtual_mic.source_index(device.split(":")[1])]
        virtual_mic.play(virtual_mic.write_wav(tone(1000.0, 0.4, amplitude=0.5), "tone.wav"), sink=sink)
        cap.end(take, 0.1)
        wait_for(take.ready, 5, "the tail")
        Capture.finish(take)
        return take.audio()
    finally:
        assert cap.close()


def test_the_chosen_source_is_the_one_recorded(virtual_mic: VirtualMic) -> None:  # noqa: F811
    desk = virtual_mic.add_microphone("desk_mic", "Desk Microphone")
    virtual_mic.add_microphone("headset_mic", "Headset Microphone")
    heard = record(virtual_mic, "pulse:desk_mic", desk)
    assert float(np.abs(heard).max()) > 0.3, "the desk microphone hears the tone played to it"
    not_heard = record(virtual_mic, "pulse:headset_mic", desk)
    assert float(np.abs(not_heard).max()) < 0.05, "the headset microphone does not"


def test_a_stream_on_another_source_is_moved_to_the_chosen_one(virtual_mic: VirtualMic) -> None:  # noqa: F811
    """The fallback for sound servers whose ALSA device ignores PULSE_SOURCE."""
    import sounddevice

    virtual_mic.add_microphone("desk_mic", "Desk Microphone")
    sources.name_our_streams()
    stream = sounddevice.InputStream(samplerate=16_000, channels=1, dtype="float32", callback=lambda *_: None)
    stream.start()
    try:
        monitor = virtual_mic.source_index("vsink.monitor")
        wait_for(lambda: [s["source"] for s in virtual_mic.our_streams()] == [monitor], 5, "the stream on the default")
        assert sources.move_newest_stream("desk_mic") is True
        assert [s["source"] for s in virtual_mic.our_streams()] == [virtual_mic.source_index("desk_mic")]
        assert sources.move_newest_stream("desk_mic") is False, "nothing left to move"
    finally:
        stream.close()


def test_two_microphones_open_at_once_each_stay_on_their_own_source(virtual_mic: VirtualMic) -> None:  # noqa: F811
    """The dictation's microphone and the Settings meter's preview of another one, opened at the same moment, many
    rounds: each stream records from its own source (neither open's PULSE_SOURCE nor its move reaches the other)."""
    virtual_mic.add_microphone("desk_mic", "Desk Microphone")
    virtual_mic.add_microphone("headset_mic", "Headset Microphone")
    desk, headset = virtual_mic.source_index("desk_mic"), virtual_mic.source_index("headset_mic")
    default = virtual_mic.source_index("vsink.monitor")
    for device, expected in (("pulse:headset_mic", {desk, headset}), (None, {desk, default})):
        for _ in range(5):
            caps = [Capture(device="pulse:desk_mic", max_seconds=2, linger_s=0.0),
                    Capture(device=device, max_seconds=2, linger_s=0.0)]
            for cap in caps:
                cap.hold("meter")
            for cap in caps:
                cap.open()  # both workers open now, side by side
            try:
                wait_for(lambda caps=caps: all(c.is_open for c in caps), 10, "both streams to run")
                found = sorted(s["source"] for s in virtual_mic.our_streams())
                assert set(found) == expected and len(found) == 2, (device, found)
            finally:
                for cap in caps:
                    cap.release("meter")
                    assert cap.close()
            wait_for(lambda: not virtual_mic.our_streams(), 5, "both streams to close")
