"""Input handling shared by all engines: validation, resampling, silence and long audio."""

from __future__ import annotations

import abc
import time

import numpy as np
import numpy.typing as npt

from swictation_gui.recognition import audio_input, segment
from swictation_gui.recognition.base import MIN_SAMPLES, SAMPLE_RATE, DeviceReport, FloatArray, Transcript

SILENCE_PEAK = 1e-4  # -80 dBFS: digital silence gives an empty transcript without running the model
WARM_UP_SECONDS = (0.5, 2.0, 5.0)


class EngineBase(abc.ABC):
    """Implements the input rules of ``Recognizer.transcribe`` once for every engine.

    Subclasses implement ``load``, ``device``, ``name`` and ``_recognize`` (16 kHz mono float32,
    at most ``max_segment_seconds`` long). Not thread-safe: the owning thread calls everything.
    """

    def __init__(self, max_segment_seconds: float = 30.0) -> None:
        self.max_segment_seconds = max_segment_seconds

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """Engine name."""

    @property
    @abc.abstractmethod
    def device(self) -> DeviceReport:
        """Where the model really runs."""

    @abc.abstractmethod
    def load(self) -> None:
        """Load the model files."""

    @abc.abstractmethod
    def _recognize(self, samples: FloatArray) -> Transcript:
        """Recognize one segment of 16 kHz mono float32 audio."""

    def warm_up(self) -> None:
        """Run quiet noise of a few lengths through the model (not digital silence, which is skipped)."""
        rng = np.random.default_rng(0)
        for seconds in WARM_UP_SECONDS:
            noise = (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 0.01).astype(np.float32)
            self._recognize(noise)

    def transcribe(self, samples: npt.ArrayLike, sample_rate: int) -> Transcript:
        """Recognize audio of any rate and layout; see ``Recognizer.transcribe``."""
        t0 = time.perf_counter()
        audio = audio_input.prepare(samples, sample_rate)
        t1 = time.perf_counter()
        seconds = audio.size / SAMPLE_RATE
        if audio.size < MIN_SAMPLES or float(np.max(np.abs(audio))) < SILENCE_PEAK:
            return Transcript("", audio_seconds=seconds,
                              timings_ms={"resample": (t1 - t0) * 1e3, "total": (time.perf_counter() - t0) * 1e3})
        cuts = segment.split_points(audio, self.max_segment_seconds)
        bounds = list(zip([0, *cuts], [*cuts, audio.size], strict=True))
        parts: list[Transcript] = []
        for lo, hi in bounds:
            if hi - lo < MIN_SAMPLES:
                continue
            parts.append(self._shift(self._recognize(audio[lo:hi]), lo / SAMPLE_RATE))
        timings: dict[str, float] = {"resample": (t1 - t0) * 1e3}
        for part in parts:
            for key, value in part.timings_ms.items():
                timings[key] = timings.get(key, 0.0) + value
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return Transcript(
            text=segment.join_texts([p.text for p in parts]) if len(parts) > 1 else (parts[0].text if parts else ""),
            tokens=tuple(tok for p in parts for tok in p.tokens),
            timestamps=tuple(ts for p in parts for ts in p.timestamps),
            durations=tuple(d for p in parts for d in p.durations),
            audio_seconds=seconds,
            timings_ms=timings,
        )

    @staticmethod
    def _shift(part: Transcript, offset: float) -> Transcript:
        if offset == 0.0:
            return part
        return Transcript(part.text, part.tokens, tuple(t + offset for t in part.timestamps),
                          part.durations, part.audio_seconds, part.timings_ms)
