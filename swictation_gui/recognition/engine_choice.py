"""The CPU engine self-test: our onnxruntime engine replaces sherpa-onnx only where it is verified equal and faster.

For a model that runs on the CPU, the "auto" engine is ours (``OrtEngine``) only if (a) it gives the
same text, tokens, timestamps and durations as sherpa-onnx on every wav in the model's own
``test_wavs/`` (the sherpa-onnx archives ship them) and (b) it took less time than sherpa-onnx on
them, measured here, calls interleaved. Otherwise sherpa-onnx, the reference, stays; the verdict
says why. It is computed in a child process (two models loaded at once, and sherpa-onnx may
``_Exit`` on a broken file), at install and on first use, and cached with the model's check verdict
(``models.check``), so it is redone when a model file or a test wav changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from swictation_gui import log
from swictation_gui.errors import ModelError, SwictationError
from swictation_gui.models import check
from swictation_gui.models.catalogue import ModelLocation
from swictation_gui.recognition.base import FloatArray, Recognizer, Transcript

OURS, SHERPA = "onnxruntime", "sherpa"
CPU_ENGINES = ("auto", SHERPA, OURS)
REPEATS = 3
SELF_TEST_TIMEOUT_S = 600.0

Timer = Callable[[Recognizer, FloatArray], float]
"""Seconds one transcription of the audio takes (tests inject a deterministic one)."""


@dataclass(frozen=True)
class EngineVerdict:
    """Which engine "auto" uses on the CPU for one model, and why.

    Attributes:
        engine: "onnxruntime" (ours) or "sherpa".
        reason: One line for Settings, ``models`` and ``doctor``.
        wavs: Test wavs compared.
        agree: Every test wav gave the same transcript in both engines.
        ours_ms, sherpa_ms: Total time of the timed runs (0 when not timed).
    """

    engine: str
    reason: str
    wavs: int = 0
    agree: bool = False
    ours_ms: float = 0.0
    sherpa_ms: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EngineVerdict:
        """The verdict stored by ``asdict``."""
        return cls(**{k: data[k] for k in ("engine", "reason", "wavs", "agree", "ours_ms", "sherpa_ms")})


NO_WAVS = EngineVerdict(SHERPA, "the model has no test_wavs/ to verify onnxruntime against sherpa-onnx")


def describe(verdict: EngineVerdict | None) -> str:
    """One line: the engine "auto" picks on the CPU and why."""
    if verdict is None:
        return "CPU engine: sherpa-onnx (the onnxruntime self-test has not run for this model yet)"
    name = "onnxruntime (ours)" if verdict.engine == OURS else "sherpa-onnx"
    return f"CPU engine: {name}: {verdict.reason}"


def describe_for(choice: str, only_verdicts: bool = False) -> str:
    """``describe`` of the cached verdict of model ``choice`` ("cpu", "gpu" or a folder); "" when it is
    not installed (or, with ``only_verdicts``, has none yet). Runs nothing (any thread, the GUI's
    included: it reads one small file)."""
    from swictation_gui.models.catalogue import resolve

    try:
        location = resolve(choice)
    except SwictationError:
        return ""
    found = cached(location) if location.folder.is_dir() else None
    if found is None and (only_verdicts or not location.folder.is_dir()):
        return ""
    return describe(found)


def test_wavs(folder: Path) -> list[Path]:
    """The model's own test recordings, sorted."""
    return sorted((folder / "test_wavs").glob("*.wav"))


def same(a: Transcript, b: Transcript) -> bool:
    """Identical text, tokens, timestamps and durations (what parity means in this project)."""
    return (a.text, a.tokens, a.timestamps, a.durations) == (b.text, b.tokens, b.timestamps, b.durations)


def wall_timer(engine: Recognizer, audio: FloatArray) -> float:
    """Wall-clock seconds of one transcription."""
    t0 = time.perf_counter()
    engine.transcribe(audio, 16_000)
    return time.perf_counter() - t0


def _read_wav(path: Path) -> FloatArray:
    import soundfile

    from swictation_gui.audio.samples import resample

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono: FloatArray = np.ascontiguousarray(data.mean(axis=1), dtype=np.float32)
    return mono if rate == 16_000 else resample(mono, int(rate))


def _read_all(wavs: Sequence[Path]) -> list[FloatArray] | EngineVerdict:
    """The clips, or the verdict that one of them cannot be read."""
    clips = []
    for wav in wavs:
        try:
            clips.append(_read_wav(wav))
        except Exception as exc:  # soundfile raises its own error type for unreadable files
            return EngineVerdict(SHERPA, f"test_wavs/{wav.name} cannot be read ({str(exc)[:80]})")
    return clips


def self_test(wavs: Sequence[Path], ours: Recognizer, ref: Recognizer, timer: Timer = wall_timer,
              repeats: int = REPEATS) -> EngineVerdict:
    """Compare two loaded engines on ``wavs``: transcripts first (also the warm-up), then time, calls
    interleaved so that load from other processes hits both alike. On the thread that owns both engines."""
    if not wavs:
        return NO_WAVS
    clips = _read_all(wavs)
    if isinstance(clips, EngineVerdict):
        return clips
    for wav, audio in zip(wavs, clips, strict=True):
        if not same(ref.transcribe(audio, 16_000), ours.transcribe(audio, 16_000)):
            return EngineVerdict(SHERPA, f"onnxruntime's transcript of test_wavs/{wav.name} differs from "
                                         "sherpa-onnx's", wavs=len(wavs))
    t_ours = t_ref = 0.0
    for _ in range(repeats):
        for audio in clips:
            t_ours += timer(ours, audio)
            t_ref += timer(ref, audio)
    ours_ms, ref_ms = t_ours * 1e3, t_ref * 1e3
    n = f"{len(wavs)} test wav{'s' if len(wavs) != 1 else ''}"
    if t_ours < t_ref:
        return EngineVerdict(OURS, f"same transcripts as sherpa-onnx on {n}, {ours_ms / ref_ms:.2f}× its time here",
                             len(wavs), True, ours_ms, ref_ms)
    return EngineVerdict(SHERPA, f"onnxruntime agrees on {n} but is not faster here "
                                 f"({ours_ms / ref_ms:.2f}× sherpa-onnx's time)", len(wavs), True, ours_ms, ref_ms)


def run_here(location: ModelLocation, timer: Timer = wall_timer) -> EngineVerdict:
    """Load both engines on the CPU in this process and run the self-test (the child's side)."""
    from swictation_gui.recognition.ort_engine import OrtEngine
    from swictation_gui.recognition.sherpa_engine import SherpaEngine

    wavs = test_wavs(location.folder)
    if not wavs:
        return NO_WAVS
    ours, ref = OrtEngine(location), SherpaEngine(location)
    ref.load()
    ours.load()
    return self_test(wavs, ours, ref, timer)


def _run_child(location: ModelLocation, timeout: float) -> tuple[EngineVerdict, bool]:
    """The child's verdict and True, or a fallback verdict and False when the child did not finish."""
    cmd = [sys.executable, "-m", "swictation_gui.recognition.engine_choice", str(location.folder),
           *location.files.all()]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return EngineVerdict(SHERPA, f"the onnxruntime self-test took more than {timeout:.0f} s"), False
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode == 0 and lines:
        return EngineVerdict.from_json(json.loads(lines[-1])), True
    last = next((ln.strip() for ln in reversed(proc.stderr.splitlines()) if ln.strip()), "no output")
    log.models.debug("Engine self-test of %s failed:\n%s", location.folder, proc.stderr.strip())
    return EngineVerdict(SHERPA, f"the onnxruntime self-test failed: {last[:160]}"), False


def cached(location: ModelLocation) -> EngineVerdict | None:
    """The stored verdict if it still matches the files (never runs anything; any thread)."""
    data = check.cached_extra(location, "engine", _wavs_stamp(location.folder))
    return EngineVerdict.from_json(data) if data is not None else None


def verdict(location: ModelLocation, use_cache: bool = True, timeout: float = SELF_TEST_TIMEOUT_S) -> EngineVerdict:
    """The cached verdict, or run the self-test in a child and cache it. Worker thread (seconds)."""
    found = cached(location) if use_cache else None
    if found is not None:
        return found
    if not test_wavs(location.folder):
        return NO_WAVS  # nothing to run, nothing to cache
    readable = _read_all(test_wavs(location.folder))
    if isinstance(readable, EngineVerdict):
        result = readable  # no need to load two models to find that out
    else:
        log.models.info("Comparing onnxruntime with sherpa-onnx on %s/test_wavs", location.folder)
        result, completed = _run_child(location, timeout)
        if not completed:
            return result  # a timeout or crash may be passing: not cached, tried again next time
    try:
        check.store_extra(location, "engine", _wavs_stamp(location.folder), asdict(result))
    except ModelError as exc:  # a broken model: its load reports that; "auto" falls back meanwhile
        log.models.debug("Engine verdict of %s not cached: %s", location.folder, exc)
    return result


def verdict_at_install(location: ModelLocation) -> None:
    """Run the self-test right after an install (the caller's worker thread). It never fails the
    install: the model is installed and checked, and a failed comparison only keeps sherpa-onnx."""
    try:
        result = verdict(location, use_cache=False)
    except Exception:  # whatever went wrong, sherpa-onnx stays the engine
        log.models.warning("The engine self-test of %s failed", location.folder, exc_info=True)
        return
    log.models.info("%s: %s", location.folder.name, describe(result))


def choose(location: ModelLocation, cpu_engine: str) -> str:
    """The engine for ``location`` on the CPU: the setting, or the self-test's verdict for "auto"."""
    if cpu_engine not in CPU_ENGINES:
        raise SwictationError(f"Unknown CPU engine {cpu_engine!r}; choose one of {', '.join(CPU_ENGINES)}.")
    return verdict(location).engine if cpu_engine == "auto" else cpu_engine


def _wavs_stamp(folder: Path) -> str:
    parts = []
    for wav in test_wavs(folder):
        st = wav.stat()
        parts.append(f"{wav.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def main(argv: list[str]) -> int:
    """Child: ``python -m swictation_gui.recognition.engine_choice FOLDER ENCODER DECODER JOINER TOKENS``."""
    from swictation_gui.models.catalogue import ModelFiles, resolve

    folder = Path(argv[0])
    location = ModelLocation(folder, ModelFiles(*argv[1:5]), resolve(str(folder)).spec)
    print(json.dumps(asdict(run_here(location))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
