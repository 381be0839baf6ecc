"""Sound cues: synthesized, played off the caller's thread, failures swallowed."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import numpy.typing as npt
import pytest

from swictation_gui.audio import cues


def test_tones_are_short_soft_and_click_free() -> None:
    samples = cues.tone(cues.START_FREQS)
    assert samples.dtype == np.float32
    assert 0.1 < len(samples) / cues.CUE_RATE < 0.3
    assert 0.1 < float(np.abs(samples).max()) <= 0.26
    assert abs(float(samples[0])) < 1e-3 and abs(float(samples[-1])) < 1e-3
    assert not np.array_equal(cues.tone(cues.START_FREQS), cues.tone(cues.STOP_FREQS))


def test_play_returns_at_once_and_plays_in_order_on_another_thread() -> None:
    played: list[tuple[int, str]] = []
    release = threading.Event()
    done = threading.Event()

    def slow_player(samples: npt.NDArray[np.float32], rate: int) -> None:
        release.wait(5)
        played.append((len(samples), threading.current_thread().name))
        if len(played) == 2:
            done.set()

    sc = cues.SoundCues(player=slow_player)
    started = time.monotonic()
    sc.play_start()
    sc.play_stop()
    assert time.monotonic() - started < 0.5  # the player is blocked, the caller is not
    assert played == []
    release.set()
    assert done.wait(5)
    assert [name for _, name in played] == ["sound-cues", "sound-cues"]
    sc.close()


def test_disabled_cues_play_nothing() -> None:
    played: list[int] = []
    sc = cues.SoundCues(enabled=False, player=lambda s, r: played.append(len(s)))
    sc.play_start()
    sc.set_enabled(True)
    sc.play_stop()
    sc.close()
    assert len(played) == 1


def test_failures_are_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken(samples: npt.NDArray[np.float32], rate: int) -> None:
        raise OSError("PortAudio: no default output device")

    sc = cues.SoundCues(player=broken)
    with caplog.at_level(logging.WARNING, logger="swictation.audio"):
        sc.play_start()
        sc.play_error()
        sc.close()
    warnings = [r for r in caplog.records if "Cannot play sound cues" in r.getMessage()]
    assert len(warnings) == 1



def test_close_aborts_a_cue_that_does_not_finish() -> None:
    """A stalled output must not hold up quitting: close() aborts the playing cue and joins the thread."""

    class StuckPlayer:
        def __init__(self) -> None:
            self.aborted = threading.Event()
            self.playing = threading.Event()

        def __call__(self, samples: npt.NDArray[np.float32], rate: int) -> None:
            self.playing.set()
            self.aborted.wait(30)

        def abort(self) -> None:
            self.aborted.set()

    player = StuckPlayer()
    sc = cues.SoundCues(player=player)
    sc.play_start()
    assert player.playing.wait(5)
    started = time.monotonic()
    assert sc.close(0.4)
    assert time.monotonic() - started < 0.5
    assert player.aborted.is_set()
    sc.play_stop()   # after close: ignored, no new thread
    assert not any(t.name == "sound-cues" and t.is_alive() for t in threading.enumerate())
