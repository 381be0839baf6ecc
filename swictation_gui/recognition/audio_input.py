"""Input rules for every recognizer: any rate, mono or stereo, float or int16, finite only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from swictation_gui.audio.samples import SAMPLE_RATE, FloatArray, resample
from swictation_gui.errors import AudioInputError

MIN_RATE = 1_000
"""The lowest sample rate accepted (Hz); lower ones are damaged headers (1 Hz would resample to gigabytes)."""
MAX_RATE = 384_000
"""The highest sample rate accepted (Hz); the highest that sound cards and DAWs use."""
MAX_SECONDS = 3 * 3600
"""The longest audio transcribed at once: 3 hours (about 700 MB at 16 kHz, float32)."""
_BLOCK_FRAMES = 1 << 16
_NOT_FINITE = "The audio contains NaN or infinite samples; it was not transcribed."


def check_rate(sample_rate: int) -> None:
    """Refuse a sample rate outside :data:`MIN_RATE` … :data:`MAX_RATE` (any thread).

    Raises:
        AudioInputError: one sentence naming the rate and the accepted range.
    """
    if not MIN_RATE <= sample_rate <= MAX_RATE:
        raise AudioInputError(f"The sample rate {sample_rate:,} Hz is outside the 1 kHz to 384 kHz that can be "
                              "transcribed (a damaged file header?).")


def check_length(frames: int, sample_rate: int) -> None:
    """Refuse audio longer than :data:`MAX_SECONDS` (any thread; ``sample_rate`` already checked).

    Raises:
        AudioInputError: one sentence with the length and the limit.
    """
    seconds = frames / sample_rate
    if frames < 0 or seconds > MAX_SECONDS:
        length = "of unknown length" if frames < 0 else f"{seconds / 3600:.1f} hours long"
        raise AudioInputError(f"The audio is {length}; at most {MAX_SECONDS // 3600} hours can be transcribed at once "
                              "(split it into shorter files).")


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
        raise AudioInputError(_NOT_FINITE)
    if out.ndim == 2:
        out = out.mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(out, dtype=np.float32)


def prepare(samples: npt.ArrayLike, sample_rate: int) -> FloatArray:
    """Everything a recognizer needs: mono float32 at 16 kHz, finite (any thread).

    Raises:
        AudioInputError: see :func:`to_mono_float`, :func:`check_rate` and :func:`check_length`.
    """
    check_rate(sample_rate)
    mono = to_mono_float(samples)
    check_length(mono.shape[0], sample_rate)
    return resample(mono, sample_rate)


def read_file(path: Path) -> FloatArray:
    """An audio file (anything libsndfile reads) as mono float32 at 16 kHz (any thread).

    The rate and length are checked from the header before any sample is read; the file is then read,
    downmixed and resampled block by block, so memory holds little more than the 16 kHz result (the same
    samples as :func:`prepare` on the whole file).

    Raises:
        AudioInputError: missing or unreadable file, or a rate or length that is refused; one line that
            starts with the file name.
    """
    import soundfile

    if not path.is_file():
        raise AudioInputError(f"{path}: no such file.")
    try:
        sf = soundfile.SoundFile(str(path))
    except Exception as exc:  # libsndfile's errors carry no stable type across versions
        raise AudioInputError(f"{path}: not a readable audio file ({_first_line(exc)}).") from None
    with sf:
        try:
            rate, frames = int(sf.samplerate), int(sf.frames)
            check_rate(rate)
            check_length(frames, rate)
            return _read_blocks(sf, rate, frames)
        except AudioInputError as exc:
            text = str(exc)
            raise AudioInputError(f"{path}: {text[:1].lower()}{text[1:]}") from None
        except Exception as exc:
            raise AudioInputError(f"{path}: not a readable audio file ({_first_line(exc)}).") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:120]


def _read_blocks(sf: Any, rate: int, frames: int) -> FloatArray:
    """Read ``sf`` to the end (at most ``frames``), downmixing and resampling each block to 16 kHz."""
    import soxr

    stream = None if rate == SAMPLE_RATE else soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32",
                                                                 quality="HQ")
    out = np.empty(int(np.ceil(frames * SAMPLE_RATE / rate)) + 64, np.float32)
    used = done = 0
    while True:
        block = sf.read(min(_BLOCK_FRAMES, max(frames - done, 0)), dtype="float32", always_2d=True)
        done += block.shape[0]
        last = block.shape[0] == 0 or done >= frames
        mono = np.ascontiguousarray(block[:, 0] if block.shape[1] == 1 else block.mean(axis=1, dtype=np.float32))
        if not np.all(np.isfinite(mono)):
            raise AudioInputError(_NOT_FINITE)
        chunk = mono if stream is None else stream.resample_chunk(mono, last=last)
        if used + chunk.size > out.size:
            out = np.concatenate([out[:used], np.empty(chunk.size + _BLOCK_FRAMES, np.float32)])
        out[used:used + chunk.size] = chunk
        used += chunk.size
        if last:
            return out[:used]
