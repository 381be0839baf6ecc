"""Choose and build the engine for a model: onnxruntime for CUDA; on the CPU the verified-faster one."""

from __future__ import annotations

from collections.abc import Callable

from swictation_gui.errors import SwictationError
from swictation_gui.models.catalogue import Device, ModelLocation
from swictation_gui.recognition.base import Recognizer

ENGINES = ("auto", "sherpa", "onnxruntime")
DEVICES = ("auto", "cpu", "cuda")


def pick(location: ModelLocation, engine: str = "auto", device: str = "auto", cpu_engine: str = "auto",
         ) -> tuple[str, str]:
    """Resolve "auto" choices: a model's own device, then onnxruntime for CUDA; for the CPU the
    ``cpu_engine`` setting, whose "auto" runs (or reads the cached) engine self-test
    (``engine_choice``: ours only where it gives sherpa-onnx's transcripts and is faster). The
    self-test may take seconds the first time: call from a worker thread."""
    if engine not in ENGINES:
        raise SwictationError(f"Unknown engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    if device not in DEVICES:
        raise SwictationError(f"Unknown device {device!r}; choose one of {', '.join(DEVICES)}.")
    if device == "auto":
        device = str(location.spec.device) if location.spec else str(Device.CPU)
    if engine == "auto":
        if device == Device.CUDA:
            engine = "onnxruntime"
        else:
            from swictation_gui.recognition import engine_choice

            engine = engine_choice.choose(location, cpu_engine)
    return engine, device


def create(location: ModelLocation, engine: str = "auto", device: str = "auto",
           max_segment_seconds: float = 30.0, cpu_engine: str = "auto") -> Recognizer:
    """An unloaded recognizer for ``location``; call ``load()`` on the thread that will own it."""
    engine, device = pick(location, engine, device, cpu_engine)
    if engine == "sherpa":
        from swictation_gui.recognition.sherpa_engine import SherpaEngine

        return SherpaEngine(location, device=device, max_segment_seconds=max_segment_seconds)
    from swictation_gui.recognition.ort_engine import OrtEngine

    return OrtEngine(location, device=device, max_segment_seconds=max_segment_seconds)


def deferred(model: str, engine: str = "auto", device: str = "auto", cpu_engine: str = "auto",
             ) -> Callable[[], Recognizer]:
    """A factory that resolves ``model`` ("gpu", "cpu" or a folder) and builds its recognizer when called, on the
    thread that will own the model (resolving checks the disk, so it must not run on the GUI thread)."""
    def build() -> Recognizer:
        from swictation_gui.models.catalogue import resolve

        return create(resolve(model), engine=engine, device=device, cpu_engine=cpu_engine)
    return build
