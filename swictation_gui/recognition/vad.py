"""Voice-activity detection for progressive recognition: Silero VAD through sherpa-onnx, or an energy detector.

A detector turns 16 kHz mono audio into one speech/no-speech flag per hop of ``hop`` samples. It is stateful
(Silero keeps an RNN state; the energy detector a noise floor) and belongs to one dictation on the recognizer
thread that feeds it. ``make_detector`` picks Silero when its ONNX file is installed (``silero_vad.onnx`` in
the models folder, pinned in the catalogue as ``SILERO_VAD``) and the energy detector otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from swictation_gui import log
from swictation_gui.audio.samples import ENERGY_FLOOR, SAMPLE_RATE, FloatArray
from swictation_gui.models.catalogue import SILERO_VAD

ENERGY_OVER_NOISE = 4.0          # ... and speech is this many times the running noise floor


class Detector(Protocol):
    """Speech flags per hop (owned by one thread)."""

    hop: int
    name: str

    def push(self, samples: FloatArray) -> list[bool]:
        """Feed 16 kHz samples; one flag per hop completed by them (the rest waits for the next push)."""
        ...


class EnergyDetector:
    """Speech where a 20 ms frame's RMS is above both an absolute floor and 4× the running noise floor."""

    name = "energy"

    def __init__(self, hop: int = SAMPLE_RATE // 50) -> None:
        self.hop = hop
        self._rest = np.zeros(0, dtype=np.float32)
        self._noise: float | None = None

    def push(self, samples: FloatArray) -> list[bool]:
        """Feed samples (recognizer thread)."""
        data = np.concatenate([self._rest, samples]) if self._rest.size else samples
        n = data.size // self.hop
        self._rest = data[n * self.hop:].copy()
        if n == 0:
            return []
        rms = np.sqrt(np.square(data[: n * self.hop].reshape(n, self.hop), dtype=np.float64).mean(axis=1))
        flags: list[bool] = []
        for value in rms.tolist():
            noise = value if self._noise is None else self._noise
            # The floor follows quiet frames down at once and creeps up slowly, so speech does not raise it.
            self._noise = min(value, noise * 1.02 + 1e-7)
            flags.append(value > max(ENERGY_FLOOR, ENERGY_OVER_NOISE * self._noise))
        return flags


class SileroDetector:
    """Silero VAD (sherpa-onnx ``VadModel``): 32 ms hops, each judged with 4 ms of left context."""

    name = "silero"

    def __init__(self, model: Path, threshold: float = 0.5) -> None:
        import sherpa_onnx

        config = sherpa_onnx.VadModelConfig()
        config.silero_vad.model = str(model)
        config.silero_vad.threshold = threshold
        # Pauses are measured by the caller; keep the model's own hysteresis short.
        config.silero_vad.min_silence_duration = 0.03
        config.silero_vad.min_speech_duration = 0.03
        config.silero_vad.window_size = 512
        config.sample_rate = SAMPLE_RATE
        config.num_threads = 1
        self._model = sherpa_onnx.VadModel.create(config)
        self.hop = 512
        self._window = int(self._model.window_size())  # hop plus the context the model wants (576 for v5/v6)
        self._context = self._window - self.hop
        self._buf = np.zeros(self._context, dtype=np.float32)

    def push(self, samples: FloatArray) -> list[bool]:
        """Feed samples (recognizer thread)."""
        self._buf = np.concatenate([self._buf, samples])
        flags: list[bool] = []
        pos = 0
        while pos + self._window <= self._buf.size:
            flags.append(bool(self._model.is_speech(self._buf[pos:pos + self._window])))
            pos += self.hop
        self._buf = self._buf[pos:].copy()
        return flags


def silero_candidate() -> Path:
    """Where the Silero VAD file is installed, next to the models (any thread; does not touch the disk)."""
    from swictation_gui import paths

    return paths.models_dir() / SILERO_VAD.name


def make_detector(silero: Path | None) -> Detector:
    """Silero when the file ``silero`` exists and loads, else the energy detector (recognizer thread)."""
    if silero is not None and silero.is_file():
        try:
            return SileroDetector(silero)
        except Exception as exc:  # a damaged file must not stop dictation
            log.recognition.warning("The voice detector %s could not be loaded (%s); using the energy detector",
                                    silero, exc)
    return EnergyDetector()
