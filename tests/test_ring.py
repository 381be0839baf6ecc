"""Unit tests for the audio ring buffer (pure, fast)."""

from __future__ import annotations

import threading

import numpy as np

from swictation_gui.audio.ring import Ring


def test_write_and_read_back_across_the_wrap() -> None:
    ring = Ring(10, 16_000)
    ring.write(np.arange(7, dtype=np.float32))
    ring.write(np.arange(7, 14, dtype=np.float32).reshape(-1, 1))  # [frames, channels]
    assert ring.written == 14
    assert ring.oldest() == 4
    np.testing.assert_array_equal(ring.read(4, 14), np.arange(4, 14, dtype=np.float32))
    np.testing.assert_array_equal(ring.read(0, 6), np.arange(4, 6, dtype=np.float32))  # clipped to what is held
    np.testing.assert_array_equal(ring.read(12, 100), np.arange(12, 14, dtype=np.float32))
    assert ring.read(14, 20).size == 0


def test_block_larger_than_capacity_keeps_the_newest_frames() -> None:
    ring = Ring(5, 16_000)
    ring.write(np.arange(12, dtype=np.float32))
    assert ring.written == 12
    np.testing.assert_array_equal(ring.read(0, 12), np.arange(7, 12, dtype=np.float32))


def test_stereo_keeps_channel_zero() -> None:
    ring = Ring(8, 48_000)
    block = np.stack([np.ones(4, np.float32), -np.ones(4, np.float32)], axis=1)
    ring.write(block)
    np.testing.assert_array_equal(ring.read(0, 4), np.ones(4, np.float32))


def test_concurrent_writer_never_corrupts_a_read() -> None:
    """A reader racing the writer gets consecutive frame numbers only: nothing stale, nothing reordered."""
    ring = Ring(4096, 16_000)
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            ring.write(np.arange(n, n + 160, dtype=np.float32))
            n += 160
            if n > 2_000_000:
                n = 0
                break

    t = threading.Thread(target=writer)
    t.start()
    try:
        checked = 0
        while t.is_alive() and checked < 2000:
            end = ring.written
            got = ring.read(end - 3000, end)
            if got.size > 1:
                diffs = np.diff(got)
                assert np.all(diffs == 1), "frames out of order or overwritten"
                checked += 1
    finally:
        stop.set()
        t.join()
    assert checked > 0
