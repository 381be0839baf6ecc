"""One utterance's slice of a capture ring, the hold it keeps on the microphone, and its adaptive tail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from swictation_gui.audio.ring import Ring
from swictation_gui.audio.samples import ENERGY_FLOOR, FloatArray, frame_rms, resample

QUIET_BEFORE_S = 0.1   # key-up after this much silence ends the take at once
WORD_END_S = 0.05      # after key-up, this much silence ends the word still being spoken
NOISE_S = 3.0          # the noise floor is judged on this much audio before key-up


@dataclass
class Take:
    """One utterance's slice of a ring: ``[start, end)``; ``end`` is None while recording.

    Owner thread, except :meth:`audio`, which may run on any thread once :meth:`ready` returned True:
    by then the samples were copied out of the ring (on the owner thread), so the recognizer thread
    never reads a ring the PortAudio callback is still writing, and a slow recognizer cannot lose
    audio that the ring overwrote meanwhile.

    A take begun while the microphone was closed starts at frame 0 of a ring the stream has not
    written yet: the stream fills it from its very first callback. ``requested_at`` (monotonic
    seconds) is when that open was asked for, so :meth:`open_delay_ms` tells how long it took.
    """

    ring: Ring
    start: int
    end: int | None = None
    requested_at: float | None = None
    consumed: int | None = None
    """Progressive recognition: frames before this were handed out by :meth:`new_audio` (None: none were)."""
    released: int | None = None
    """The ring's write position at key-up (set by :meth:`end_adaptive`)."""
    tail_limit: int | None = None
    """While speech goes on after key-up: the latest frame the take may end at."""
    _quiet: float = field(default=ENERGY_FLOOR, repr=False)  # RMS below this is silence for the tail
    _scan: int = field(default=0, repr=False)        # tail frames judged so far end here
    _quiet_run: int = field(default=0, repr=False)   # ... the last of them quiet in a row
    _samples: FloatArray | None = field(default=None, repr=False)
    _length: int = field(default=0, repr=False)      # frames covered once ready
    _on_done: Callable[[], None] | None = field(default=None, repr=False)

    def new_audio(self) -> FloatArray:
        """Raw samples (at ``ring.rate``) recorded since the previous call, copied out of the ring (owner thread).

        Progressive recognition hands these to the recognizer while the key is held; :meth:`ready` then keeps
        only what comes after them, so the take never copies the whole dictation.
        """
        pos = self.start if self.consumed is None else self.consumed
        upto = self.ring.written if self.end is None else min(self.end, self.ring.written)
        if upto <= pos:
            return np.zeros(0, dtype=np.float32)
        self.consumed = upto
        return self.ring.read(pos, upto)

    def end_adaptive(self, max_tail_s: float) -> None:
        """Key-up: end the take now if the last 100 ms were silent, else once the word being spoken ends (50 ms
        of silence), at most ``max_tail_s`` later (owner thread; :meth:`ready` settles the end)."""
        if self.end is not None:
            return
        ring, rate = self.ring, self.ring.rate
        self.released = release = ring.written
        limit = release + int(max(0.0, max_tail_s) * rate)
        if limit == release:
            self.end = release
            return
        levels = frame_rms(ring.read(release - int(NOISE_S * rate), release), rate)
        if levels.size:
            # Silence is well above the room's noise (its 10th percentile) but well below the voice (its 90th):
            # the latter bound matters when the whole window is speech.
            low, high = np.percentile(levels, [10, 90]).tolist()
            self._quiet = max(ENERGY_FLOOR, min(4.0 * low, 0.1 * high))
        before = levels[-int(QUIET_BEFORE_S * 100):]
        if ring.first_at is not None and before.size and not (before > self._quiet).any():
            self.end = release
            return
        self.tail_limit, self._scan = limit, release

    def _settle(self) -> None:
        """Judge the tail that arrived since the last call; set ``end`` when the word ended or the limit came."""
        ring, limit = self.ring, self.tail_limit
        assert limit is not None
        step = ring.rate // 100
        upto = min(ring.written, limit)
        levels = frame_rms(ring.read(self._scan, upto), ring.rate)
        for level in levels.tolist():
            self._scan += step
            self._quiet_run = 0 if level > self._quiet else self._quiet_run + 1
            if self._quiet_run * step >= int(WORD_END_S * ring.rate):
                self.end = self._scan
                return
        if ring.written >= limit or ring.closed:
            self.end = limit

    def ready(self) -> bool:
        """True once all frames up to ``end`` arrived, or the stream ended for good (owner thread).

        The first True copies the take's samples out of the ring.
        """
        if self._samples is not None:
            return True
        if self.end is None and self.tail_limit is not None:
            self._settle()
        if self.end is None or (self.ring.written < self.end and not self.ring.closed):
            return False
        end = min(self.end, self.ring.written)
        first = self.start if self.consumed is not None else max(self.start, self.ring.oldest())
        self._length = max(0, end - first)  # audio handed out progressively counts even once the ring dropped it
        self._samples = self.ring.read(self.start if self.consumed is None else self.consumed, self.end)
        return True

    def seconds(self) -> float:
        """Length of the audio currently covered by the take (owner thread)."""
        if self._samples is not None:
            return self._length / self.ring.rate
        end = self.ring.written if self.end is None else min(self.end, self.ring.written)
        return max(0, end - max(self.start, self.ring.oldest())) / self.ring.rate

    def rest(self) -> FloatArray:
        """Raw samples after those :meth:`new_audio` handed out, up to ``end`` (any thread after :meth:`ready`)."""
        assert self._samples is not None
        return self._samples

    def audio(self) -> FloatArray:
        """The take's samples resampled to 16 kHz mono float32 (all of them unless :meth:`new_audio` was used).

        Any thread after :meth:`ready` returned True (it reads the copy made then); before that, the
        owner thread only (it reads the ring as far as it was written).
        """
        raw = self._samples
        if raw is None:
            raw = self.ring.read(self.start, self.ring.written if self.end is None else self.end)
        return resample(raw, self.ring.rate)

    def open_delay_ms(self) -> float | None:
        """Milliseconds from the request to open the microphone to its first callback (owner thread); None
        when the take began on a stream that was already running, or no audio arrived."""
        first = self.ring.first_at
        if self.requested_at is None or first is None:
            return None
        return max(0.0, (first - self.requested_at) * 1000)

    def done(self) -> None:
        """The take needs the microphone no longer (complete or dropped): release its hold (owner thread; once)."""
        on_done, self._on_done = self._on_done, None
        if on_done is not None:
            on_done()
