"""Our engine: onnxruntime(-gpu) sessions with sherpa-onnx's features, TDT decoding and text rules.

It loads the same sherpa-onnx model folders and gives the same text, tokens, timestamps and
durations as ``SherpaEngine`` on the CPU (tests/test_parity*.py), and it can put the encoder on
CUDA. Where the decoder and joiner run is a separate choice (``decode_device``): by default they
stay on the CPU even when the encoder is on CUDA. Each greedy step is a few small matrix products
(measured 65 µs joiner + 140 µs decoder on the CPU at 110M size); a GPU step adds kernel launches,
a device-to-host copy of the logits and a stream sync, which is expected to cost as much, and CPU
arithmetic keeps the argmax decisions identical to sherpa's. Not yet measured on a GPU: compare
with ``swictation-gui bench --device cuda --decode-device cuda`` (benchmarks/README.md). With
``decode_device="cuda"`` every step still round-trips through host memory (no I/O binding).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from swictation_gui import log
from swictation_gui.errors import ModelError, RecognitionError
from swictation_gui.models import check, tokens
from swictation_gui.models.catalogue import ModelLocation
from swictation_gui.models.metadata import ModelInfo
from swictation_gui.recognition import providers
from swictation_gui.recognition.base import SAMPLE_RATE, DeviceReport, FloatArray, Transcript
from swictation_gui.recognition.engine_base import EngineBase
from swictation_gui.recognition.features import FeatureExtractor
from swictation_gui.recognition.sherpa_engine import default_threads
from swictation_gui.recognition.tdt import TdtGreedyDecoder, frames_to_seconds
from swictation_gui.recognition.text import TextBuilder

DECODE_DEVICES = ("auto", "cpu", "cuda")


def default_decode_threads() -> int:
    """Threads for the one-frame decoder/joiner runs: up to 2, with spinning off.

    Measured on 30 s with Parakeet-sized decoder/joiner on 2 cores (benchmarks/README.md): 2 threads
    without spinning beat 1 thread (110M-shaped 66 vs 92 ms, v3-shaped 1135 vs 1317 ms); 2 threads
    with onnxruntime's default spinning were 1.7-2x slower than 1, the two pools fighting for cores.
    """
    return min(2, default_threads())


class OrtEngine(EngineBase):
    """NeMo Parakeet-TDT on onnxruntime; ``device`` is "cpu" or "cuda" (CPU fallback is reported).

    Not thread-safe: the thread that calls ``load`` owns it and makes every later call.
    """

    def __init__(self, location: ModelLocation, device: str = "cpu", num_threads: int | None = None,
                 max_segment_seconds: float = 30.0, decode_device: str = "auto",
                 feature_method: str = "kaldi", decode_threads: int | None = None) -> None:
        super().__init__(max_segment_seconds)
        if device not in ("cpu", "cuda"):
            raise ModelError(f"Unknown device {device!r}; choose cpu or cuda.")
        if decode_device not in DECODE_DEVICES:
            raise ModelError(f"Unknown decode device {decode_device!r}; choose one of {', '.join(DECODE_DEVICES)}.")
        self._location = location
        self._requested = device
        self._threads = num_threads or default_threads()
        self._decode_device = decode_device
        self._decode_threads = decode_threads or default_decode_threads()
        self._feature_method = feature_method
        self._device = DeviceReport(device, "cpu", "the model is not loaded yet" if device == "cuda" else "")
        self._info: ModelInfo | None = None
        self._encoder: Any = None
        self._enc_in: list[str] = []
        self._features: FeatureExtractor | None = None
        self._decoder: TdtGreedyDecoder | None = None
        self._text: TextBuilder | None = None

    @property
    def name(self) -> str:
        """Engine name."""
        return "onnxruntime"

    @property
    def device(self) -> DeviceReport:
        """Where the encoder really runs, from ``session.get_providers()`` after loading."""
        return self._device

    @property
    def location(self) -> ModelLocation:
        """The model folder this engine loads."""
        return self._location

    @property
    def info(self) -> ModelInfo | None:
        """The model's metadata once loaded."""
        return self._info

    def _session(self, name: str, device: str, threads: int, spin: bool = True) -> providers.SessionResult:
        path = self._location.folder / name
        try:
            return providers.create_session(str(path), device, threads, spin=spin)
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            log.recognition.debug("onnxruntime could not load %s", path, exc_info=True)
            raise ModelError(f"onnxruntime could not load {path}: {first[:300]}. "
                             f"{check.remedy(self._location)}") from exc

    def load(self) -> None:
        """Check the folder (child process, cached), then create the three sessions. Worker thread."""
        info = check.check_folder(self._location)
        names = self._location.files
        table = tokens.read_tokens(self._location.folder / names.tokens)
        encoder = self._session(names.encoder, self._requested, self._threads)
        decode_on = self._decode_device
        if decode_on == "auto" or encoder.report.active == "cpu":
            decode_on = "cpu"
        decoder = self._session(names.decoder, decode_on, self._decode_threads, spin=False)
        joiner = self._session(names.joiner, decode_on, self._decode_threads, spin=False)
        self._encoder = encoder.session
        self._enc_in = [i.name for i in self._encoder.get_inputs()]
        self._features = FeatureExtractor(info.feat_dim, info.normalize_type, self._feature_method)
        self._decoder = TdtGreedyDecoder(decoder.session, joiner.session, info.vocab_size,
                                         info.pred_rnn_layers, info.pred_hidden)
        self._text = TextBuilder(table)
        self._info = info
        decode_active = joiner.report.active if decoder.report.active == joiner.report.active else "mixed"
        detail = (f"{encoder.report.detail}; encoder on {encoder.report.active}, "
                  f"decoder/joiner on {decode_active}")
        self._device = DeviceReport(self._requested, encoder.report.active, encoder.report.reason, detail)
        log.recognition.info("onnxruntime loaded %s: %s (%s)", self._location.folder, self._device.describe(), detail)

    def _recognize(self, samples: FloatArray) -> Transcript:
        """Features, encoder, greedy TDT, text; on the owning thread."""
        if self._encoder is None or self._features is None or self._decoder is None or self._text is None \
                or self._info is None:
            raise RecognitionError("The model is not loaded yet.")
        t0 = time.perf_counter()
        feats = self._features.compute(samples)                           # [T, C]
        x = np.ascontiguousarray(feats.T[None])                           # [1, C, T]
        length = np.array([x.shape[2]], dtype=np.int64)
        t1 = time.perf_counter()
        try:
            enc_out, enc_len = self._encoder.run(None, {self._enc_in[0]: x, self._enc_in[1]: length})
        except Exception as exc:
            raise RecognitionError(f"The encoder failed on this audio: {str(exc)[:300]}") from exc
        frames = np.ascontiguousarray(enc_out[0].T)                       # [T', D]
        t2 = time.perf_counter()
        try:
            hyp = self._decoder.decode(frames, int(np.asarray(enc_len).reshape(-1)[0]))
        except Exception as exc:
            raise RecognitionError(f"Decoding failed on this audio: {str(exc)[:300]}") from exc
        text, token_strings = self._text.build(hyp.ids)
        factor = self._info.subsampling_factor
        t3 = time.perf_counter()
        return Transcript(
            text=text,
            tokens=token_strings,
            timestamps=frames_to_seconds(hyp.frames, factor),
            durations=frames_to_seconds(hyp.skips, factor),
            audio_seconds=samples.size / SAMPLE_RATE,
            timings_ms={"features": (t1 - t0) * 1e3, "encoder": (t2 - t1) * 1e3, "decode": (t3 - t2) * 1e3},
        )
