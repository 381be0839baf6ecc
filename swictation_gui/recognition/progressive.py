"""Progressive recognition: a dictation's completed stretches of speech are recognized while the key is held.

The owner (GUI) thread copies new audio out of the capture ring every fraction of a second and queues it to
the recognizer thread as a :meth:`Stretches.feed` job; everything here runs on that recognizer thread, in
queue order, so stretches queue behind each other and the GUI never waits. A stretch ends at a pause: a run
of ``min_pause_s`` without speech after some speech, as the voice-activity detector (``vad.py``) sees it.
The cut falls in the middle of the pause, so each piece keeps half the pause as silent context on either
side and no word is cut. No piece grows past ``max_piece_s``: without a pause, the piece is cut at its
quietest 20 ms (``segment.split_points``). At release only the audio after the last cut remains
(:meth:`Stretches.finish`), so the wait after key-up no longer grows with the length of the dictation, and
the audio held here never exceeds one piece.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from swictation_gui import log
from swictation_gui.audio.samples import SAMPLE_RATE, FloatArray
from swictation_gui.errors import SwictationError
from swictation_gui.recognition import segment
from swictation_gui.recognition.base import Recognizer, Transcript
from swictation_gui.recognition.vad import Detector, make_detector

MAX_PIECE_S = 30.0
MIN_PAUSE_S = 0.3
GRID = 1280
"""Cuts fall on multiples of 80 ms (8 feature frames of 10 ms: the encoder's subsampling), counted from the start
of the dictation, so every piece sees the audio on the same frame grid as the one-piece transcript would."""


class Stretches:
    """One dictation's progressive state. Built on the owner thread; every method runs on the recognizer thread.

    Args:
        rate: Sample rate of the raw audio fed in (resampled here to 16 kHz, as one stream).
        silero: The Silero VAD file, or None for the energy detector.
    """

    def __init__(self, rate: int, silero: Path | None, max_piece_s: float = MAX_PIECE_S,
                 min_pause_s: float = MIN_PAUSE_S, check: bool = False) -> None:
        self.rate = rate
        self._silero = silero
        self._max_len = int(max_piece_s * SAMPLE_RATE)
        self._min_pause_s = min_pause_s
        self._detector: Detector | None = None
        self._resampler: Any = None
        self._pending = np.zeros(0, dtype=np.float32)  # 16 kHz audio not recognized yet
        self._offset = 0          # 16 kHz samples before ``_pending`` (already recognized)
        self._hops = 0            # detector hops judged so far
        self._speech = False      # speech was heard since the last cut
        self._quiet_from: int | None = None  # first hop of the current run without speech
        self._cuts: list[int] = []  # absolute 16 kHz sample positions still to cut at
        self._parts: list[Transcript] = []
        self.pieces = 0
        self.peak_pending = 0     # the most 16 kHz samples held at once
        self.busy_ms = 0.0        # recognition time spent while the key was held
        self.error = ""
        self.cancelled = False    # set by the owner thread: queued feeds do nothing
        self._all: list[FloatArray] | None = [] if check else None  # tests: the whole audio, for one_piece
        self.one_piece: str | None = None
        """With ``check`` (tests only): the text of the whole audio recognized in one piece, set by finish."""

    @property
    def detector(self) -> str:
        """Which detector judges pauses ("" before the first feed)."""
        return self._detector.name if self._detector is not None else ""

    def feed(self, recognizer: Recognizer, raw: FloatArray) -> None:
        """Take more audio and recognize every stretch it completes (recognizer thread; never raises)."""
        if self.cancelled or self.error:
            return
        t0 = time.perf_counter()
        try:
            self._take(raw, last=False)
            self._recognize_cuts(recognizer)
        except Exception as exc:
            log.recognition.error("Progressive recognition failed", exc_info=True)
            self.error = str(exc) or type(exc).__name__
        self.busy_ms += (time.perf_counter() - t0) * 1e3

    def finish(self, recognizer: Recognizer, raw: FloatArray) -> Transcript:
        """The rest of the audio (after key-up and the tail): recognize it and return the whole text."""
        if self.error:
            raise SwictationError(self.error)
        t0 = time.perf_counter()
        self._take(raw, last=True)
        self._recognize_cuts(recognizer)
        last_s = self._pending.size / SAMPLE_RATE
        self._recognize(recognizer, self._pending.size)
        last_ms = (time.perf_counter() - t0) * 1e3
        parts = [p for p in self._parts if p.text.strip()]
        if self._all is not None:
            self.one_piece = recognizer.transcribe(np.concatenate([np.zeros(0, np.float32), *self._all]),
                                                   SAMPLE_RATE).text
        return Transcript(
            text=segment.join_texts([p.text for p in parts]),
            tokens=tuple(tok for p in parts for tok in p.tokens),
            timestamps=tuple(ts for p in parts for ts in p.timestamps),
            durations=tuple(d for p in parts for d in p.durations),
            audio_seconds=self._offset / SAMPLE_RATE,
            timings_ms={"total": last_ms, "last_piece_s": last_s, "pieces": float(self.pieces),
                        "silero": float(self.detector == "silero"),
                        "during_hold_ms": self.busy_ms, "peak_pending_s": self.peak_pending / SAMPLE_RATE},
        )

    # ----------------------------------------------------------------- internals (recognizer thread)

    def _take(self, raw: FloatArray, last: bool) -> None:
        """Resample ``raw`` onto the pending audio and let the detector judge it."""
        if self._detector is None:
            self._detector = make_detector(self._silero)
            log.recognition.debug("Progressive recognition judges pauses with the %s detector", self._detector.name)
        audio = np.asarray(raw, dtype=np.float32)
        if self.rate != SAMPLE_RATE:
            if self._resampler is None:
                import soxr

                self._resampler = soxr.ResampleStream(self.rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
            audio = np.asarray(self._resampler.resample_chunk(audio, last=last), dtype=np.float32)
        if audio.size == 0:
            return
        self._pending = np.concatenate([self._pending, audio])
        if self._all is not None:
            self._all.append(audio)
        self.peak_pending = max(self.peak_pending, self._pending.size)
        hop = self._detector.hop
        pause = max(2, round(self._min_pause_s * SAMPLE_RATE / hop))
        for speech in self._detector.push(audio):
            i = self._hops
            self._hops += 1
            if speech:
                self._speech, self._quiet_from = True, None
                continue
            if self._quiet_from is None:
                self._quiet_from = i
            if self._speech and i - self._quiet_from + 1 >= pause:
                middle = (self._quiet_from + pause // 2) * hop  # the middle of the pause so far
                self._cuts.append(round(middle / GRID) * GRID)
                self._speech = False

    def _recognize_cuts(self, recognizer: Recognizer) -> None:
        """Recognize up to each pause found, then cut any piece that grew past the longest allowed."""
        while self._cuts:
            cut = self._cuts.pop(0) - self._offset
            if cut > 0:
                self._recognize(recognizer, min(cut, self._pending.size))
        while self._pending.size > self._max_len:
            points = segment.split_points(self._pending, self._max_len / SAMPLE_RATE)
            cut = points[0] if points else self._max_len
            cut = round((self._offset + cut) / GRID) * GRID - self._offset
            self._recognize(recognizer, min(cut, self._max_len))

    def _recognize(self, recognizer: Recognizer, n: int) -> None:
        """Recognize the first ``n`` pending samples as one piece and drop them."""
        piece, self._pending = self._pending[:n], self._pending[n:].copy()
        offset = self._offset / SAMPLE_RATE
        self._offset += n
        if piece.size == 0:
            return
        part = recognizer.transcribe(piece, SAMPLE_RATE)
        self.pieces += 1
        self._parts.append(Transcript(part.text, part.tokens, tuple(t + offset for t in part.timestamps),
                                      part.durations, part.audio_seconds, part.timings_ms))
