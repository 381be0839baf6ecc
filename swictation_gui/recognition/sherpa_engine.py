"""The sherpa-onnx engine (CPU): the reference every other engine must match."""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from swictation_gui import log
from swictation_gui.errors import ModelError, RecognitionError
from swictation_gui.models import check
from swictation_gui.models.catalogue import ModelLocation
from swictation_gui.recognition.base import SAMPLE_RATE, DeviceReport, FloatArray, Transcript
from swictation_gui.recognition.engine_base import EngineBase


def default_threads() -> int:
    """Threads for CPU inference: all cores up to 8 (more rarely helps a single utterance)."""
    return max(1, min(8, os.cpu_count() or 1))


class SherpaEngine(EngineBase):
    """sherpa_onnx.OfflineRecognizer with ``model_type="nemo_transducer"``.

    The PyPI wheel has no CUDA: asked for "cuda" it reports a CPU fallback instead of
    pretending. Not thread-safe; the thread that calls ``load`` owns it.
    """

    def __init__(self, location: ModelLocation, device: str = "cpu", num_threads: int | None = None,
                 max_segment_seconds: float = 30.0) -> None:
        super().__init__(max_segment_seconds)
        self._location = location
        self._requested = device
        self._threads = num_threads or default_threads()
        self._rec: Any = None
        no_cuda = "the sherpa-onnx PyPI wheel is built without CUDA"
        self._device = DeviceReport(requested=device, active="cpu", reason="" if device == "cpu" else no_cuda)

    @property
    def name(self) -> str:
        """Engine name."""
        return "sherpa-onnx"

    @property
    def device(self) -> DeviceReport:
        """Always the CPU: the PyPI wheel of sherpa-onnx has no CUDA provider."""
        return self._device

    @property
    def location(self) -> ModelLocation:
        """The model folder this engine loads."""
        return self._location

    def load(self) -> None:
        """Check the folder (in a child process, cached), then load it with sherpa-onnx."""
        info = check.check_folder(self._location)
        import sherpa_onnx

        names = self._location.files
        folder = self._location.folder
        try:
            self._rec = sherpa_onnx.OfflineRecognizer.from_transducer(
                encoder=str(folder / names.encoder), decoder=str(folder / names.decoder),
                joiner=str(folder / names.joiner), tokens=str(folder / names.tokens),
                num_threads=self._threads, sample_rate=SAMPLE_RATE, feature_dim=info.feat_dim,
                decoding_method="greedy_search", model_type="nemo_transducer", provider="cpu")
        except Exception as exc:  # sherpa raises RuntimeError for I/O problems it can report
            raise ModelError(f"sherpa-onnx could not load {folder}: {exc}. {check.remedy(self._location)}") from exc
        log.recognition.info("sherpa-onnx loaded %s (%d threads, %d mel bins)", folder, self._threads, info.feat_dim)

    def _recognize(self, samples: FloatArray) -> Transcript:
        if self._rec is None:
            raise RecognitionError("The model is not loaded yet.")
        t0 = time.perf_counter()
        stream = self._rec.create_stream()
        stream.accept_waveform(SAMPLE_RATE, np.ascontiguousarray(samples, dtype=np.float32))
        t1 = time.perf_counter()
        try:
            self._rec.decode_stream(stream)
        except RuntimeError as exc:
            raise RecognitionError(f"sherpa-onnx failed on this audio: {exc}") from exc
        t2 = time.perf_counter()
        result = stream.result
        return Transcript(
            text=result.text,
            tokens=tuple(result.tokens),
            timestamps=tuple(float(t) for t in result.timestamps),
            durations=tuple(float(d) for d in getattr(result, "durations", ())),
            audio_seconds=samples.size / SAMPLE_RATE,
            timings_ms={"features": (t1 - t0) * 1e3, "model": (t2 - t1) * 1e3},
        )
