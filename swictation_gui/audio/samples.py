"""The one sample type, model rate and resampler shared by capture and recognition (numpy and soxr only)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000
"""The rate every recognizer consumes (Hz)."""

FloatArray = npt.NDArray[np.float32]


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
