"""``swictation-gui transcribe FILE...``: transcribe audio files with a chosen model and engine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from swictation_gui.errors import SwictationError
from swictation_gui.models.catalogue import CATALOGUE, ModelLocation, installed_dir, resolve
from swictation_gui.recognition import factory
from swictation_gui.recognition.base import Recognizer

EXIT_USAGE = 2


def register(sub: Any) -> None:
    """Add the ``transcribe`` subcommand."""
    p = sub.add_parser("transcribe", help="transcribe audio files and print the text",
                       description="Transcribe audio files (WAV, FLAC, OGG, MP3 …) and print the text.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--model", default="auto",
                   help="gpu, cpu, or a model folder (default: the first installed catalogue model)")
    p.add_argument("--engine", choices=factory.ENGINES, default="auto",
                   help="sherpa (sherpa-onnx) or onnxruntime (our engine); default: by device")
    p.add_argument("--device", choices=factory.DEVICES, default="auto",
                   help="cpu or cuda; default: the model's own device")
    p.add_argument("--json", action="store_true", help="print JSON with tokens, token times and timings")
    p.set_defaults(func=run)


def default_model() -> ModelLocation:
    """The first installed catalogue model."""
    for spec in CATALOGUE:
        if installed_dir(spec).is_dir():
            return resolve(spec.key)
    raise SwictationError("No model is installed. Install one with: swictation-gui models download cpu "
                          "(or gpu), or pass --model FOLDER.")


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 [frames, channels] with its sample rate."""
    import soundfile

    if not path.is_file():
        raise SwictationError(f"{path}: no such file.")
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile's errors carry no stable type across versions
        raise SwictationError(f"{path}: not a readable audio file ({str(exc).splitlines()[0][:120]}).") from None
    return data, int(rate)


def run(args: argparse.Namespace) -> int:
    """Transcribe each file; a bad file is reported and the others still run."""
    try:
        location = default_model() if args.model == "auto" else resolve(args.model)
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
        report = {"model": str(location.folder), "engine": recognizer.name,
                  "device": recognizer.device.active, "device_note": recognizer.device.describe(),
                  "results": results}
        print(json.dumps(report, ensure_ascii=False, indent=1))
    return EXIT_USAGE if failed else 0
