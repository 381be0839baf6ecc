"""Capture tests on a real PulseAudio virtual microphone through real sounddevice/PortAudio (kept open: pre-roll)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

from swictation_gui.audio.capture import Capture, CaptureEvent
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.fixtures.synth_models import tone

pytestmark = pytest.mark.slow


def wait_for(cond: Callable[[], bool], timeout: float, what: str, tick: Callable[[], None] | None = None) -> None:
    """Poll ``cond`` (running ``tick`` between polls) until true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        if tick is not None:
            tick()
        time.sleep(0.02)


def test_take_holds_played_audio_with_pre_roll(virtual_mic: VirtualMic) -> None:  # noqa: F811
    events: list[CaptureEvent] = []
    cap = Capture(pre_roll_s=0.3, max_seconds=5, on_event=lambda e, _m: events.append(e), keep_open=True)
    cap.open()
    try:
        wait_for(lambda: bool(events), 10, "the worker to open the microphone")
        assert events == [CaptureEvent.OPENED]
        wait_for(lambda: cap.begin() is not None and cap.begin().ring.written > 16_000 * 0.4, 5,  # type: ignore[union-attr]
                 "the stream to run")
        wav = virtual_mic.write_wav(tone(1000.0, 0.5, amplitude=0.5), "tone.wav")
        player = virtual_mic.play(wav, wait=False)
        # Start the take only once the tone is clearly playing: the pre-roll must still hold its start.
        take = None
        deadline = time.monotonic() + 5
        while take is None and time.monotonic() < deadline:
            probe = cap.begin()
            assert probe is not None
            recent = probe.ring.read(probe.ring.written - 800, probe.ring.written)
            if recent.size and np.abs(recent).max() > 0.2:
                take = probe
            time.sleep(0.005)
        assert take is not None, "the tone never reached the microphone"
        player.wait(timeout=10)
        cap.end(take, 0.15)
        wait_for(take.ready, 5, "the tail")
        audio = take.audio()
        assert audio.dtype == np.float32
        loud = np.flatnonzero(np.abs(audio) > 0.2)
        assert loud[-1] - loud[0] > 0.45 * 16_000, "the whole 0.5 s tone is in the take"
        assert loud[0] > 0, "the take starts before the tone (pre-roll silence)"
        assert loud[0] < 0.3 * 16_000
        assert np.abs(audio[-800:]).max() < 0.05, "the tail after the tone is silence"
    finally:
        cap.close()


def test_lost_source_keeps_audio_so_far_and_recovers(virtual_mic: VirtualMic) -> None:  # noqa: F811
    events: list[tuple[CaptureEvent, str]] = []
    cap = Capture(pre_roll_s=0.0, max_seconds=5, on_event=lambda e, m: events.append((e, m)), keep_open=True)
    cap.open()
    try:
        wait_for(lambda: cap.is_open, 10, "the worker to open the microphone")
        take = cap.begin()
        assert take is not None
        wav = virtual_mic.write_wav(tone(1000.0, 0.6, amplitude=0.5), "tone.wav")
        virtual_mic.play(wav)
        virtual_mic.remove_source()
        wait_for(lambda: any(e == CaptureEvent.LOST for e, _ in events), 10, "the loss to be noticed")
        assert not cap.is_open
        assert "microphone" in events[-1][1]
        cap.end(take, 0.15)
        assert take.ready(), "a take on a lost stream is complete at once"
        audio = take.audio()
        loud = np.flatnonzero(np.abs(audio) > 0.2)
        assert loud.size and loud[-1] - loud[0] > 0.5 * 16_000, "the audio before the loss is kept"
        failed = len(events)
        missed = cap.begin()  # a press while the microphone is gone tries it at once, and is told it failed
        assert missed is not None
        cap.end(missed, 0.15)
        wait_for(missed.ready, 10, "the press to end as the open fails")
        assert missed.seconds() == 0.0 and events[failed][0] == CaptureEvent.OPEN_FAILED
        virtual_mic.add_source()
        wait_for(lambda: events[-1][0] == CaptureEvent.OPENED, 20, "the microphone to come back")
        assert cap.is_open
        again = cap.begin()
        assert again is not None
        wait_for(lambda: again.ring.written - again.start > 1600, 5, "audio after recovery")
    finally:
        cap.close()


def test_named_device_that_does_not_exist_fails_clearly(virtual_mic: VirtualMic) -> None:  # noqa: F811
    events: list[tuple[CaptureEvent, str]] = []
    cap = Capture(device="no such microphone 42", on_event=lambda e, m: events.append((e, m)))
    started = time.monotonic()
    cap.open()
    assert time.monotonic() - started < 0.1, "open() leaves the device work to the worker"
    wait_for(lambda: bool(events), 10, "the failure to be reported")
    assert cap.close()
    assert events[0][0] == CaptureEvent.OPEN_FAILED and "No microphone named" in events[0][1]
    assert len(events) == 1, "retries after the first failure are silent"


def test_consecutive_takes_share_no_audio_and_lose_none(virtual_mic: VirtualMic) -> None:  # noqa: F811
    """A press during the previous take's tail ends that take there; the pre-roll never reaches back into it."""
    cap = Capture(pre_roll_s=0.3, max_seconds=5, keep_open=True)
    cap.open()
    try:
        wait_for(lambda: cap.begin() is not None and cap.begin().ring.written > 16_000, 5,  # type: ignore[union-attr]
                 "the stream to run")
        first = cap.begin()
        assert first is not None
        wait_for(lambda: first.ring.written - first.start > 8000, 5, "some audio")
        cap.end(first, 0.5)
        second = cap.begin()  # well inside the first take's 0.5 s tail
        assert second is not None
        assert first.end == second.start, "contiguous: nothing shared, nothing lost"
        assert first.ready()
        wait_for(lambda: second.ring.written - second.start > 8000, 5, "more audio")
        cap.discard(second)  # cancelled: the next pre-roll must not reach back into it
        third = cap.begin()
        assert third is not None and second.end is not None and third.start >= second.end
    finally:
        cap.close()
