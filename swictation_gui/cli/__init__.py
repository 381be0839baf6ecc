"""Command line: ``swictation-gui [SUBCOMMAND]``; with no subcommand (or app options only) it starts the tray app."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from swictation_gui import __version__, log, paths
from swictation_gui.cli import app_args

# Each module has ``register(subparsers)``, which adds its subcommand(s) with ``func`` set.
_COMMAND_MODULES = (
    "swictation_gui.cli.transcribe",
    "swictation_gui.cli.models_cmd",
    "swictation_gui.cli.doctor",
    "swictation_gui.cli.control",
    "swictation_gui.cli.bench",
    "swictation_gui.cli.bindings",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    app_usage = app_args.build_parser().format_usage().removeprefix("usage: ").strip()
    parser = argparse.ArgumentParser(
        prog="swictation-gui", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Push-to-talk dictation with local NVIDIA Parakeet-TDT recognition.\n"
                    "Without a subcommand, starts the tray app.",
        epilog=f"tray app (no COMMAND):\n  {app_usage}\n\nOptions that change a setting apply to this run only.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _run_app(argv: list[str], verbose: bool) -> int:
    """Start the tray app with its own options (``swictation_gui.app``)."""
    log.setup(logging.DEBUG if verbose else logging.WARNING, stderr=True,
              log_file=paths.log_dir() / "swictation-gui.log",
              file_level=logging.DEBUG if verbose else logging.INFO)
    from swictation_gui.cli import tray_app

    return tray_app.run(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the process exit code.

    Anything that does not start with a subcommand (``swictation-gui --model-dir /path``) belongs to the tray app,
    whose options are parsed by the app itself.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in ("-v", "--verbose") for a in argv)
    rest = [a for a in argv if a not in ("-v", "--verbose")]
    parser = build_parser()
    commands = _subcommands(parser)
    if not rest or (rest[0] not in commands and rest[0] not in ("-h", "--help", "--version")):
        return _run_app(rest, verbose)
    args = parser.parse_args(argv)
    log.setup(logging.DEBUG if args.verbose else logging.WARNING, stderr=True)
    result: int = args.func(args)
    return result


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:  # argparse keeps no public list of subparsers
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()
