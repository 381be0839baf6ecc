"""The microphone opened on demand (fake PortAudio, tests/fakes/sounddevice.py): holds, linger, failures."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from swictation_gui.audio.capture import Capture, CaptureEvent
from swictation_gui.audio.portaudio import PortAudio
from tests.fakes import sounddevice as fake_sd
from tests.test_capture_fake import Recorder, sd, wait_for  # noqa: F401 - fixture


@pytest.fixture
def pa(sd: fake_sd.Config) -> PortAudio:  # noqa: F811
    """A PortAudio owner on the fake module (counts the streams that are open)."""
    return PortAudio(fake_sd, install_exit_handler=False)


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@contextlib.contextmanager
def on_demand(pa: PortAudio, rec: Recorder, **kwargs: object) -> Iterator[Capture]:
    cap = Capture(on_event=rec, pa=pa, linger_s=0.2, **kwargs)  # type: ignore[arg-type]
    cap.open()
    try:
        yield cap
    finally:
        assert cap.close(2)


@pytest.fixture
def cap(pa: PortAudio, rec: Recorder) -> Iterator[Capture]:
    with on_demand(pa, rec) as capture:
        yield capture


def checked(cap: Capture, sd: fake_sd.Config, pa: PortAudio, rec: Recorder) -> None:  # noqa: F811
    """Wait for the check at start: the microphone opened once, reported, and closed again."""
    wait_for(lambda: rec.kinds() == [CaptureEvent.OPENED] and pa.open_streams == 0, 5, "the check at start")
    assert sd.opens == 1 and not cap.is_open and cap.available is True


def test_idle_means_no_stream_and_a_take_records_from_the_first_callback(
        cap: Capture, sd: fake_sd.Config, pa: PortAudio, rec: Recorder) -> None:  # noqa: F811
    checked(cap, sd, pa, rec)
    sd.input = (np.arange(1, 16_001, dtype=np.float32) / 16_000)  # sample i says which frame of the stream it is
    take = cap.begin()
    assert take is not None and take.start == 0
    wait_for(lambda: cap.is_open and take.ring.written >= 8000, 5, "the stream to open and run")
    assert pa.open_streams == 1 and sd.opens == 2
    cap.end(take, 0.0)
    wait_for(take.ready, 5, "the take")
    audio = take.audio()
    np.testing.assert_array_equal(audio[:100], sd.input[:100], "the take starts with the stream's first sample")
    delay = take.open_delay_ms()
    assert delay is not None and delay >= 0
    assert pa.open_streams == 1, "a finished take keeps the stream for the linger"
    Capture.finish(take)
    wait_for(lambda: pa.open_streams == 0 and not cap.is_open, 5, "the stream to close after the linger")


def test_holds_are_counted_and_a_take_during_the_linger_reuses_the_stream_with_pre_roll(
        pa: PortAudio, rec: Recorder, sd: fake_sd.Config) -> None:  # noqa: F811
    with on_demand(pa, rec, pre_roll_s=0.2) as cap:
        checked(cap, sd, pa, rec)
        cap.hold("meter")
        cap.hold("meter")
        wait_for(lambda: cap.is_open and cap.level() == 0.0, 5, "the meter's stream")
        cap.release("meter")
        assert cap.holds == {"meter": 1}
        wait_for(lambda: cap.rate == 16_000 and cap._ring is not None and cap._ring.written > 8000, 5, "audio")
        assert pa.open_streams == 1, "still held once"
        cap.release("meter")
        assert cap.holds == {}
        take = cap.begin()  # within the linger: the running stream, with its pre-roll
        assert take is not None and take.requested_at is None
        assert take.ring.written - take.start == pytest.approx(3200, abs=400)
        cap.discard(take)
        assert cap.holds == {}
        wait_for(lambda: pa.open_streams == 0, 5, "the close after the linger")
        assert sd.opens == 2, "one open for the meter and the take together"


def test_keep_open_is_applied_live(cap: Capture, sd: fake_sd.Config, pa: PortAudio,  # noqa: F811
                                   rec: Recorder) -> None:
    checked(cap, sd, pa, rec)
    cap.set_keep_open(True)
    wait_for(lambda: cap.is_open, 5, "the kept-open stream")
    assert cap.keep_open and cap.holds == {"keep-open": 1}
    cap.set_keep_open(True)
    assert cap.holds == {"keep-open": 1}, "idempotent"
    cap.set_keep_open(False)
    wait_for(lambda: pa.open_streams == 0, 5, "the close once no longer kept open")


def test_a_failed_open_ends_the_waiting_take_and_tells_the_user_each_time(
        cap: Capture, sd: fake_sd.Config, pa: PortAudio, rec: Recorder) -> None:  # noqa: F811
    checked(cap, sd, pa, rec)
    sd.open_fail = -1
    for attempt in (1, 2):
        take = cap.begin()
        assert take is not None
        cap.end(take, 0.1)
        wait_for(take.ready, 5, "the take to end when the open fails")
        assert take.seconds() == 0.0 and take.open_delay_ms() is None
        take.done()
        assert rec.kinds().count(CaptureEvent.OPEN_FAILED) == attempt, "a press that found no microphone is told"
    assert cap.available is False
    sd.open_fail = 0
    wait_for(lambda: rec.kinds()[-1] == CaptureEvent.OPENED, 10, "the check to find it again")
    wait_for(lambda: pa.open_streams == 0, 5, "the check to close it again")


def test_a_take_begun_during_the_check_gets_the_audio(pa: PortAudio, rec: Recorder,
                                                      sd: fake_sd.Config) -> None:  # noqa: F811
    sd.open_hang_s, sd.hang_opens = 0.3, 1
    sd.input = np.full(16_000, 0.5, dtype=np.float32)
    with on_demand(pa, rec) as cap:
        wait_for(lambda: sd.opens == 1, 5, "the check to start opening")
        take = cap.begin()   # while the check's open hangs
        assert take is not None
        wait_for(lambda: take.ring.written > 4000, 5, "audio into the waiting take")
        cap.end(take, 0.0)
        wait_for(take.ready, 5, "the take")
        assert take.seconds() > 0.2 and float(np.abs(take.audio()).max()) > 0.4
        Capture.finish(take)
        wait_for(lambda: pa.open_streams == 0, 5, "the close after the linger")


def test_begin_and_hold_never_wait_for_the_worker(pa: PortAudio, rec: Recorder,
                                                  sd: fake_sd.Config) -> None:  # noqa: F811
    sd.open_hang_s = 1.0
    with on_demand(pa, rec) as cap:
        wait_for(lambda: sd.opens == 1, 5, "a hanging open")
        done = threading.Event()

        def owner() -> None:
            cap.hold("meter")
            take = cap.begin()
            assert take is not None
            cap.discard(take)
            cap.release("meter")
            done.set()

        threading.Thread(target=owner).start()
        assert done.wait(0.5), "the owner's calls return while the device open hangs"
