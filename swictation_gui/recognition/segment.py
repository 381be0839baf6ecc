"""Split long audio at its quietest points so no segment exceeds what a model handles well."""

from __future__ import annotations

import numpy as np

from swictation_gui.recognition.base import SAMPLE_RATE, FloatArray

_FRAME = SAMPLE_RATE // 50  # 20 ms energy frames


def split_points(samples: FloatArray, max_seconds: float, min_seconds: float | None = None) -> list[int]:
    """Sample offsets where ``samples`` should be cut (empty when it is short enough).

    Each segment is at most ``max_seconds`` long. Within the allowed window the cut is
    placed in the middle of the latest run of the quietest 20 ms frames, so words are not
    cut in half where a pause exists, and the cut keeps as much of the pause on either side as it can.
    """
    max_len = int(max_seconds * SAMPLE_RATE)
    if max_len <= 0 or samples.size <= max_len:
        return []
    min_len = int((min_seconds if min_seconds is not None else max_seconds / 2) * SAMPLE_RATE)
    min_len = max(_FRAME, min(min_len, max_len - _FRAME))
    n_frames = samples.size // _FRAME
    energy = np.square(samples[: n_frames * _FRAME].reshape(n_frames, _FRAME), dtype=np.float64).mean(axis=1)
    cuts: list[int] = []
    start = 0
    while samples.size - start > max_len:
        lo = (start + min_len) // _FRAME
        hi = (start + max_len) // _FRAME  # exclusive
        window = energy[lo:hi]
        # Last occurrence of the minimum: the latest quiet point keeps segments long.
        best = lo + (window.size - 1 - int(np.argmin(window[::-1])))
        first = best
        while first > lo and energy[first - 1] <= energy[best]:
            first -= 1
        cut = (first + best + 1) * _FRAME // 2
        cuts.append(cut)
        start = cut
    return cuts


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return 0x2E80 <= cp <= 0xA4CF or 0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x2FFFF


def join_texts(parts: list[str]) -> str:
    """Join per-segment texts with one space (none between two CJK characters)."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and not (_is_cjk(out[-1]) and _is_cjk(part[0])):
            out += " "
        out += part
    return out
