"""The recognizer interface shared by every engine, and the transcript it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy.typing as npt

from swictation_gui.audio.samples import SAMPLE_RATE, FloatArray

MIN_SAMPLES = 80  # below this the encoder gets zero frames: we return an empty transcript

__all__ = ["MIN_SAMPLES", "SAMPLE_RATE", "DeviceReport", "FloatArray", "Recognizer", "Transcript"]


@dataclass(frozen=True)
class DeviceReport:
    """Where an engine really runs, and why that may differ from what was asked.

    Attributes:
        requested: "cpu" or "cuda", as asked by the user.
        active: "cpu" or "cuda", as reported by the runtime after loading.
        reason: Why ``active`` differs from ``requested`` (empty when they agree).
        detail: Extra facts for the log and ``doctor`` (provider list, library versions).
    """

    requested: str
    active: str
    reason: str = ""
    detail: str = ""

    @property
    def fell_back(self) -> bool:
        """True when CUDA was asked for but the model runs on the CPU."""
        return self.requested != self.active

    def describe(self) -> str:
        """One line for the tray tooltip, ``doctor`` and ``bench``."""
        if self.fell_back:
            return f"{self.requested} requested, running on {self.active}: {self.reason}"
        return "GPU (CUDA)" if self.active == "cuda" else "CPU"


@dataclass(frozen=True)
class Transcript:
    """The result of one ``transcribe`` call.

    Attributes:
        text: The text, assembled with sherpa-onnx's rules.
        tokens: Token strings (a leading "▁" already turned into a space).
        timestamps: Start of each token in seconds from the start of the audio.
        durations: TDT duration of each token in seconds.
        audio_seconds: Length of the input audio.
        timings_ms: Milliseconds per stage ("resample", "features", "encoder", "decode", "total").
    """

    text: str
    tokens: tuple[str, ...] = ()
    timestamps: tuple[float, ...] = ()
    durations: tuple[float, ...] = ()
    audio_seconds: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """A plain dict for ``--json`` output."""
        return {
            "text": self.text,
            "tokens": list(self.tokens),
            "timestamps": [round(t, 4) for t in self.timestamps],
            "durations": [round(d, 4) for d in self.durations],
            "audio_seconds": round(self.audio_seconds, 4),
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }


@runtime_checkable
class Recognizer(Protocol):
    """A loaded speech recognizer. Not thread-safe: one thread owns it.

    ``load`` and ``warm_up`` may take seconds and must never run on the GUI thread.
    """

    @property
    def name(self) -> str:
        """Engine name ("sherpa-onnx" or "onnxruntime")."""
        ...

    @property
    def device(self) -> DeviceReport:
        """Where the model really runs, decided after loading."""
        ...

    def load(self) -> None:
        """Load the model files. Raises ``ModelError`` with a user-facing message."""
        ...

    def warm_up(self) -> None:
        """Run a few dummy utterances so the first real one is not a cold start."""
        ...

    def transcribe(self, samples: npt.ArrayLike, sample_rate: int) -> Transcript:
        """Recognize ``samples`` (any rate, mono or [frames, channels], float or int16)."""
        ...
