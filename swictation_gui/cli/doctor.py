"""``swictation-gui doctor``: everything the app depends on, and the fix for each problem."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from swictation_gui import __version__, preflight
from swictation_gui.cli.models_cmd import status_rows
from swictation_gui.platform import bindings, portal, session


@dataclass(frozen=True)
class Finding:
    """One line of the report. ``level`` is "ok", "warn", "fail" or "skip" (a backend not used here); ``fix`` says
    what to do."""

    topic: str
    level: str
    detail: str
    fix: str = ""


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_packages() -> list[Finding]:
    """Versions of Python and the packages the app imports."""
    out = [Finding("python", "ok", f"{sys.version.split()[0]} ({sys.executable}); swictation-gui {__version__}")]
    for dist, fix in (("sherpa-onnx", "pip install sherpa-onnx==2.0.1"),
                      ("kaldi-native-fbank", "pip install 'kaldi-native-fbank>=1.23'"),
                      ("numpy", "pip install numpy"), ("soxr", "pip install soxr"),
                      ("PySide6-Essentials", "pip install PySide6-Essentials"),
                      ("sounddevice", "pip install sounddevice"), ("pynput", "pip install pynput"),
                      ("pyperclip", "pip install pyperclip"), ("jeepney", "pip install jeepney")):
        ver = _version(dist)
        out.append(Finding(dist, "ok", ver) if ver else Finding(dist, "fail", "not installed", fix))
    gpu, cpu = _version("onnxruntime-gpu"), _version("onnxruntime")
    if gpu and cpu:
        out.append(Finding("onnxruntime", "fail", f"both onnxruntime-gpu {gpu} and onnxruntime {cpu} are installed",
                           "pip uninstall -y onnxruntime onnxruntime-gpu && pip install onnxruntime-gpu"))
    elif gpu or cpu:
        out.append(Finding("onnxruntime", "ok", f"onnxruntime-gpu {gpu}" if gpu else f"onnxruntime {cpu} (CPU only)"))
    else:
        out.append(Finding("onnxruntime", "fail", "not installed", "pip install onnxruntime-gpu (or onnxruntime)"))
    return out


def check_onnxruntime() -> list[Finding]:
    """Providers onnxruntime was built with (not proof that CUDA works: see the CUDA line)."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        return [Finding("onnxruntime providers", "fail", str(exc), "reinstall onnxruntime-gpu")]
    # The build's list, not proof that CUDA works here: see the CUDA line for that.
    return [Finding("onnxruntime providers", "ok", "built with " + ", ".join(ort.get_available_providers()))]


def check_cuda() -> list[Finding]:
    """Whether onnxruntime really runs a model on CUDA (loads and runs a tiny one)."""
    from swictation_gui.recognition.providers import cuda_status

    report = cuda_status()
    if report.active == "cuda":
        return [Finding("CUDA", "ok", f"onnxruntime runs on the GPU ({report.detail})")]
    return [Finding("CUDA", "warn", report.describe(),
                    "see the GPU section of the README (pip install 'swictation-gui[cuda]', or a newer driver); "
                    "the CPU model works without CUDA")]


def check_audio() -> list[Finding]:
    """PortAudio and its input devices."""
    try:
        import sounddevice as sd
    except OSError as exc:
        return [Finding("PortAudio", "fail", str(exc), "sudo apt install libportaudio2 (Debian/Ubuntu)")]
    except ImportError as exc:
        return [Finding("PortAudio", "fail", str(exc), "pip install sounddevice")]
    try:
        devices = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
        default = sd.default.device[0]
    except Exception as exc:
        return [Finding("microphones", "fail", f"PortAudio could not list devices: {exc}",
                        "check that PulseAudio/PipeWire is running for your user")]
    if not devices:
        return [Finding("microphones", "fail", "no input device found",
                        "plug in a microphone, or check PulseAudio/PipeWire (pactl list short sources)")]
    names = "; ".join(f"{d['index']}: {d['name']} ({int(d['default_samplerate'])} Hz)" for d in devices[:8])
    return [Finding("microphones", "ok", f"{len(devices)} input(s), default {default}: {names}")]


def display_server() -> str:
    """"wayland", "x11" or "none"."""
    return session.detect().kind


def check_backends(info: session.SessionInfo | None = None, which: session.Which = shutil.which,
                   method: str = "auto") -> list[Finding]:
    """The hotkey and text-output fallback chains: the active link, why each other was skipped, and its fix."""
    info = info or session.detect()
    out: list[Finding] = []
    have_xlib = importlib.util.find_spec("Xlib") is not None
    for kind, chain in (("hotkey", session.hotkey_chain(info, which, have_xlib, portal.available())),
                        ("text output", session.injection_chain(info, which, have_xlib, method))):
        current = session.active(chain)
        if current is None:
            out.append(Finding(kind, "fail", "no backend works here", next((x.fix for x in chain if x.fix), "")))
        for link in chain:
            level = {"active": "ok", "standby": "ok", "skipped": "skip"}[link.status]
            label = {"active": "ACTIVE", "standby": "standby", "skipped": "skipped"}[link.status]
            out.append(Finding(f"{kind} {link.name}", level, f"{label}: {link.detail}",
                               link.fix if link.status != "active" or link.name == "compositor-bindings" else ""))
    if info.compositor == "sway" and info.wayland:
        _config, include = bindings.sway_paths(Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"))
        if include.is_file():
            out.append(Finding("sway binding", "ok", f"{include} exists"))
        else:
            out.append(Finding("sway binding", "warn", "the push-to-talk binding is not installed",
                               "swictation-gui bindings --install"))
    return out


def check_desktop() -> list[Finding]:
    """Display server, system tray and clipboard tools."""
    info = session.detect()
    server = info.kind
    out = []
    if server == "none":
        out.append(Finding("display", "fail", "no display (DISPLAY and WAYLAND_DISPLAY are unset)",
                           "run the app inside your desktop session"))
        return out
    out.append(Finding("display", "ok", info.describe()))
    out += check_backends(info)
    probe = ("from PySide6.QtWidgets import QApplication, QSystemTrayIcon;"
             "app = QApplication([]); print('TRAY', QSystemTrayIcon.isSystemTrayAvailable())")
    try:
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        out.append(Finding("tray", "warn", "the Qt probe did not answer in 30 s", "check your display server"))
    else:
        if "TRAY True" in proc.stdout:
            out.append(Finding("tray", "ok", "a system tray is available"))
        elif "TRAY False" in proc.stdout:
            out.append(Finding("tray", "warn", "no system tray host is running",
                               "enable a tray (GNOME: the AppIndicator extension; sway: swaybar shows tray icons "
                               "when a D-Bus session bus runs); the app still works with its window and "
                               "notifications"))
        else:
            err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            missing = preflight.check()  # the exact libraries, by ldd on Qt's X11 plugin
            fix = missing.install_hint() if missing else "see the error above"
            out.append(Finding("tray", "fail", f"Qt cannot start: {err[:200]}", fix))
    tools = ["wl-copy", "wl-paste"] if server == "wayland" else ["xclip", "xsel"]
    found = [t for t in tools if shutil.which(t)]
    if found:
        out.append(Finding("clipboard tool", "ok", ", ".join(found)))
    else:
        pkg = "wl-clipboard" if server == "wayland" else "xclip"
        out.append(Finding("clipboard tool", "warn", f"none of {', '.join(tools)} found (Qt's clipboard is used "
                           "while the app runs)", f"sudo apt install {pkg}"))
    return out


def check_models() -> list[Finding]:
    """Each catalogue model: installed, and passing the folder check."""
    out = []
    for row in status_rows():
        if row["status"] == "ok":
            out.append(Finding(f"model {row['key']}", "ok", f"{row['name']} in {row['folder']}"))
            out.append(Finding(f"engine {row['key']}", "ok", row["cpu_engine"]["describe"]))
        elif not row["installed"]:
            out.append(Finding(f"model {row['key']}", "warn", f"{row['name']} is not installed",
                               f"swictation-gui models download {row['key']}"))
        else:
            out.append(Finding(f"model {row['key']}", "fail", row["status"],
                               f"swictation-gui models download {row['key']}"))
    return out


CHECKS: list[Callable[[], list[Finding]]] = [check_packages, check_onnxruntime, check_cuda, check_audio,
                                             check_desktop, check_models]


def register(sub: Any) -> None:
    """Add the ``doctor`` subcommand."""
    p = sub.add_parser("doctor", help="check everything the app depends on and say how to fix problems")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when something fails."""
    findings: list[Finding] = []
    for check_fn in CHECKS:
        try:
            findings += check_fn()
        except Exception as exc:  # a broken check must not hide the others
            findings.append(Finding(check_fn.__name__, "fail", f"the check itself failed: {exc!r}"))
    if args.json:
        print(json.dumps([asdict(f) for f in findings], indent=1))
    else:
        marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": " -- "}
        for f in findings:
            print(f"[{marks[f.level]}] {f.topic}: {f.detail}")
            if f.fix:
                print(f"       fix: {f.fix}")
    return 1 if any(f.level == "fail" for f in findings) else 0
