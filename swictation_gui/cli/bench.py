"""``swictation-gui bench``: time every engine and device on installed models and model folders."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from swictation_gui.cli.transcribe import configured_model
from swictation_gui.errors import SwictationError
from swictation_gui.models.catalogue import CATALOGUE, installed_dir

EXIT_USAGE = 2


def register(sub: Any) -> None:
    """Add the ``bench`` subcommand."""
    p = sub.add_parser(
        "bench", help="benchmark engines and devices (latency, RTF, memory, parity with sherpa-onnx)",
        description="One row per model × engine × device, for 2.8 s and 30 s of audio: cold and warm time, "
                    "real-time factor, peak memory, and whether the transcript equals sherpa-onnx on the CPU. "
                    "Each row runs in its own process.")
    p.add_argument("--model", action="append", default=[], metavar="PATH_OR_KEY",
                   help="a model folder or catalogue key (gpu/cpu); repeatable. Default: the model chosen in "
                        "Settings (a custom folder too), then every other installed model")
    p.add_argument("--engine", action="append", choices=("sherpa", "onnxruntime"), default=[],
                   help="repeatable; default: both")
    p.add_argument("--device", action="append", choices=("cpu", "cuda"), default=[],
                   help="repeatable; default: cpu and cuda (a cuda row shows its CPU fallback honestly)")
    p.add_argument("--decode-device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="where our engine runs the decoder/joiner (auto: CPU, also when the encoder is on CUDA)")
    p.add_argument("--repeats", type=int, default=5, help="warm runs per length (median is reported)")
    p.add_argument("--audio", choices=("auto", "speech", "tones"), default="auto",
                   help="test audio: espeak-ng speech when installed (auto), or synthetic tones")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print the table (or JSON)."""
    from swictation_gui import bench

    try:
        chosen = [(model, "--model") for model in args.model] or default_models()
    except SwictationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    models = [model for model, _ in chosen]
    if args.repeats < 1:
        print("error: --repeats must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    rows = bench.run_all(models, args.engine or ["sherpa", "onnxruntime"], args.device or ["cpu", "cuda"],
                         repeats=args.repeats, audio_source=args.audio, decode_device=args.decode_device)
    if args.json:
        report = {"models": [{"model": model, "from": source} for model, source in chosen], **bench.to_json(rows)}
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(bench.table(rows))
    return 1 if any(r.error for r in rows) else 0


def default_models() -> list[tuple[str, str]]:
    """Without ``--model``: the model chosen in Settings, then every other installed catalogue model, each with
    where it came from (main thread).

    Raises:
        SwictationError: no model is installed and Settings choose none that exists.
    """
    first, source = configured_model()
    models = [(first, source)]
    models += [(spec.key, "installed") for spec in CATALOGUE if installed_dir(spec).is_dir() and spec.key != first]
    return models
