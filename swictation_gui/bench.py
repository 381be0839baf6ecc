"""Benchmark of engines × devices × models: cold and warm latency, RTF, peak memory, transcript parity.

Each row (one model, engine and device) runs in its own child process
(``python -m swictation_gui.bench ROW_JSON``), so the cold numbers are really cold, memory is
measured in isolation and a model that makes sherpa-onnx ``_Exit`` only loses its row.

Measurements per audio length: *cold* = the first ``transcribe`` of that length after loading (no
warm-up; the 2.8 s clip runs first), *warm* = median of ``repeats`` further calls, RTF = warm /
audio seconds. Memory is the child's peak resident set size (``VmHWM``) minus its RSS after
importing the engine and before loading: host memory for model load + inference, not GPU memory.
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from swictation_gui.recognition.base import SAMPLE_RATE, FloatArray

LENGTHS = (2.8, 30.0)
SPEECH_TEXT = ("Hold a key, speak, and let go: your words appear in whatever window has focus. "
               "Recognition runs on your own machine, and nothing goes to the cloud. "
               "The quick brown fox jumps over the lazy dog, twelve times in a row, while the band plays on. ")


@dataclass
class Row:
    """One model × engine × device, both audio lengths."""

    model: str
    engine: str
    device: str
    device_note: str = ""
    device_detail: str = ""
    load_s: float = 0.0
    peak_rss_mib: float = 0.0
    lengths: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str = ""


def _proc_status_mib(key: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mib() -> float:
    """Current resident set size."""
    value = _proc_status_mib("VmRSS")
    return value if value is not None else _peak_rss_mib()


def _peak_rss_mib() -> float:
    """Peak resident set size of this process image. On Linux VmHWM, because ``ru_maxrss`` keeps the
    parent's peak across fork and exec; elsewhere ``ru_maxrss`` (then a delta is a lower bound)."""
    value = _proc_status_mib("VmHWM")
    if value is not None:
        return value
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def make_audio(seconds: float, source: str = "auto") -> tuple[FloatArray, str]:
    """Deterministic test audio: espeak-ng speech when available (``source`` "auto"/"speech"), else tones."""
    n = int(seconds * SAMPLE_RATE)
    if source in ("auto", "speech") and shutil.which("espeak-ng"):
        speech = _espeak(SPEECH_TEXT)
        if speech is not None:
            reps = int(np.ceil(n / speech.size))
            return np.tile(speech, reps)[:n].astype(np.float32), "espeak-ng speech"
    t = np.arange(n) / SAMPLE_RATE
    rng = np.random.default_rng(0)
    tones = 0.2 * np.sin(2 * np.pi * (300 + 200 * np.sin(2 * np.pi * 0.5 * t)) * t)
    return (tones + 0.02 * rng.standard_normal(n)).astype(np.float32), "tones+noise"


def _espeak(text: str) -> FloatArray | None:
    import soundfile
    import soxr

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        proc = subprocess.run(["espeak-ng", "-w", str(wav), text], capture_output=True, timeout=60, check=False)
        if proc.returncode != 0 or not wav.is_file():
            return None
        data, rate = soundfile.read(str(wav), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    out: FloatArray = soxr.resample(mono, rate, SAMPLE_RATE).astype(np.float32)
    return out


def run_row(model: str, engine: str, device: str, repeats: int, audio_source: str,
            decode_device: str = "auto") -> Row:
    """Measure one row in this process (the child side)."""
    from swictation_gui.models.catalogue import resolve
    from swictation_gui.recognition import factory
    from swictation_gui.recognition.base import Recognizer
    from swictation_gui.recognition.ort_engine import OrtEngine

    row = Row(model=model, engine=engine, device=device)
    clips = {f"{s:g}": make_audio(s, audio_source) for s in LENGTHS}
    base = _rss_mib()
    try:
        recognizer: Recognizer
        if engine == "onnxruntime" and decode_device != "auto":
            recognizer = OrtEngine(resolve(model), device=device, decode_device=decode_device)
        else:
            recognizer = factory.create(resolve(model), engine, device)
        t0 = time.perf_counter()
        recognizer.load()
        row.load_s = time.perf_counter() - t0
        row.device_note = recognizer.device.describe()
        row.device_detail = recognizer.device.detail
        for key, (audio, source) in clips.items():
            t0 = time.perf_counter()
            first = recognizer.transcribe(audio, SAMPLE_RATE)
            cold = time.perf_counter() - t0
            warm: list[float] = []
            stages: dict[str, list[float]] = {}
            for _ in range(repeats):
                t0 = time.perf_counter()
                result = recognizer.transcribe(audio, SAMPLE_RATE)
                warm.append(time.perf_counter() - t0)
                for stage, ms in result.timings_ms.items():
                    stages.setdefault(stage, []).append(ms)
            median = statistics.median(warm) if warm else cold
            row.lengths[key] = {
                "audio_s": audio.size / SAMPLE_RATE, "audio": source, "cold_ms": cold * 1e3,
                "warm_ms": median * 1e3, "rtf": median / (audio.size / SAMPLE_RATE),
                "stages_ms": {k: statistics.median(v) for k, v in stages.items()},
                "text": first.text, "tokens": list(first.tokens),
                "timestamps": [round(x, 6) for x in first.timestamps],
            }
    except Exception as exc:  # a row that fails is reported, not fatal
        row.error = f"{type(exc).__name__}: {exc}"[:400]
    row.peak_rss_mib = max(0.0, _peak_rss_mib() - base)
    return row


def run_in_child(model: str, engine: str, device: str, repeats: int, audio_source: str,
                 timeout: float = 1800.0, decode_device: str = "auto") -> Row:
    """Measure one row in a fresh Python process (parent side)."""
    spec = json.dumps({"model": model, "engine": engine, "device": device, "repeats": repeats,
                       "audio_source": audio_source, "decode_device": decode_device})
    try:
        proc = subprocess.run([sys.executable, "-m", "swictation_gui.bench", spec], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Row(model, engine, device, error=f"timed out after {timeout:.0f} s")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return Row(model, engine, device, error=f"exit {proc.returncode}: {tail[:300]}")
    return Row(**json.loads(lines[-1]))


def compare(rows: list[Row]) -> None:
    """Mark each length of each row with whether it equals sherpa-onnx CPU on the same model."""
    refs = {r.model: r for r in rows if r.engine == "sherpa" and r.device == "cpu" and not r.error}
    for row in rows:
        ref = refs.get(row.model)
        for key, data in row.lengths.items():
            other = ref.lengths.get(key) if ref else None
            if other is None:
                data["same_as_sherpa_cpu"] = None
            else:
                data["same_as_sherpa_cpu"] = all(data[k] == other[k] for k in ("text", "tokens", "timestamps"))


def run_all(models: list[str], engines: list[str], devices: list[str], repeats: int = 5,
            audio_source: str = "auto", decode_device: str = "auto") -> list[Row]:
    """Every model × engine × device row (sherpa-onnx only on the CPU: its PyPI wheel has no CUDA)."""
    rows: list[Row] = []
    for model in models:
        for engine in engines:
            for device in devices:
                if engine == "sherpa" and device != "cpu":
                    continue
                rows.append(run_in_child(model, engine, device, repeats, audio_source,
                                         decode_device=decode_device))
    compare(rows)
    return rows


def overhead(rows: list[Row]) -> list[dict[str, Any]]:
    """Warm time of our engine on the CPU divided by sherpa-onnx's, per model and length."""
    out = []
    by_key = {(r.model, r.engine, r.device): r for r in rows if not r.error}
    for (model, engine, device), row in by_key.items():
        ref = by_key.get((model, "sherpa", "cpu"))
        if engine != "onnxruntime" or device != "cpu" or ref is None:
            continue
        for key, data in row.lengths.items():
            if key in ref.lengths:
                out.append({"model": model, "length": key,
                            "ratio": data["warm_ms"] / max(ref.lengths[key]["warm_ms"], 1e-9)})
    return out


def table(rows: list[Row]) -> str:
    """A plain-text table, one line per row and length."""
    head = (f"{'model':<28} {'engine':<12} {'device':<24} {'len':>5} {'load s':>7} {'cold ms':>9} {'warm ms':>9} "
            f"{'RTF':>7} {'RSS MiB':>8} {'=sherpa':>7}  stages (warm median, ms)")
    lines = [head, "-" * len(head)]
    for r in rows:
        name = Path(r.model).name[-28:]
        note = r.device_note if r.device_note in ("CPU", "GPU (CUDA)") else f"{r.device}->cpu (fallback)"
        if r.error:
            lines.append(f"{name:<28} {r.engine:<12} {r.device:<24} ERROR {r.error}")
            continue
        for key, d in r.lengths.items():
            same = {True: "yes", False: "NO", None: "-"}[d.get("same_as_sherpa_cpu")]
            stages = " ".join(f"{k}={v:.1f}" for k, v in d["stages_ms"].items() if k not in ("total", "resample"))
            lines.append(f"{name:<28} {r.engine:<12} {note:<24} {key:>5} {r.load_s:>7.2f} {d['cold_ms']:>9.1f} "
                         f"{d['warm_ms']:>9.1f} {d['rtf']:>7.4f} {r.peak_rss_mib:>8.1f} {same:>7}  {stages}")
    for item in overhead(rows):
        lines.append(f"overhead ours/sherpa (cpu, warm) {Path(item['model']).name} {item['length']} s: "
                     f"{item['ratio']:.2f}x")
    notes = {f"{r.engine} {r.device}: {r.device_note}" for r in rows if r.device_note not in ("", "CPU", "GPU (CUDA)")}
    lines += sorted(notes)
    return "\n".join(lines)


def to_json(rows: list[Row]) -> dict[str, Any]:
    """Rows and overhead ratios for ``--json``."""
    return {"rows": [asdict(r) for r in rows], "overhead": overhead(rows)}


def _child_main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    row = run_row(spec["model"], spec["engine"], spec["device"], int(spec["repeats"]), spec["audio_source"],
                  spec.get("decode_device", "auto"))
    print(json.dumps(asdict(row), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))
