"""Capture and cues against the fake PortAudio (tests/fakes/sounddevice.py): worker thread, hangs, loss, rescans."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from swictation_gui.audio import capture
from swictation_gui.audio.capture import Capture, CaptureEvent
from swictation_gui.audio.cues import CUE_RATE, SoundCues, StreamPlayer, tone
from swictation_gui.audio.portaudio import PortAudio
from tests.fakes import sounddevice as fake_sd


@pytest.fixture
def sd() -> Iterator[fake_sd.Config]:
    """A fresh fake configuration for one test."""
    saved = fake_sd.config
    fake_sd.config = fake_sd.Config()
    fake_sd._lost_at = None
    fake_sd._first_start = None
    try:
        yield fake_sd.config
    finally:
        fake_sd.config = saved
        fake_sd._lost_at = None
        fake_sd._first_start = None


def wait_for(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


class Recorder:
    """Collects capture events with the thread that reported each."""

    def __init__(self) -> None:
        self.events: list[tuple[CaptureEvent, str, str]] = []

    def __call__(self, event: CaptureEvent, message: str) -> None:
        self.events.append((event, message, threading.current_thread().name))

    def kinds(self) -> list[CaptureEvent]:
        return [e for e, _, _ in self.events]


def opened(rec: Recorder | None = None, pa: PortAudio | None = None, **kwargs: Any) -> Capture:
    """A capture on the fake PortAudio, opened (its worker is running) and kept open (unless told otherwise)."""
    kwargs.setdefault("keep_open", True)
    cap = Capture(on_event=rec, pa=pa or PortAudio(fake_sd, install_exit_handler=False), **kwargs)
    cap.open()
    return cap


def test_replayed_audio_reaches_a_take_through_the_real_callback(sd: fake_sd.Config) -> None:
    t = np.arange(int(0.5 * 16_000)) / 16_000
    sd.input = np.concatenate([np.zeros(8000), 0.5 * np.sin(2 * np.pi * 440 * t), np.zeros(16_000)]).astype(np.float32)
    rec = Recorder()
    cap = opened(rec, pre_roll_s=0.2, max_seconds=5)
    try:
        wait_for(lambda: cap.is_open, 5, "the microphone to open")
        assert rec.events == [(CaptureEvent.OPENED, "", "capture")], "events come from the capture worker"
        take = cap.begin()
        assert take is not None
        wait_for(lambda: take.ring.written >= 8000 + 8000 + 4000, 5, "the tone to be replayed")
        cap.end(take, 0.1)
        wait_for(take.ready, 5, "the tail")
        audio = take.audio()
        loud = np.flatnonzero(np.abs(audio) > 0.2)
        assert loud.size and loud[-1] - loud[0] > 0.45 * 16_000
    finally:
        assert cap.close(2)


def test_a_hanging_open_never_blocks_the_owner(sd: fake_sd.Config) -> None:
    sd.open_hang_s = 1.0
    rec = Recorder()
    cap = Capture(on_event=rec, pa=PortAudio(fake_sd, install_exit_handler=False))
    started = time.monotonic()
    cap.open()
    take = cap.begin()
    assert take is not None and take.seconds() == 0.0, "a take begins at once, before the device is open"
    assert cap.level() == 0.0 and not cap.is_open
    assert time.monotonic() - started < 0.05, "open, begin and level return at once"
    wait_for(lambda: sd.opens == 1, 2, "the open to start")
    cap.end(take, 0.1)
    assert not take.ready(), "the take waits for the open"
    assert not cap.close(0.1), "close gives up on a hanging open after its timeout"
    assert cap.close(5), "the worker ends once the hanging open returns"
    assert rec.events == [], "a capture closed during the open reports nothing"
    assert not cap.is_open


def test_a_lost_device_is_reported_and_reopened_after_a_rescan(sd: fake_sd.Config) -> None:
    sd.lose_after_s, sd.lost_for_s = 0.3, 0.8
    rec = Recorder()
    pa = PortAudio(fake_sd, install_exit_handler=False)
    cap = opened(rec, pa)
    try:
        wait_for(lambda: CaptureEvent.LOST in rec.kinds(), 5, "the loss")
        wait_for(lambda: rec.kinds()[-1] == CaptureEvent.OPENED and len(rec.kinds()) >= 3, 10, "the device to return")
        assert rec.kinds()[:2] == [CaptureEvent.OPENED, CaptureEvent.LOST]
        assert all(thread == "capture" for _, _, thread in rec.events)
        assert pa.rescans >= 1 and sd.rescans == pa.rescans
        assert cap.is_open
    finally:
        assert cap.close(2)


def test_a_failed_open_is_reported_once_in_plain_words_and_retried(sd: fake_sd.Config,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    sd.open_fail = 2
    rec = Recorder()
    with caplog.at_level(logging.DEBUG, logger="swictation.audio"):
        cap = opened(rec)
        try:
            wait_for(lambda: cap.is_open, 10, "the retries to succeed")
        finally:
            cap.close(2)
    assert rec.kinds() == [CaptureEvent.OPEN_FAILED, CaptureEvent.OPENED]
    message = rec.events[0][1]
    assert message.startswith("The microphone could not be opened. ")
    assert "Settings → Microphone" in message and message.endswith("pactl list short sources")
    assert_plain(message)
    assert "PaErrorCode -9985" in caplog.text, "the raw detail stays in the log"


def test_no_microphone_at_all_says_what_to_do(sd: fake_sd.Config, caplog: pytest.LogCaptureFixture) -> None:
    fake_sd._lost_at = time.monotonic()  # gone, never back: PortAudio says "Error querying device -1"
    rec = Recorder()
    with caplog.at_level(logging.WARNING, logger="swictation.audio"):
        cap = opened(rec)
        try:
            wait_for(lambda: rec.events != [], 5, "the failure")
        finally:
            cap.close(2)
    assert rec.events[0][:2] == (CaptureEvent.OPEN_FAILED, capture.NO_MICROPHONE)
    assert capture.NO_MICROPHONE.startswith("No microphone was found. Plug one in, or choose another in Settings")
    assert_plain(capture.NO_MICROPHONE)
    assert "Error querying device -1" in caplog.text


def test_a_lost_microphone_is_reported_in_plain_words(sd: fake_sd.Config) -> None:
    sd.lose_after_s = 0.2
    rec = Recorder()
    cap = opened(rec)
    try:
        wait_for(lambda: CaptureEvent.LOST in rec.kinds(), 5, "the loss")
    finally:
        cap.close(2)
    lost = next(message for event, message, _ in rec.events if event is CaptureEvent.LOST)
    assert lost == capture.MICROPHONE_LOST and "Settings → Microphone" in lost
    assert_plain(lost)


def assert_plain(message: str) -> None:
    """No PortAudio jargon, one line, and every sentence but a trailing command ends properly."""
    assert not re.search(r"PaErrorCode|querying device|-\d{2,}|PortAudio|\(\)", message), message
    assert "\n" not in message and "  " not in message
    sentences = message.split(". ")
    assert all(s[:1].isupper() for s in sentences), message


def test_no_rescan_while_any_stream_of_ours_is_open(sd: fake_sd.Config) -> None:
    pa = PortAudio(fake_sd, install_exit_handler=False)
    stream = pa.open_stream(lambda: fake_sd.OutputStream(samplerate=48_000))
    assert not pa.rescan() and sd.rescans == 0
    pa.close_stream(stream)
    pa.close_stream(stream)   # a second close is a no-op
    assert stream.closed and pa.rescan() and sd.rescans == 1


def test_take_audio_is_safe_on_another_thread_after_ready(sd: fake_sd.Config) -> None:
    sd.input, sd.loop = (np.arange(16_000, dtype=np.float32) / 16_000), True
    cap = opened(pre_roll_s=0.0, max_seconds=0.1)
    try:
        wait_for(lambda: cap.is_open, 5, "the microphone to open")
        take = cap.begin()
        assert take is not None
        wait_for(lambda: take.ring.written - take.start > 1600, 5, "some audio")
        cap.end(take, 0.0)
        assert take.ready()
        expected = take.audio().copy()
        # The ring (0.1 s + 10 s margin) is overwritten completely; the take keeps its copy.
        sd.speed = 25.0  # the microphone delivers 25 s of audio a second from now on
        target = take.ring.written + take.ring.capacity + 1600
        wait_for(lambda: take.ring.written > target, 20, "the ring to wrap")
        out: list[np.ndarray] = []
        reader = threading.Thread(target=lambda: out.append(take.audio()))
        reader.start()
        reader.join(5)
        np.testing.assert_array_equal(out[0], expected)
    finally:
        cap.close(2)


def test_cues_play_through_a_callback_stream_and_close_aborts_at_once(sd: fake_sd.Config) -> None:
    pa = PortAudio(fake_sd, install_exit_handler=False)
    cues = SoundCues(player=StreamPlayer(pa))
    cues.play_start()
    wait_for(lambda: sum(b.size for b in sd.played) >= tone((660.0, 880.0)).size, 3, "the cue to play")
    played = np.concatenate(sd.played)
    np.testing.assert_allclose(played[:CUE_RATE // 10], tone((660.0, 880.0))[:CUE_RATE // 10])
    for _ in range(3):
        cues.play_error()
    started = time.monotonic()
    assert cues.close(0.4)
    assert time.monotonic() - started < 0.5
    assert pa.open_streams == 0
