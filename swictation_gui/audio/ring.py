"""A preallocated single-writer ring buffer of mono float32 samples, indexed by absolute frame number."""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from swictation_gui.audio.samples import FloatArray


class Ring:
    """Mono samples at ``rate``, written by one thread (the PortAudio callback), read by others.

    Frames are addressed by their absolute index since the ring was created, so a reader can ask
    for "frames 48 000 to 96 000" without racing the writer. ``write`` only copies into memory
    allocated up front: it never allocates a buffer, blocks, logs or raises for ordinary input.
    Readers detect frames the writer overwrote while they copied and drop them (they are older
    than ``capacity`` frames, which the capture makes far longer than any utterance).
    """

    def __init__(self, capacity: int, rate: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.rate = rate
        self._buf: FloatArray = np.zeros(capacity, dtype=np.float32)
        self._written = 0          # total frames ever written; only the writer assigns it
        self._claimed = 0          # frames the writer is about to have written (set before copying)
        self.closed = False        # set once the writer will never write again (stream gone)
        self.first_at: float | None = None  # monotonic time of the first write (the stream's first callback)

    @property
    def written(self) -> int:
        """Absolute index one past the newest frame (any thread)."""
        return self._written

    def write(self, block: npt.NDArray[np.float32]) -> None:
        """Append ``block`` ([frames] or [frames, channels]; channel 0 is kept). Writer thread only."""
        data = block[:, 0] if block.ndim == 2 else block
        n = data.shape[0]
        if n == 0:
            return
        if self.first_at is None:
            self.first_at = time.monotonic()
        if n > self.capacity:          # keep only the newest ``capacity`` frames
            data = data[n - self.capacity:]
            skipped = n - self.capacity
            n = self.capacity
        else:
            skipped = 0
        self._claimed = self._written + skipped + n   # announce the overwrite before doing it
        start = (self._written + skipped) % self.capacity
        first = min(n, self.capacity - start)
        self._buf[start:start + first] = data[:first]
        if first < n:
            self._buf[:n - first] = data[first:]
        self._written += skipped + n   # publish only after the copy

    def oldest(self) -> int:
        """Absolute index of the oldest frame still held (any thread)."""
        return max(0, self._written - self.capacity)

    def read(self, start: int, end: int) -> FloatArray:
        """A copy of frames ``[start, end)``, clipped to what is held and written (any thread)."""
        end = min(end, self._written)
        start = max(start, self.oldest())
        if end <= start:
            return np.zeros(0, dtype=np.float32)
        out = np.empty(end - start, dtype=np.float32)
        a, b = start % self.capacity, end % self.capacity
        if a < b or b == 0:
            out[:] = self._buf[a:a + (end - start)]
        else:
            first = self.capacity - a
            out[:first] = self._buf[a:]
            out[first:] = self._buf[:b]
        # Frames the writer overwrote while we copied are not the ones we asked for: drop them.
        lost = max(0, self._claimed - self.capacity) - start
        if lost > 0:
            out = out[min(lost, out.shape[0]):]
        return out
