"""Benchmark on synthetic models: ``.venv/bin/python -m benchmarks.run [--repeats N] [--json]``.

Builds (in a temporary folder) a random-weight 128-bin int8 model, the band model, and the two
Parakeet-shaped models of ``benchmarks/shaped_models.py``; runs ``swictation_gui.bench`` on them
(sherpa-onnx CPU, our engine on CPU and CUDA); then times single decoder/joiner steps of the
shaped models on each available device, which is what decides where the greedy loop runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.shaped_models import SHAPES, build_shaped
from swictation_gui import bench
from swictation_gui.recognition import providers
from tests.fixtures import synth_models as sm


def build_models(root: Path) -> list[Path]:
    """The synthetic model folders, built fresh."""
    models = [sm.build_random(root / "random128-int8", seed=4, feat_dim=128, layout="int8"),
              sm.build_band(root / "band80", feat_dim=80)]
    models += [build_shaped(root / name, name) for name in SHAPES]
    return models


def step_costs(folder: Path, device: str, threads: int, steps: int = 300) -> dict[str, Any]:
    """Median microseconds of one joiner run and one decoder run of a model on ``device``."""
    names = sorted(p.name for p in folder.glob("*.onnx"))
    dec_name = next(n for n in names if n.startswith("decoder"))
    joi_name = next(n for n in names if n.startswith("joiner"))
    dec = providers.create_session(str(folder / dec_name), device, threads, warn=False)
    joi = providers.create_session(str(folder / joi_name), device, threads, warn=False)
    d_in = dec.session.get_inputs()
    j_in = joi.session.get_inputs()
    layers, hidden = d_in[2].shape[0], d_in[2].shape[2]
    enc_dim = j_in[0].shape[1]
    state = np.zeros((layers, 1, hidden), np.float32)
    feeds_d = {d_in[0].name: np.zeros((1, 1), np.int32), d_in[1].name: np.ones(1, np.int32),
               d_in[2].name: state, d_in[3].name: state}
    feeds_j = {j_in[0].name: np.random.default_rng(0).standard_normal((1, enc_dim, 1)).astype(np.float32),
               j_in[1].name: np.zeros((1, hidden, 1), np.float32)}

    def timed(sess: Any, feeds: dict[str, Any]) -> float:
        for _ in range(20):
            sess.run(None, feeds)
        samples = []
        for _ in range(steps):
            t0 = time.perf_counter()
            sess.run(None, feeds)
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples) * 1e6

    return {"model": folder.name, "device": joi.report.describe(), "threads": threads,
            "joiner_us": timed(joi.session, feeds_j), "decoder_us": timed(dec.session, feeds_d)}


def interleaved_overhead(folder: Path, seconds: float, repeats: int) -> dict[str, Any]:
    """Ours vs sherpa-onnx (CPU, app defaults) in one process, calls alternating, so that load from
    other processes hits both alike. Ratio of medians, plus our median per-stage times."""
    from swictation_gui.models.catalogue import resolve
    from swictation_gui.recognition.ort_engine import OrtEngine
    from swictation_gui.recognition.sherpa_engine import SherpaEngine

    location = resolve(str(folder))
    ours, ref = OrtEngine(location), SherpaEngine(location)
    ours.load()
    ref.load()
    audio, _ = bench.make_audio(seconds)
    ours.transcribe(audio, 16_000)
    ref.transcribe(audio, 16_000)
    t_ours: list[float] = []
    t_ref: list[float] = []
    stages: dict[str, list[float]] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = ours.transcribe(audio, 16_000)
        t1 = time.perf_counter()
        ref.transcribe(audio, 16_000)
        t2 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_ref.append(t2 - t1)
        for key in ("features", "encoder", "decode"):
            stages.setdefault(key, []).append(result.timings_ms[key])
    ours_ms, ref_ms = statistics.median(t_ours) * 1e3, statistics.median(t_ref) * 1e3
    return {"model": folder.name, "seconds": seconds, "ours_ms": ours_ms, "sherpa_ms": ref_ms,
            "ratio": ours_ms / ref_ms, "stages_ms": {k: statistics.median(v) for k, v in stages.items()}}


def main() -> int:
    """Build, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the models here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        os.environ.setdefault("SWICTATION_GUI_HOME", str(Path(tmp) / "home"))
        models = build_models(root)
        rows = bench.run_all([str(m) for m in models], ["sherpa", "onnxruntime"], ["cpu", "cuda"],
                             repeats=args.repeats)
        devices = ["cpu"] + (["cuda"] if providers.cuda_status().active == "cuda" else [])
        steps = [step_costs(m, dev, threads) for m in models if m.name in SHAPES for dev in devices
                 for threads in ((1, 2) if dev == "cpu" else (1,))]
        pairs = [interleaved_overhead(m, seconds, max(args.repeats, 5)) for m in models for seconds in bench.LENGTHS]
        if args.json:
            print(json.dumps({**bench.to_json(rows), "step_costs": steps, "interleaved": pairs},
                             ensure_ascii=False, indent=1))
            return 0
        print(bench.table(rows))
        print()
        print("one greedy step (median µs): model, device, threads, joiner, decoder")
        for s in steps:
            print(f"  {s['model']:<14} {s['device']:<12} {s['threads']:>2}  joiner {s['joiner_us']:8.1f}  "
                  f"decoder {s['decoder_us']:8.1f}")
        if "cuda" not in devices:
            print(f"  (no CUDA here: {providers.cuda_status().reason})")
        print()
        print("ours vs sherpa-onnx on the CPU, interleaved in one process (median ms, ratio, our stages)")
        for p in pairs:
            st = " ".join(f"{k}={v:.1f}" for k, v in p["stages_ms"].items())
            print(f"  {p['model']:<16} {p['seconds']:>4g} s  ours {p['ours_ms']:8.1f}  sherpa {p['sherpa_ms']:8.1f}  "
                  f"ratio {p['ratio']:.2f}x  {st}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
