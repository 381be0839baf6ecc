"""End-to-end dictation latency: ``.venv/bin/python -m benchmarks.latency [--repeats N] [--durations 1,5,20]``.

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
import statistics
import tempfile
import time
from pathlib import Path

from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic
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


def run_case(screen: xenv.XDisplay, mic: VirtualMic, model: Path, home: Path, method: str, seconds: float,
             repeats: int) -> dict[str, list[float]]:
    """Dictate ``repeats`` utterances of ``seconds`` with ``method``; per-utterance measurements."""
    out: dict[str, list[float]] = {k: [] for k in ("app", "seen", "audio", "recognize", "inject")}
    window = TargetWindow(screen, home / f"target-{method}-{seconds}.txt", "text", f"bench-{method}-{seconds}")
    app = AppProcess([f"--config={home / 'settings.json'}", f"--model-dir={model}", "--hotkey=f9", "--sound-cues=off",
                      f"--inject={method}", "--no-trailing-space", "--max-record-seconds=60"],
                     app_env(screen, mic, home))
    try:
        app.wait_ev("ready", 60)
        app.wait_ev("listening", 20)
        words = words_for(seconds)
        wav = mic.write_wav(band_phrase(words), f"bench-{seconds}.wav")
        expected = ""
        window.focus()
        for _ in range(repeats):
            mark = app.mark()
            screen.key_down("F9")
            seq = app.wait_ev("recording", 10, start=mark)["seq"]
            mic.play(wav)
            screen.key_up("F9")
            sent = time.monotonic()
            expected += " ".join(words)
            done = app.wait_ev("injected", 120, seq=seq)
            xenv.wait_for(lambda exp=expected: window.text() == exp, 30, 0.002)
            seen = time.monotonic()
            if window.text() != expected:
                raise RuntimeError(f"wrong text: {window.text()[-80:]!r}")
            out["app"].append(float(done["latency_ms"]))
            out["seen"].append((seen - sent) * 1e3)
            out["audio"].append(float(done["audio_ms"]))
            out["recognize"].append(float(done["recognize_ms"]))
            out["inject"].append(float(done["inject_ms"]))
            time.sleep(USER_PAUSE_S)
    finally:
        app.stop()
        app.kill()
        window.close()
    return out


def main() -> int:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="utterances per case (20 s cases use half)")
    parser.add_argument("--durations", default="1,5,20", help="utterance lengths in seconds")
    parser.add_argument("--methods", default="type,paste")
    args = parser.parse_args()
    durations = [float(d) for d in args.durations.split(",")]
    methods = args.methods.split(",")
    rows = []
    with tempfile.TemporaryDirectory(prefix="latency-") as tmp:
        root = Path(tmp)
        model = build_band(root / "band")
        screen = xenv.start_xvfb()
        mic = VirtualMic(root / "mic")
        try:
            screen.start_tray()
            mic.start()
            for seconds in durations:
                for method in methods:
                    home = root / f"home-{method}-{seconds}"
                    home.mkdir()
                    repeats = max(2, args.repeats // 2) if seconds >= 20 else args.repeats
                    rows.append((seconds, method, run_case(screen, mic, model, home, method, seconds, repeats)))
        finally:
            mic.stop()
            screen.close()
    print("Key-up → text injected, real app on Xvfb + PulseAudio virtual mic, synthetic band model "
          "(recognition time not representative of Parakeet-TDT).")
    header = (f"{'utterance':>9} {'method':>6} {'n':>3} | {'app med':>8} {'app p95':>8} | {'seen med':>8} "
              f"{'seen p95':>8} | {'tail':>6} {'recog':>6} {'inject':>7}  (ms)")
    print(header)
    print("-" * len(header))
    for seconds, method, m in rows:
        print(f"{seconds:>8.0f}s {method:>6} {len(m['app']):>3} | {statistics.median(m['app']):>8.1f} "
              f"{pct(m['app'], 0.95):>8.1f} | {statistics.median(m['seen']):>8.1f} {pct(m['seen'], 0.95):>8.1f} | "
              f"{statistics.median(m['audio']):>6.1f} {statistics.median(m['recognize']):>6.1f} "
              f"{statistics.median(m['inject']):>7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
