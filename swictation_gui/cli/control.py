"""``swictation-gui toggle|start|stop|settings|quit|paste-last|history|model``: command the running tray app."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from swictation_gui.platform import ipc

MODEL_WAIT_S = 120.0  # how long ``model`` waits for the new model to be warm

_HELP = {
    "toggle": "start dictating, or stop and transcribe (like pressing the hotkey in toggle mode)",
    "start": "start dictating in the running app",
    "stop": "stop dictating and transcribe what was said",
    "settings": "open the settings dialog of the running app",
    "quit": "quit the running app",
    "paste-last": "type the last dictation again into the focused window (bind it to a desktop shortcut)",
    "history": "open the history window of the running app",
}


def register(sub: Any) -> None:
    """Add one subcommand per control command."""
    for command, text in _HELP.items():
        p = sub.add_parser(command, help=text, description=text[0].upper() + text[1:] + ".")
        p.set_defaults(func=run, control_command=command)
    p = sub.add_parser("model", help="switch the running app to another installed model (live)",
                       description="Switch the running app to the GPU or CPU model; the current model keeps "
                                   "working until the new one is ready. Waits (up to "
                                   f"{MODEL_WAIT_S:.0f} s) for the outcome: exit status 0 once the new model "
                                   "is in use (or already was), 2 when it is not installed, fails to load or "
                                   "another switch is in progress, 1 when the app is not running or does not "
                                   "answer.")
    p.add_argument("key", choices=["gpu", "cpu"])
    p.set_defaults(func=run, control_command=None)


def run(args: argparse.Namespace) -> int:
    """Send the command; 0 when the app took it, 1 when no instance runs or it refused (2: a model switch failed)."""
    if args.control_command is None:
        return _switch_model(args.key)
    command: str = args.control_command
    try:
        answer = ipc.send_command(command)
    except ipc.IpcError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if answer != "ok":
        print(f"swictation-gui refused {command!r}: {answer.removeprefix('error ').strip()}", file=sys.stderr)
        return 1
    return 0


def _switch_model(key: str) -> int:
    """``model gpu|cpu``: wait for the app's answer and report it on one line."""
    try:
        ipc.send_command("ping")  # say "switching" only to a running app
        print(f"switching to the {key} model…", flush=True)
        answer = ipc.send_command(f"model:{key}", timeout=MODEL_WAIT_S)
    except ipc.IpcError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    status, _, message = answer.partition(" ")
    if status == "ok":
        if message:
            print(message)
        return 0
    print(message or answer or "swictation-gui gave no answer.", file=sys.stderr)
    return 2
