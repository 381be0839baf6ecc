"""Idle CPU and microphone open time of the real app: ``.venv/bin/python -m benchmarks.idle [--seconds 60]``.

Starts the real app (``python -m swictation_gui``) under its own Xvfb + trayer with a PulseAudio virtual
microphone and the synthetic *band* model, as the end-to-end tests do, in each microphone mode:

* **on demand** (the default): the stream opens at key-down and closes 1.5 s after the take;
* **kept open** (``--keep-mic-open=on``): the stream runs all the time (instant start with pre-roll).

For each it waits until the app is ready and listening, lets it settle, then reads the process's CPU time
(utime + stime of every thread, from ``/proc/PID/stat``) over ``--seconds`` of idle and prints it as a
percentage of one core. In on-demand mode it then presses the hotkey ``--presses`` times (real X key
events, 3 s apart so each press finds the microphone closed) and reports the open time: key-down sent →
the stream's first callback (same monotonic clock in both processes), and the app's own request → first
callback. Needs Xvfb, xdotool, trayer and PulseAudio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.desktop import xenv
from tests.desktop.pulse import VirtualMic
from tests.fixtures.synth_models import build_band
from tests.test_e2e_harness import AppProcess, app_env

SETTLE_S = 5.0  # after "listening": the start-up check of the microphone and the model warm-up are over


def cpu_seconds(pid: int) -> float:
    """utime + stime of process ``pid`` (all its threads) in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(app: AppProcess, seconds: float) -> float:
    """Percent of one core the app used over ``seconds`` of idle."""
    pid = app.proc.pid
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start)


def open_times(app: AppProcess, display: xenv.XDisplay, presses: int) -> tuple[list[float], list[float]]:
    """(key-down sent → first callback, app's open request → first callback) in ms, one per press."""
    pressed_ms, requested_ms = [], []
    for _ in range(presses):
        time.sleep(3.0)  # past the 1.5 s linger: the microphone is closed again
        mark = app.mark()
        sent = time.monotonic()
        display.xtest_key("F9", True)
        seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
        time.sleep(0.4)
        display.xtest_key("F9", False)
        opened = app.wait_ev("mic_open", 10, start=mark, seq=seq)
        pressed_ms.append((float(opened["first_at"]) - sent) * 1000)
        requested_ms.append(float(opened["ms"]))
    return pressed_ms, requested_ms


def run_mode(display: xenv.XDisplay, mic: VirtualMic, model: Path, root: Path, keep_open: bool, seconds: float,
             presses: int) -> dict[str, object]:
    home = root / ("keep" if keep_open else "demand")
    home.mkdir()
    args = [f"--model-dir={model}", "--sound-cues=off", "--hotkey=f9",
            f"--keep-mic-open={'on' if keep_open else 'off'}"]
    app = AppProcess(args, app_env(display, mic, home))
    try:
        app.wait_ev("ready", 60)
        app.wait_ev("listening", 20)
        time.sleep(SETTLE_S)
        streams = len(mic.our_streams())
        cpu = idle_cpu(app, seconds)
        result: dict[str, object] = {"mode": "kept open" if keep_open else "on demand", "streams": streams,
                                     "cpu": cpu}
        if not keep_open and presses:
            result["open"] = open_times(app, display, presses)
        return result
    finally:
        app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="idle time measured per mode")
    parser.add_argument("--presses", type=int, default=10, help="key presses for the open time")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="idle-bench-"))
    model = build_band(root / "band80", feat_dim=80, layout="plain")
    display = xenv.start_xvfb()
    mic = VirtualMic(root / "pulse")
    try:
        display.start_tray()
        mic.start()
        os.environ.update(mic.env)  # our_streams() asks this daemon
        rows = [run_mode(display, mic, model, root, keep, args.seconds, args.presses) for keep in (False, True)]
    finally:
        mic.stop()
        display.close()
    print(f"Idle CPU over {args.seconds:.0f} s (percent of one core), real app, PulseAudio virtual microphone\n")
    print("| microphone | streams of ours while idle | idle CPU | target |")
    print("|---|---|---|---|")
    for row, target in zip(rows, ("≤ 0.5 %", "≤ 1.5 %"), strict=True):
        print(f"| {row['mode']} | {row['streams']} | {row['cpu']:.2f} % | {target} |")
    for row in rows:
        if "open" in row:
            pressed, requested = row["open"]  # type: ignore[misc]
            print(f"\nMicrophone open time, {len(pressed)} presses (ms: median / min / max)\n")
            print("| from | median | min | max |")
            print("|---|---|---|---|")
            for name, values in (("key-down sent → first callback", pressed),
                                 ("open request in the app → first callback", requested)):
                print(f"| {name} | {statistics.median(values):.1f} | {min(values):.1f} | {max(values):.1f} |")


if __name__ == "__main__":
    main()
