"""End-to-end dictation latency: ``.venv/bin/python -m benchmarks.latency [--repeats N] [--durations 1,5,20]``.

``--standins cpu,gpu [--engines sherpa,onnxruntime] [--durations 3,10,30,60]`` runs the same with the
real-size random-weight stand-ins of ``benchmarks/standin.py`` (built on demand into ``.standins/``)
and espeak-ng speech (sentences with a 0.5 s pause between them), once per engine, so recognition costs
what it costs with the real models. The transcript is garbage (random weights); the expected text is the
one the app reports for that dictation.

``--paths progressive,one-piece`` (the default) runs every case twice in the same run: with progressive
recognition (stretches recognized during the hold, Silero VAD installed next to the models when
``tests/fixtures/silero.py`` can fetch it, else the energy detector) and with the old one-piece path
(``--progressive=off``: everything recognized after key-up). For the progressive path it also prints the
recognition time of the last stretch (``last``), the targets' yardstick.

Runs the real app (``python -m swictation_gui``) under its own Xvfb + trayer with a PulseAudio virtual
microphone and the synthetic *band* model, exactly as the end-to-end tests do, and measures for each
utterance length and injection method:

* ``app``: key-up as the app saw it → the injector returned (the app's own event timestamps);
* ``seen``: key-up sent (``xdotool keyup`` returned) → the target window reported the full text;
* the app's stages: tail wait, recognition, injection.

The band model is tiny, so recognition time here is NOT representative of Parakeet-TDT: this measures
the pipeline around the recognizer (tail, hand-over, resampling, injection). Needs Xvfb, xdotool,
trayer and PulseAudio; runs on a machine without a GPU or sound card.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf
import soxr

from benchmarks import standin
from swictation_gui.audio.samples import SAMPLE_RATE
from swictation_gui.bench import SPEECH_TEXT
from swictation_gui.models.catalogue import SILERO_VAD
from swictation_gui.settings.schema import SCHEMA_VERSION
from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic
from tests.fixtures.silero import silero_vad_file
from tests.fixtures.synth_models import BAND_WORDS, band_phrase, build_band
from tests.test_e2e_harness import AppProcess, app_env

WORDS = [w.lstrip("▁") for w in BAND_WORDS]
# A person's pause between dictations. It also keeps the next press out of the hotkey listener's 0.3 s
# "synthetic typing" grace window after an injection, during which a real press is currently ignored.
USER_PAUSE_S = 0.6


def words_for(seconds: float) -> list[str]:
    """A word sequence whose band audio lasts about ``seconds`` (0.4 s tone + 0.25 s gap per word)."""
    n = max(1, round((seconds - 0.2) / 0.65))
    return [WORDS[(i * 3) % len(WORDS)] for i in range(n)]


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def speech_with_pauses(seconds: float, pause_s: float = 0.5) -> npt.NDArray[np.float32]:
    """espeak-ng sentences, each followed by ``pause_s`` of silence, cut to ``seconds``."""
    sentences = [s.strip() + "." for s in SPEECH_TEXT.split(".") if s.strip()]
    gap = np.zeros(int(pause_s * SAMPLE_RATE), np.float32)
    parts: list[npt.NDArray[np.float32]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, sentence in enumerate(sentences):
            wav = Path(tmp) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-w", str(wav), sentence], check=True, capture_output=True, timeout=60)
            data, rate = sf.read(str(wav), dtype="float32")
            parts += [np.asarray(soxr.resample(data, rate, SAMPLE_RATE), dtype=np.float32), gap]
    one = np.concatenate(parts)
    n = int(seconds * SAMPLE_RATE)
    out = np.tile(one, int(np.ceil(n / one.size)))[:n]
    return np.concatenate([out, np.zeros(int(0.3 * SAMPLE_RATE), np.float32)])  # the speaker stops, then lets go


def run_case(screen: xenv.XDisplay, mic: VirtualMic, model: Path, home: Path, method: str, seconds: float,
             repeats: int, engine: str = "auto", progressive: bool = True) -> dict[str, list[float]]:
    """Dictate ``repeats`` utterances of ``seconds`` with ``method``; per-utterance measurements.

    The band model hears tones that name known words; any other model hears espeak-ng speech and is
    expected to type what its own ``transcript`` event says.
    """
    out: dict[str, list[float]] = {k: [] for k in ("app", "seen", "audio", "recognize", "inject", "last", "pieces")}
    if progressive:
        silero = silero_vad_file()
        if silero is not None:
            (home / "data" / "models").mkdir(parents=True, exist_ok=True)
            shutil.copy(silero, home / "data" / "models" / SILERO_VAD.name)
    window = TargetWindow(screen, home / f"target-{method}-{seconds}.txt", "text", f"bench-{method}-{seconds}")
    # The repeats go into one window back to back: no joining, so the window holds exactly the transcripts.
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.json").write_text(json.dumps({"version": SCHEMA_VERSION, "join_dictations": False}))
    app = AppProcess([f"--config={home / 'settings.json'}", f"--model-dir={model}", "--hotkey=f9", "--sound-cues=off",
                      f"--inject={method}", "--no-trailing-space", "--max-record-seconds=90", f"--engine={engine}",
                      f"--progressive={'on' if progressive else 'off'}"],
                     app_env(screen, mic, home))
    band = model.name == "band"
    try:
        app.wait_ev("ready", 300)
        app.wait_ev("listening", 20)
        words = words_for(seconds)
        audio = band_phrase(words) if band else speech_with_pauses(seconds)
        wav = mic.write_wav(audio, f"bench-{seconds}.wav")
        expected = ""
        window.focus()
        for _ in range(repeats):
            mark = app.mark()
            screen.key_down("F9")
            seq = app.wait_ev("recording", 10, start=mark)["seq"]
            mic.play(wav)
            screen.key_up("F9")
            sent = time.monotonic()
            done = app.wait_ev("injected", 300, seq=seq)
            expected += " ".join(words) if band else app.wait_ev("transcript", 5, seq=seq)["text"]
            xenv.wait_for(lambda exp=expected: window.text() == exp, 30, 0.002)
            seen = time.monotonic()
            if window.text() != expected:
                raise RuntimeError(f"wrong text: {window.text()[-80:]!r}")
            out["app"].append(float(done["latency_ms"]))
            out["seen"].append((seen - sent) * 1e3)
            out["audio"].append(float(done["audio_ms"]))
            out["recognize"].append(float(done["recognize_ms"]))
            out["inject"].append(float(done["inject_ms"]))
            recognized = app.wait_ev("recognized", 5, seq=seq)
            out["last"].append(float(recognized.get("total", -1)))
            out["pieces"].append(float(recognized.get("pieces", 1)))
            time.sleep(USER_PAUSE_S)
    finally:
        app.stop()
        app.kill()
        window.close()
    return out


def main() -> int:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="utterances per case (20 s and longer use half)")
    parser.add_argument("--durations", default="", help="utterance lengths in seconds "
                        "(default 1,5,20; with --standins 3,10,30,60)")
    parser.add_argument("--methods", default="", help="default type,paste; with --standins type")
    parser.add_argument("--standins", default="", help="stand-in models to use instead of the band model: cpu,gpu")
    parser.add_argument("--engines", default="sherpa,onnxruntime", help="engines to compare (with --standins)")
    parser.add_argument("--standin-dir", type=Path, default=standin.DEFAULT_OUT)
    parser.add_argument("--paths", default="progressive,one-piece", help="recognition paths to compare")
    args = parser.parse_args()
    keys = [k for k in args.standins.split(",") if k]
    durations = [float(d) for d in (args.durations or ("3,10,30,60" if keys else "1,5,20")).split(",")]
    methods = (args.methods or ("type" if keys else "type,paste")).split(",")
    engines = args.engines.split(",") if keys else ["auto"]
    paths = args.paths.split(",")
    rows = []
    with tempfile.TemporaryDirectory(prefix="lat-") as tmp:
        root = Path(tmp)
        models = [standin.build(k, args.standin_dir) for k in keys] if keys else [build_band(root / "band")]
        screen = xenv.start_xvfb()
        mic = VirtualMic(root / "mic")
        try:
            screen.start_tray()
            mic.start()
            for model in models:
                for engine in engines:
                    for seconds in durations:
                        for method in methods:
                            for path in paths:
                                home = root / f"h{len(rows)}"  # short: the control socket lives under it
                                home.mkdir()
                                repeats = max(2, args.repeats // 2) if seconds >= 20 else args.repeats
                                m = run_case(screen, mic, model, home, method, seconds, repeats, engine,
                                             path == "progressive")
                                rows.append((model.name, engine, seconds, method, path, m))
                                print("so far:", format_row(rows[-1]), flush=True)
        finally:
            mic.stop()
            screen.close()
    print("Key-up → text injected, real app on Xvfb + PulseAudio virtual mic, " +
           ("random-weight real-size stand-ins, espeak-ng speech with pauses." if keys else
            "synthetic band model (recognition time not representative of Parakeet-TDT)."))
    header = (f"{'model':>9} {'engine':>11} {'utterance':>9} {'method':>6} {'path':>11} {'n':>3} | {'app med':>8} "
              f"{'app p95':>8} | {'seen med':>8} {'seen p95':>8} | {'tail':>6} {'recog':>7} {'inject':>7} | "
              f"{'last':>6} {'pieces':>6}  (ms)")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(format_row(row))
    print_ratios(rows)
    return 0


def format_row(row: tuple[str, str, float, str, str, dict[str, list[float]]]) -> str:
    """One line of the table."""
    name, engine, seconds, method, path, m = row
    short = "0.6B-int8" if "0.6b" in name else "110M" if "110m" in name else name
    return (f"{short:>9} {engine:>11} {seconds:>8.0f}s {method:>6} {path:>11} {len(m['app']):>3} | "
            f"{statistics.median(m['app']):>8.1f} {pct(m['app'], 0.95):>8.1f} | "
            f"{statistics.median(m['seen']):>8.1f} {pct(m['seen'], 0.95):>8.1f} | "
            f"{statistics.median(m['audio']):>6.1f} {statistics.median(m['recognize']):>7.1f} "
            f"{statistics.median(m['inject']):>7.1f} | "
            + (f"{statistics.median(m['last']):>6.1f} {statistics.median(m['pieces']):>6.0f}"
               if path == "progressive" else f"{'':>6} {'':>6}"))


def print_ratios(rows: list[tuple[str, str, float, str, str, dict[str, list[float]]]]) -> None:
    """Progressive against one-piece (median key-up → injected), and each length against the shortest."""
    by = {(n, e, s, m, p): statistics.median(v["app"]) for n, e, s, m, p, v in rows}
    lines = []
    for (name, engine, seconds, method, path), value in by.items():
        one = by.get((name, engine, seconds, method, "one-piece"))
        if path != "progressive" or one is None:
            continue
        shortest = min(s for (n, e, s, m, p) in by if (n, e, m, p) == (name, engine, method, path))
        base = by[(name, engine, shortest, method, path)]
        lines.append(f"{name[:40]:>40} {engine:>11} {seconds:>5.0f}s: progressive/one-piece {value / one:5.2f}, "
                     f"progressive {seconds:.0f} s / {shortest:.0f} s {value / base:5.2f}")
    if lines:
        print("\nRatios (medians of key-up → injected):")
        print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
