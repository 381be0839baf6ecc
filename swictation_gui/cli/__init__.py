"""Command line: ``swictation-gui [SUBCOMMAND]``; with no subcommand it starts the tray app."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from swictation_gui import __version__, log

# Each module has ``register(subparsers)``, which adds its subcommand(s) with ``func`` set.
_COMMAND_MODULES = (
    "swictation_gui.cli.transcribe",
    "swictation_gui.cli.models_cmd",
    "swictation_gui.cli.doctor",
    "swictation_gui.cli.control",
    "swictation_gui.cli.bench",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="swictation-gui",
        description="Push-to-talk dictation with local NVIDIA Parakeet-TDT recognition. "
                    "Without a subcommand, starts the tray app.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _run_app(args: argparse.Namespace, extra: list[str]) -> int:
    try:
        app = importlib.import_module("swictation_gui.app")
    except ImportError:
        print("The tray app is not built yet; use the subcommands (see --help).", file=sys.stderr)
        return 2
    result: int = app.main(extra)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    log.setup(logging.DEBUG if args.verbose else logging.WARNING, stderr=True)
    if args.command is None:
        return _run_app(args, extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    result: int = args.func(args)
    return result
