"""``swictation-gui transcribe FILE...``: transcribe audio files with a chosen model and engine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from swictation_gui.core.appconfig import model_for
from swictation_gui.errors import SwictationError
from swictation_gui.models.catalogue import CATALOGUE, installed_dir, resolve, spec_for_key
from swictation_gui.recognition import audio_input, factory
from swictation_gui.recognition.base import SAMPLE_RATE, FloatArray, Recognizer
from swictation_gui.settings import SettingsStore

EXIT_USAGE = 2


def register(sub: Any) -> None:
    """Add the ``transcribe`` subcommand."""
    p = sub.add_parser("transcribe", help="transcribe audio files and print the text",
                       description="Transcribe audio files (WAV, FLAC, OGG, MP3 …) and print the text.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--model", default="auto",
                   help="gpu, cpu, or a model folder (default: the model chosen in Settings)")
    p.add_argument("--engine", choices=factory.ENGINES, default="auto",
                   help="sherpa (sherpa-onnx) or onnxruntime (our engine); default: by device")
    p.add_argument("--device", choices=factory.DEVICES, default="auto",
                   help="cpu or cuda; default: the model's own device")
    p.add_argument("--json", action="store_true", help="print JSON with tokens, token times and timings")
    p.set_defaults(func=run)


def configured_model() -> tuple[str, str]:
    """The model to use when ``--model`` is not given, and where that choice came from (main thread).

    The model the settings file selects ("gpu", "cpu" or a custom folder, as the tray app loads it). Only
    when that is a catalogue model that is not installed does another installed catalogue model stand in
    (said in the second value). Warnings about the settings file go to stderr.

    Raises:
        SwictationError: no usable model; one line saying how to install one.
    """
    loaded = SettingsStore().load()
    for warning in loaded.warnings:
        print(f"warning: settings: {warning}", file=sys.stderr)
    chosen = model_for(loaded.settings)
    spec = spec_for_key(chosen)
    if spec is None or installed_dir(spec).is_dir():
        return chosen, "settings"
    for other in CATALOGUE:
        if installed_dir(other).is_dir():
            return other.key, f"installed (the {chosen} model chosen in Settings is not installed)"
    raise SwictationError(f"The {chosen} model chosen in Settings is not installed. Install it with: "
                          f"swictation-gui models download {chosen}, or pass --model FOLDER.")


def read_audio(path: Path) -> tuple[FloatArray, int]:
    """An audio file as mono float32 at 16 kHz, with that rate (rate and length checked from the header first)."""
    return audio_input.read_file(path), SAMPLE_RATE


def run(args: argparse.Namespace) -> int:
    """Transcribe each file; a bad file is reported and the others still run."""
    try:
        model, model_from = configured_model() if args.model == "auto" else (args.model, "--model")
        location = resolve(model)
        recognizer: Recognizer = factory.create(location, args.engine, args.device)
        recognizer.load()
    except SwictationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failed = False
    results: list[dict[str, Any]] = []
    for path in args.files:
        try:
            samples, rate = read_audio(path)
            transcript = recognizer.transcribe(samples, rate)
        except SwictationError as exc:
            failed = True
            print(f"error: {exc}", file=sys.stderr)
            results.append({"file": str(path), "error": str(exc)})
            continue
        if args.json:
            results.append({"file": str(path), **transcript.to_json()})
        elif len(args.files) > 1:
            print(f"{path}: {transcript.text}")
        else:
            print(transcript.text)
    if args.json:
        report = {"model": str(location.folder), "model_choice": model, "model_from": model_from,
                  "engine": recognizer.name,
                  "device": recognizer.device.active, "device_note": recognizer.device.describe(),
                  "results": results}
        print(json.dumps(report, ensure_ascii=False, indent=1))
    return EXIT_USAGE if failed else 0
