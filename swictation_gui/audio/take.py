"""One utterance's slice of a capture ring, and the hold it keeps on the microphone until its audio is in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from swictation_gui.audio.ring import Ring
from swictation_gui.audio.samples import FloatArray, resample


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
    _samples: FloatArray | None = field(default=None, repr=False)
    _on_done: Callable[[], None] | None = field(default=None, repr=False)

    def ready(self) -> bool:
        """True once all frames up to ``end`` arrived, or the stream ended for good (owner thread).

        The first True copies the take's samples out of the ring.
        """
        if self._samples is not None:
            return True
        if self.end is None or (self.ring.written < self.end and not self.ring.closed):
            return False
        self._samples = self.ring.read(self.start, self.end)
        return True

    def seconds(self) -> float:
        """Length of the audio currently covered by the take (owner thread)."""
        if self._samples is not None:
            return float(self._samples.shape[0] / self.ring.rate)
        end = self.ring.written if self.end is None else min(self.end, self.ring.written)
        return max(0, end - max(self.start, self.ring.oldest())) / self.ring.rate

    def audio(self) -> FloatArray:
        """The take's samples resampled to 16 kHz mono float32.

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
