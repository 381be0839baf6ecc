"""Input rules for every recognizer: any rate, mono or stereo, float or int16, finite only."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from swictation_gui.audio.samples import FloatArray, resample
from swictation_gui.errors import AudioInputError


def to_mono_float(samples: npt.ArrayLike) -> FloatArray:
    """Convert to float32 mono in [-1, 1].

    Accepts 1-D ``[frames]`` or 2-D ``[frames, channels]`` arrays of any float or
    integer type; integers are scaled by their type's full range and channels are
    averaged.

    Raises:
        AudioInputError: the array is not 1-D/2-D, is not numeric, or holds NaN/Inf.
    """
    arr = np.asarray(samples)
    if arr.ndim == 2:
        # Treat the short axis as channels; a [channels, frames] array is accepted too.
        if arr.shape[0] < arr.shape[1] and arr.shape[0] <= 8:
            arr = arr.T
    elif arr.ndim != 1:
        raise AudioInputError(f"Audio must be mono [frames] or [frames, channels]; got shape {arr.shape}.")
    if np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        scale = float(max(abs(info.min), info.max))
        out = arr.astype(np.float32) / np.float32(scale)
        if info.min == 0:  # unsigned PCM: centre it
            out = out * 2.0 - 1.0
    elif np.issubdtype(arr.dtype, np.floating):
        out = arr.astype(np.float32, copy=False)
    else:
        raise AudioInputError(f"Audio samples must be numbers; got {arr.dtype}.")
    if not np.all(np.isfinite(out)):
        raise AudioInputError("The audio contains NaN or infinite samples; it was not transcribed.")
    if out.ndim == 2:
        out = out.mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(out, dtype=np.float32)


def prepare(samples: npt.ArrayLike, sample_rate: int) -> FloatArray:
    """Everything a recognizer needs: mono float32 at 16 kHz, finite."""
    if sample_rate <= 0:
        raise AudioInputError(f"Invalid sample rate {sample_rate}.")
    return resample(to_mono_float(samples), sample_rate)
