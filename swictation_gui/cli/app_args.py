"""Options of the tray app itself (``swictation-gui [OPTIONS]`` with no subcommand)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from swictation_gui.core.appconfig import LaunchOptions
from swictation_gui.platform.base import HotkeyMode, InjectionMethod
from swictation_gui.settings.schema import ModelChoice

# Settings field ← option, for the options that override a setting for this run.
_OPTION_OF = {
    "model": "--model",
    "custom_model_dir": "--model-dir",
    "hotkey": "--hotkey",
    "hotkey_mode": "--mode",
    "injection_method": "--inject",
    "input_device": "--input-device",
    "pre_roll_ms": "--pre-roll-ms",
    "tail_ms": "--tail-ms",
    "max_record_seconds": "--max-record-seconds",
    "sound_cues": "--sound-cues",
    "keep_mic_open": "--keep-mic-open",
    "trailing_space": "--no-trailing-space",
    "progressive": "--progressive",
}


def build_parser() -> argparse.ArgumentParser:
    """The tray app's argument parser."""
    p = argparse.ArgumentParser(prog="swictation-gui", description="Push-to-talk dictation tray app.")
    p.add_argument("--model-dir", metavar="PATH", help="use the model in this folder")
    p.add_argument("--model", choices=["gpu", "cpu"], help="use an installed catalogue model")
    p.add_argument("--engine", choices=["auto", "sherpa", "onnxruntime"], default="auto", help="recognition engine")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="where the model runs")
    p.add_argument("--config", metavar="PATH", type=Path, help="settings file (default: the user's settings.json)")
    p.add_argument("--hotkey", metavar="SPEC", help='push-to-talk key, e.g. "ctrl_r", "f9", "ctrl+alt+space"')
    p.add_argument("--mode", choices=[m.value for m in HotkeyMode], help="hold to talk, or toggle")
    p.add_argument("--inject", choices=[m.value for m in InjectionMethod], help="how text is delivered")
    p.add_argument("--input-device", metavar="NAME|INDEX",
                   help='microphone (default: the system default); "pulse:SOURCE" for a PulseAudio/PipeWire source')
    p.add_argument("--keep-mic-open", choices=["on", "off"],
                   help="keep the microphone open while idle (instant start with pre-roll); default: open on demand")
    p.add_argument("--pre-roll-ms", type=int, metavar="MS", help="audio kept from before the key press")
    p.add_argument("--tail-ms", type=int, metavar="MS",
                   help="longest tail after the key release while a word is still being spoken")
    p.add_argument("--progressive", choices=["on", "off"],
                   help="recognize completed stretches while the key is held (default on)")
    p.add_argument("--max-record-seconds", type=int, metavar="N", help="longest recording")
    p.add_argument("--no-trailing-space", action="store_true", help="no space after each transcript")
    p.add_argument("--sound-cues", choices=["on", "off"], help="start/stop sounds")
    p.add_argument("--log-json", action="store_true", help="write machine-readable events to stderr (tests)")
    p.add_argument("--log-transcripts", action="store_true",
                   help="include transcripts in the --log-json events (tests only: they are private)")
    p.add_argument("--check-progressive", action="store_true", help=argparse.SUPPRESS)  # tests: see EventLog
    p.epilog = "Options that change a setting apply to this run only; the settings file is not changed."
    return p


def overrides_from(args: argparse.Namespace) -> dict[str, object]:
    """The settings ``args`` overrides for this run, as raw values keyed by settings field (not validated)."""
    raw: dict[str, object] = {}
    if args.model_dir:
        raw.update(model=ModelChoice.CUSTOM.value, custom_model_dir=args.model_dir)
    elif args.model:
        raw["model"] = args.model
    simple = {"hotkey": args.hotkey, "hotkey_mode": args.mode, "injection_method": args.inject,
              "input_device": args.input_device, "pre_roll_ms": args.pre_roll_ms, "tail_ms": args.tail_ms,
              "max_record_seconds": args.max_record_seconds}
    raw.update((name, value) for name, value in simple.items() if value is not None)
    if args.sound_cues:
        raw["sound_cues"] = args.sound_cues == "on"
    if args.keep_mic_open:
        raw["keep_mic_open"] = args.keep_mic_open == "on"
    if args.progressive:
        raw["progressive"] = args.progressive == "on"
    if args.no_trailing_space:
        raw["trailing_space"] = False
    return raw


def parse(argv: Sequence[str]) -> LaunchOptions:
    """Parse the tray app's options (argparse exits with code 2 on a malformed command line)."""
    args = build_parser().parse_args(list(argv))
    return LaunchOptions(config_path=args.config, overrides=overrides_from(args), spelled=dict(_OPTION_OF),
                         engine=args.engine, device=args.device, log_json=args.log_json,
                         log_transcripts=args.log_transcripts, check_progressive=args.check_progressive)
