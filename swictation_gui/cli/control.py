"""``swictation-gui toggle|start|stop|settings|quit|model``: send a command to the running tray app."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from swictation_gui.platform import ipc

_HELP = {
    "toggle": "start dictating, or stop and transcribe (like pressing the hotkey in toggle mode)",
    "start": "start dictating in the running app",
    "stop": "stop dictating and transcribe what was said",
    "settings": "open the settings dialog of the running app",
    "quit": "quit the running app",
}


def register(sub: Any) -> None:
    """Add one subcommand per control command."""
    for command, text in _HELP.items():
        p = sub.add_parser(command, help=text, description=text[0].upper() + text[1:] + ".")
        p.set_defaults(func=run, control_command=command)
    p = sub.add_parser("model", help="switch the running app to another installed model (live)",
                       description="Switch the running app to the GPU or CPU model; the current model keeps "
                                   "working until the new one is ready.")
    p.add_argument("key", choices=["gpu", "cpu"])
    p.set_defaults(func=run, control_command=None)


def run(args: argparse.Namespace) -> int:
    """Send the command; 0 when the app took it, 1 when no instance runs or it refused."""
    command: str = args.control_command or f"model:{args.key}"
    try:
        answer = ipc.send_command(command)
    except ipc.NotRunningError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ipc.IpcError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if answer != "ok":
        print(f"swictation-gui refused {command!r}: {answer.removeprefix('error ').strip()}", file=sys.stderr)
        return 1
    return 0
