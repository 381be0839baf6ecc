"""The one sample type, model rate and resampler shared by capture and recognition (numpy and soxr only)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000
"""The rate every recognizer consumes (Hz)."""

FloatArray = npt.NDArray[np.float32]

ENERGY_FLOOR = 10 ** (-48 / 20)
"""RMS below -48 dBFS is never taken for speech (the energy detector and the adaptive tail)."""


def frame_rms(samples: FloatArray, rate: int, frame_s: float = 0.01) -> npt.NDArray[np.float64]:
    """RMS of each whole ``frame_s`` frame of ``samples`` (any thread)."""
    step = max(1, int(rate * frame_s))
    n = samples.size // step
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    return np.asarray(np.sqrt(np.square(samples[: n * step].reshape(n, step), dtype=np.float64).mean(axis=1)))


def resample(samples: FloatArray, rate: int) -> FloatArray:
    """Mono float32 ``samples`` at ``rate`` converted to :data:`SAMPLE_RATE` with soxr "HQ" (any thread).

    No copy when already at 16 kHz or empty. Raises ``ValueError`` for a rate that is not positive.
    """
    if rate <= 0:
        raise ValueError(f"Invalid sample rate {rate}.")
    if rate == SAMPLE_RATE or samples.size == 0:
        return samples
    import soxr

    out = soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(out, dtype=np.float32)
