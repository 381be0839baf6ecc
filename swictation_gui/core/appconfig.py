"""The app's configuration: the settings file with command-line overrides applied (pure Python)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swictation_gui.core.session import SessionConfig
from swictation_gui.platform.base import HotkeyMode, InjectionMethod
from swictation_gui.settings import ModelChoice, Settings, SettingsStore


@dataclass(frozen=True)
class AppConfig:
    """Everything the app needs, from the settings file with command-line overrides applied."""

    settings: Settings
    model: str                       # "gpu", "cpu" or a folder
    store: SettingsStore
    engine: str = "auto"
    device: str = "auto"
    log_json: bool = False
    log_transcripts: bool = False


def build_parser() -> argparse.ArgumentParser:
    """Options of the tray app (``swictation-gui [OPTIONS]`` with no subcommand)."""
    p = argparse.ArgumentParser(prog="swictation-gui", description="Push-to-talk dictation tray app.")
    p.add_argument("--model-dir", metavar="PATH", help="use the model in this folder")
    p.add_argument("--model", choices=["gpu", "cpu"], help="use an installed catalogue model")
    p.add_argument("--engine", choices=["auto", "sherpa", "onnxruntime"], default="auto", help="recognition engine")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="where the model runs")
    p.add_argument("--config", metavar="PATH", type=Path, help="settings file (default: the user's settings.json)")
    p.add_argument("--hotkey", metavar="SPEC", help='push-to-talk key, e.g. "ctrl_r", "f9", "ctrl+alt+space"')
    p.add_argument("--mode", choices=[m.value for m in HotkeyMode], help="hold to talk, or toggle")
    p.add_argument("--inject", choices=[m.value for m in InjectionMethod], help="how text is delivered")
    p.add_argument("--input-device", metavar="NAME|INDEX", help="microphone (default: the system default)")
    p.add_argument("--pre-roll-ms", type=int, help="audio kept from before the key press")
    p.add_argument("--tail-ms", type=int, help="audio kept after the key release")
    p.add_argument("--max-record-seconds", type=int, help="longest recording")
    p.add_argument("--no-trailing-space", action="store_true", help="no space after each transcript")
    p.add_argument("--sound-cues", choices=["on", "off"], help="start/stop sounds")
    p.add_argument("--log-json", action="store_true", help="write machine-readable events to stderr (tests)")
    p.add_argument("--log-transcripts", action="store_true",
                   help="include transcripts in the --log-json events (tests only: they are private)")
    return p


def load_config(args: argparse.Namespace) -> tuple[AppConfig, list[str]]:
    """Read the settings file and apply the command line on top; returns the config and warnings."""
    store = SettingsStore(args.config)
    loaded = store.load()
    s = loaded.settings
    changes: dict[str, Any] = {}
    if args.hotkey:
        changes["hotkey"] = args.hotkey
    if args.mode:
        changes["hotkey_mode"] = HotkeyMode(args.mode)
    if args.inject:
        changes["injection_method"] = InjectionMethod(args.inject)
    if args.input_device is not None:
        changes["input_device"] = args.input_device or None
    for name in ("pre_roll_ms", "tail_ms", "max_record_seconds"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.sound_cues:
        changes["sound_cues"] = args.sound_cues == "on"
    if args.no_trailing_space:
        changes["trailing_space"] = False
    s = s.replace(**changes)
    model = args.model_dir or args.model or model_for(s)
    config = AppConfig(s, model, store, args.engine, args.device, args.log_json, args.log_transcripts)
    return config, list(loaded.warnings)


def model_for(s: Settings) -> str:
    """The model ``s`` asks for: "gpu", "cpu" or a folder."""
    if s.model == ModelChoice.CUSTOM:
        return s.custom_model_dir or ModelChoice.GPU.value
    return str(s.model.value)


def session_config(s: Settings) -> SessionConfig:
    """The session's tunables from the settings."""
    return SessionConfig(min_press_s=s.min_press_ms / 1000, max_record_s=float(s.max_record_seconds),
                         defer_injection_while_recording=HotkeyMode(s.hotkey_mode) == HotkeyMode.HOLD,
                         trailing_space=s.trailing_space)


PARTS = {
    "capture": ("input_device", "pre_roll_ms", "max_record_seconds"),
    "hotkey": ("hotkey", "hotkey_mode"),
    "injector": ("injection_method",),
    "model": ("model", "custom_model_dir"),
}


def changed_parts(old: Settings, new: Settings) -> set[str]:
    """Which parts of the running app must be rebuilt to apply ``new`` ("capture", "hotkey", …)."""
    return {part for part, names in PARTS.items() if any(getattr(old, n) != getattr(new, n) for n in names)}
