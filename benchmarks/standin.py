"""Random-weight stand-ins of both catalogue models, real size: ``python -m benchmarks.standin --out DIR``.

``--model cpu|gpu|both`` (default both) builds into ``DIR/<catalogue folder name>/`` (default
``.standins/``, ignored by git; hundreds of MB each, never commit them), unless an identical build is
already there. Each folder has the exact sherpa-onnx layout and encoder metadata of the real archive
(``encoder.onnx``/``.int8.onnx`` …, ``tokens.txt``, ``test_wavs/`` spoken by espeak-ng), so
``swictation-gui bench --model DIR/<name>`` and the benchmarks load it like the real model. The int8
model is quantized like sherpa-onnx's export (``quantize_dynamic``: encoder QUInt8, decoder/joiner
QInt8, metadata added afterwards). The joiner's blank logit is calibrated so that espeak-ng speech
gives about ``TOKENS_PER_SECOND`` tokens per second. Then (unless ``--no-verify``) it prints parameter
counts and file sizes against the real models and decodes the test wavs with sherpa-onnx and with our
engine. The graphs are in ``benchmarks/standin_graph.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from benchmarks import standin_graph as sg
from swictation_gui.models.catalogue import CPU_MODEL, GPU_MODEL, ModelSpec
from tests.fixtures import synth_models as sm

DEFAULT_OUT = Path(__file__).resolve().parent.parent / ".standins"
TOKENS_PER_SECOND = 3.0
BUILDER_VERSION = 2
MIB = 2 ** 20

# Real figures (shared reference parakeet-architecture.md): parameters and file sizes in MiB.
REAL: dict[str, dict[str, float]] = {
    "gpu": {"encoder": 109e6, "decoder": 3.9e6, "joiner": 1.4e6, "encoder_mib": 435, "decoder_mib": 15,
            "joiner_mib": 5.4},
    "cpu": {"encoder": 609e6, "decoder": 11.8e6, "joiner": 6.3e6, "encoder_mib": 621, "decoder_mib": 11,
            "joiner_mib": 6},
}
CONFIGS = {"gpu": sg.GPU_110M, "cpu": sg.CPU_06B}
SPECS = {"gpu": GPU_MODEL, "cpu": CPU_MODEL}
METADATA = {
    "gpu": {"url": "https://catalog.ngc.nvidia.com/orgs/nvidia/teams/nemo/models/parakeet-tdt_ctc-110m",
            "model_type": "EncDecHybridRNNTCTCBPEModel"},
    "cpu": {"url": "https://huggingface.co/nvidia/parakeet-tdt-0.6b-v3", "model_type": "EncDecRNNTBPEModel"},
}
TEST_WAVS = {
    "gpu": {"0.wav": ("en", "After early nightfall the yellow lamps would light up here and there."),
            "en-english.wav": ("en", "The quick brown fox jumps over the lazy dog, while the band plays on.")},
    "cpu": {"en.wav": ("en", "Hold a key, speak, and let go: your words appear where the cursor is."),
            "de.wav": ("de", "Halte eine Taste gedrückt, sprich, und lass los."),
            "fr.wav": ("fr", "Appuie sur une touche, parle, puis relâche-la."),
            "es.wav": ("es", "Mantén una tecla, habla y suéltala.")},
}


def encoder_metadata(key: str, c: sg.StandinConfig) -> dict[str, object]:
    """The metadata sherpa-onnx's export script writes, for a stand-in of catalogue model ``key``."""
    meta: dict[str, object] = {"vocab_size": c.vocab, "pred_rnn_layers": c.pred_layers, "pred_hidden": c.pred_hidden,
                               "subsampling_factor": 8, "normalize_type": "per_feature", "version": "2",
                               "model_author": "NeMo", **METADATA[key],
                               "comment": "random-weight stand-in built by benchmarks/standin.py (not a real model)"}
    if c.feat_dim != 80:
        meta["feat_dim"] = c.feat_dim
    return meta


def save(graph: sm._Graph, path: Path, name: str, io: tuple[list[onnx.ValueInfoProto], list[onnx.ValueInfoProto]],
         meta: dict[str, object] | None = None, external: bool = False) -> None:
    """Write one graph (opset 17); ``external`` puts the weights beside it (needed past 2 GB)."""
    model = onnx.helper.make_model(onnx.helper.make_graph(graph.nodes, name, *io, initializer=graph.consts),
                                   opset_imports=[onnx.helper.make_opsetid("", 17)], producer_name="pytorch")
    model.ir_version = 8
    add_metadata(model, meta or {})
    if external:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=path.name + ".data", size_threshold=1024)
        onnx.checker.check_model(str(path))
    else:
        onnx.checker.check_model(model)
        onnx.save_model(model, str(path))


def add_metadata(model: onnx.ModelProto, meta: dict[str, object]) -> None:
    """Set (replace) custom metadata keys."""
    keep = [p for p in model.metadata_props if p.key not in meta]
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    for key, value in meta.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, str(value)


def quantize(src: Path, dst: Path, weight_type: str, meta: dict[str, object] | None = None) -> None:
    """``quantize_dynamic`` with default op types, then the metadata (as sherpa-onnx's export does)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(model_input=str(src), model_output=str(dst), weight_type=getattr(QuantType, weight_type))
    if meta:
        model = onnx.load(str(dst))
        add_metadata(model, meta)
        onnx.save_model(model, str(dst))


def tokens(vocab: int) -> list[str]:
    """Made-up BPE pieces: every third starts a word."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(vocab):
        word, n = "", i
        while True:
            word, n = letters[n % 26] + word, n // 26
            if n == 0:
                break
        out.append(("▁" if i % 3 == 0 else "") + word)
    return out


def write_test_wavs(folder: Path, key: str) -> None:
    """espeak-ng sentences as 16 kHz 16-bit mono wavs, named as in the real archive (skipped without espeak-ng)."""
    import soundfile
    import soxr

    if not shutil.which("espeak-ng"):
        return
    (folder / "test_wavs").mkdir(exist_ok=True)
    for name, (voice, text) in TEST_WAVS.get(key, TEST_WAVS["gpu"]).items():
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "s.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, capture_output=True,
                           timeout=60)
            data, rate = soundfile.read(str(raw), dtype="float32", always_2d=True)
        mono = soxr.resample(data.mean(axis=1), rate, 16_000).astype(np.float32)
        soundfile.write(str(folder / "test_wavs" / name), mono, 16_000, subtype="PCM_16")


def calibrate(folder: Path, c: sg.StandinConfig, files: tuple[str, str], speech: np.ndarray,
              target: float = TOKENS_PER_SECOND) -> tuple[float, np.ndarray, dict[str, float]]:
    """Blank bias giving ``target`` tokens/s on ``speech`` (bisection on the real encoder/decoder
    output and an in-memory fp32 joiner). Returns the bias, the mean encoder frame (for the joiner's
    bias) and the rates reached (tokens and joiner runs per second)."""
    import onnxruntime as ort

    from swictation_gui.recognition.features import FeatureExtractor
    from swictation_gui.recognition.tdt import TdtGreedyDecoder

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    enc = ort.InferenceSession(str(folder / files[0]), opts, providers=["CPUExecutionProvider"])
    dec = ort.InferenceSession(str(folder / files[1]), opts, providers=["CPUExecutionProvider"])
    feats = FeatureExtractor(c.feat_dim, "per_feature").compute(speech)
    names = [i.name for i in enc.get_inputs()]
    out, lens = enc.run(None, {names[0]: np.ascontiguousarray(feats.T[None]),
                               names[1]: np.array([feats.shape[0]], np.int64)})
    frames, n = np.ascontiguousarray(out[0].T), int(lens[0])
    seconds = speech.size / 16_000
    mean = frames[:n].mean(axis=0)

    def rates(bias: float) -> dict[str, float]:
        g = sg.joiner_graph(c, bias, mean)
        model = onnx.helper.make_model(onnx.helper.make_graph(g.nodes, "joiner", *sm._joiner_io(
            c.dims(), c.vocab + 1 + sm.NUM_DURATIONS), initializer=g.consts),
            opset_imports=[onnx.helper.make_opsetid("", 17)])
        model.ir_version = 8
        joi = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        hyp = TdtGreedyDecoder(dec, joi, c.vocab + 1, c.pred_layers, c.pred_hidden).decode(frames, n)
        return {"tokens_per_second": len(hyp.ids) / seconds, "joiner_runs_per_second": hyp.joiner_runs / seconds}

    lo, hi = -20.0, 40.0
    for _ in range(12):
        mid = (lo + hi) / 2
        if rates(mid)["tokens_per_second"] > target:
            lo = mid
        else:
            hi = mid
    found = {b: rates(b) for b in (lo, hi)}
    best = min(found, key=lambda b: abs(found[b]["tokens_per_second"] - target))
    return best, mean, found[best]


def build(key: str, out: Path, config: sg.StandinConfig | None = None, seed: int = 0,
          speech: Callable[[], np.ndarray] | None = None, force: bool = False) -> Path:
    """Build (or reuse) the stand-in of catalogue model ``key`` ("cpu"/"gpu") under ``out``; its folder.

    ``config`` overrides the real sizes (tests build tiny variants through this same code path).
    """
    spec: ModelSpec = SPECS[key]
    c = config or CONFIGS[key]
    folder = out / spec.name
    stamp = {"builder": BUILDER_VERSION, "key": key, "seed": seed, "config": c.__dict__}
    done = folder / "standin.json"
    if not force and done.is_file() and json.loads(done.read_text())["build"] == stamp:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    enc_name, dec_name, joi_name = spec.files.encoder, spec.files.decoder, spec.files.joiner
    int8 = spec.files.encoder.endswith(".int8.onnx")
    meta = encoder_metadata(key, c)
    enc_io, dims = sm._encoder_io(c.dims()), c.dims()
    with tempfile.TemporaryDirectory(dir=out) as tmp_name:
        tmp = Path(tmp_name)
        graph = sg.encoder_graph(c, seed)
        if int8:
            save(graph, tmp / "encoder.onnx", "encoder", enc_io, external=True)
            del graph
            quantize(tmp / "encoder.onnx", folder / enc_name, "QUInt8", meta)
        else:
            save(graph, folder / enc_name, "encoder", enc_io, meta)
            del graph
        emb, lstm = sg.decoder_weights(c, seed + 1)
        sm._write_decoder(tmp / "decoder.onnx" if int8 else folder / dec_name, dims, emb, lstm)
        if int8:
            quantize(tmp / "decoder.onnx", folder / dec_name, "QInt8")
        sm.write_tokens(folder / "tokens.txt", tokens(c.vocab))
        write_test_wavs(folder, key)
        audio = speech() if speech else _calibration_speech()
        bias, mean, reached = calibrate(folder, c, (enc_name, dec_name), audio)
        joi_io = sm._joiner_io(dims, c.vocab + 1 + sm.NUM_DURATIONS)
        save(sg.joiner_graph(c, bias, mean), tmp / "joiner.onnx" if int8 else folder / joi_name, "joiner", joi_io)
        if int8:
            quantize(tmp / "joiner.onnx", folder / joi_name, "QInt8")
    done.write_text(json.dumps({"build": stamp, "blank_bias": bias, **reached}, indent=1))
    return folder


def _calibration_speech() -> np.ndarray:
    from swictation_gui.bench import make_audio

    return make_audio(10.0)[0]


def sizes(key: str, folder: Path, config: sg.StandinConfig | None = None) -> list[dict[str, Any]]:
    """Parameters and file sizes of the stand-in vs the real model, one row per part."""
    c = config or CONFIGS[key]
    files = SPECS[key].files
    params = {"encoder": sg.encoder_params(c), "decoder": sg.decoder_params(c), "joiner": sg.joiner_params(c)}
    rows = []
    for part, name in (("encoder", files.encoder), ("decoder", files.decoder), ("joiner", files.joiner)):
        mib = sum(p.stat().st_size for p in folder.glob(name + "*")) / MIB
        rows.append({"part": part, "params": params[part], "real_params": REAL[key][part], "mib": mib,
                     "real_mib": REAL[key][part + "_mib"]})
    return rows


def verify(folder: Path) -> list[dict[str, Any]]:
    """Decode every test wav with sherpa-onnx and with our engine (CPU); one row per wav."""
    import soundfile

    from swictation_gui.models.catalogue import resolve
    from swictation_gui.recognition.ort_engine import OrtEngine
    from swictation_gui.recognition.sherpa_engine import SherpaEngine

    location = resolve(str(folder))
    ref, ours = SherpaEngine(location), OrtEngine(location)
    ref.load()
    ours.load()
    rows = []
    for wav in sorted((folder / "test_wavs").glob("*.wav")):
        audio, rate = soundfile.read(str(wav), dtype="float32")
        a, b = ref.transcribe(audio, rate), ours.transcribe(audio, rate)
        rows.append({"wav": wav.name, "seconds": audio.size / rate, "sherpa_tokens": len(a.tokens),
                     "ours_tokens": len(b.tokens), "same_text": a.text == b.text, "sherpa_text": a.text,
                     "ours_text": b.text})
    return rows


def main() -> int:
    """Build, then print sizes vs the real models and the sherpa-onnx / our-engine transcripts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--model", choices=("cpu", "gpu", "both"), default="both")
    parser.add_argument("--force", action="store_true", help="rebuild even if an identical build is there")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for key in (("gpu", "cpu") if args.model == "both" else (args.model,)):
        folder = build(key, args.out, force=args.force)
        info = json.loads((folder / "standin.json").read_text())
        print(f"{folder}  (blank bias {info['blank_bias']:.2f}: {info['tokens_per_second']:.2f} tokens/s and "
              f"{info['joiner_runs_per_second']:.2f} joiner runs/s on 10 s of espeak-ng speech)")
        for r in sizes(key, folder):
            print(f"  {r['part']:<8} params {r['params'] / 1e6:8.2f}M vs real {r['real_params'] / 1e6:7.1f}M "
                  f"({r['params'] / r['real_params'] - 1:+.1%})   file {r['mib']:7.1f} MiB vs real "
                  f"{r['real_mib']:6.1f} MiB ({r['mib'] / r['real_mib'] - 1:+.1%})")
        if not args.no_verify:
            for v in verify(folder):
                print(f"  {v['wav']:<16} {v['seconds']:5.1f} s  sherpa {v['sherpa_tokens']:3d} tokens, ours "
                      f"{v['ours_tokens']:3d}, same text: {v['same_text']}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("ORT_LOGGING_LEVEL", "3")
    raise SystemExit(main())
