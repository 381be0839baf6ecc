"""Resident memory of the real app against sherpa-onnx's own, and the peak of a live model swap.

``.venv/bin/python -m benchmarks.memory [--standin cpu] [--engines sherpa,onnxruntime] [--seconds 10]``

For the real-size random-weight stand-in (``benchmarks/standin.py``, built on demand into ``.standins/``):

* **sherpa-onnx alone**: a bare Python child loads the model with ``sherpa_onnx.OfflineRecognizer`` (the settings our
  sherpa engine uses) and decodes ``--seconds`` of espeak-ng speech once; its RSS then, its peak (``VmHWM``), and its
  RSS after ``malloc_trim`` (what the app does once a model is warm and after a switch), the fair yardstick.
* **the app**: the real app (``python -m swictation_gui``) under its own Xvfb + trayer with a PulseAudio virtual
  microphone, on that model with each engine; one dictation of the same speech by a real X key press; then its RSS
  and peak. Qt, the tray, the microphone and the text stage are all in this figure.
* **swap**: the same app is told ``swictation-gui model cpu`` with a hard-linked copy of the stand-in installed as the
  catalogue CPU model, so the old model serves until the new one is warm (both are loaded for a moment). RSS is
  sampled every 10 ms from the command until the switch is answered; the table shows the peak and the RSS after.

All figures are MiB from ``/proc/PID/status``. Needs Xvfb, xdotool, trayer, PulseAudio and espeak-ng.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks import standin
from benchmarks.latency import speech_with_pauses
from swictation_gui.models.catalogue import CPU_MODEL
from swictation_gui.settings.schema import SCHEMA_VERSION
from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic
from tests.test_e2e_harness import AppProcess, app_env

_SHERPA_CHILD = r"""
import json, sys
import numpy as np, soundfile as sf
import sherpa_onnx
folder, wav, feat_dim = sys.argv[1], sys.argv[2], int(sys.argv[3])
rec = sherpa_onnx.OfflineRecognizer.from_transducer(
    encoder=f"{folder}/encoder.int8.onnx", decoder=f"{folder}/decoder.int8.onnx", joiner=f"{folder}/joiner.int8.onnx",
    tokens=f"{folder}/tokens.txt", num_threads=2, sample_rate=16000, feature_dim=feat_dim,
    decoding_method="greedy_search", model_type="nemo_transducer", provider="cpu")
samples, rate = sf.read(wav, dtype="float32")
stream = rec.create_stream()
stream.accept_waveform(rate, np.ascontiguousarray(samples))
rec.decode_stream(stream)
def status():
    found = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    return {k: int(found[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}
out = status()
import ctypes
ctypes.CDLL("libc.so.6").malloc_trim(0)  # what the app does after a load: glibc's kept free pages handed back
out["trimmed"] = status()["VmRSS"]
print(json.dumps(out))
"""


def status_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid`` in MiB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def sherpa_alone(model: Path, wav: Path) -> dict[str, float]:
    """RSS and peak of a bare sherpa-onnx process that loaded ``model`` and decoded ``wav`` once."""
    proc = subprocess.run([sys.executable, "-c", _SHERPA_CHILD, str(model), str(wav), str(CPU_MODEL.feat_dim)],
                          capture_output=True, text=True, timeout=600, check=True)
    data: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def dictate_once(app: AppProcess, screen: xenv.XDisplay, mic: VirtualMic, wav: Path) -> None:
    """One dictation of ``wav`` with a real F9 press, waited for until it is injected."""
    mark = app.mark()
    screen.key_down("F9")
    seq = app.wait_ev("recording", 10, start=mark)["seq"]
    mic.play(wav)
    screen.key_up("F9")
    app.wait_ev("injected", 300, seq=seq)


def swap_peak(app: AppProcess, home: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """Switch the running app to the catalogue CPU model; (peak RSS while switching, RSS after, seconds)."""
    pid, peak, done = app.proc.pid, [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], status_mib(pid).get("VmRSS", 0.0))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "swictation_gui", "model", "cpu"], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=600, check=False)
    took = time.monotonic() - start
    done.set()
    sampler.join()
    if result.returncode != 0:
        raise RuntimeError(f"the switch failed: {result.stdout} {result.stderr}")
    time.sleep(1.0)  # the old model's memory is handed back once its last reference goes
    return peak[0], status_mib(pid)["VmRSS"], took


def run_app(screen: xenv.XDisplay, mic: VirtualMic, model: Path, home: Path, engine: str,
            wav: Path, swap: bool) -> dict[str, float]:
    """The app's RSS and peak after one dictation with ``engine``; with ``swap`` also the swap's figures."""
    home.mkdir(parents=True)
    (home / "settings.json").write_text(json.dumps({"version": SCHEMA_VERSION, "cpu_engine": engine}))  # the swap too
    env = app_env(screen, mic, home)
    window = TargetWindow(screen, home / "target.txt", "text", f"memory-{engine}")
    app = AppProcess([f"--config={home / 'settings.json'}", f"--model-dir={model}", "--hotkey=f9",
                      "--sound-cues=off", "--inject=paste", f"--engine={engine}"], env)
    try:
        app.wait_ev("ready", 300)
        app.wait_ev("listening", 20)
        window.focus()
        dictate_once(app, screen, mic, wav)
        time.sleep(1.0)  # the microphone closes after its linger
        row = {f"app_{k}": v for k, v in status_mib(app.proc.pid).items()}
        if swap:
            models = home / "data" / "models"
            models.mkdir(parents=True, exist_ok=True)
            subprocess.run(["cp", "-al", str(model), str(models / CPU_MODEL.name)], check=True)
            row["swap_peak"], row["swap_after"], row["swap_s"] = swap_peak(app, home, env)
        return row
    finally:
        app.stop()
        app.kill()
        window.close()


def main() -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--standin", default="cpu", choices=["cpu"], help="the stand-in to load (the int8 0.6B)")
    parser.add_argument("--engines", default="sherpa,onnxruntime", help="the app's CPU engines to measure")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the dictated speech")
    parser.add_argument("--standin-dir", type=Path, default=standin.DEFAULT_OUT)
    args = parser.parse_args()
    model = standin.build(args.standin, args.standin_dir)
    rows: list[tuple[str, dict[str, float]]] = []
    # Next to the stand-in (one file system, for the hard-linked copy); short, for the control socket's path.
    with tempfile.TemporaryDirectory(prefix="mem-", dir=args.standin_dir) as tmp:
        root = Path(tmp)
        screen = xenv.start_xvfb()
        mic = VirtualMic(root / "mic")
        try:
            screen.start_tray()
            mic.start()
            wav = mic.write_wav(speech_with_pauses(args.seconds), "speech.wav")
            alone = sherpa_alone(model, wav)
            for i, engine in enumerate(e for e in args.engines.split(",") if e):
                rows.append((engine, run_app(screen, mic, model, root / f"h{i}", engine, wav, swap=True)))
                print("so far:", engine, rows[-1][1], flush=True)
        finally:
            mic.stop()
            screen.close()
            shutil.rmtree(root / "mic", ignore_errors=True)
    print(f"Resident memory (MiB), {model.name} stand-in, {args.seconds:.0f} s of espeak-ng speech dictated once")
    print(f"sherpa-onnx alone: RSS {alone['VmRSS']:.0f}, peak {alone['VmHWM']:.0f}, "
          f"after malloc_trim {alone['trimmed']:.0f}")
    header = (f"{'app engine':>11} | {'RSS':>6} {'peak':>6} {'/sherpa':>7} {'/trimmed':>8} | {'swap peak':>9} "
              f"{'after':>6} {'swap s':>6}")
    print(header)
    print("-" * len(header))
    for engine, r in rows:
        ratio, trimmed = r["app_VmRSS"] / alone["VmRSS"], r["app_VmRSS"] / alone["trimmed"]
        print(f"{engine:>11} | {r['app_VmRSS']:>6.0f} {r['app_VmHWM']:>6.0f} {ratio:>7.2f} {trimmed:>8.2f} | "
              f"{r['swap_peak']:>9.0f} {r['swap_after']:>6.0f} {r['swap_s']:>6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
