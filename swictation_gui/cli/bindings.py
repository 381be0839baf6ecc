"""``swictation-gui bindings``: print (or, for sway, install) the compositor binding that drives push-to-talk."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from swictation_gui.errors import HotkeyError
from swictation_gui.platform import bindings, session
from swictation_gui.settings.store import SettingsStore

_COMPOSITORS = ("sway", "hyprland", "kde", "gnome")


def register(sub: Any) -> None:
    """Add the ``bindings`` subcommand."""
    p = sub.add_parser("bindings", help="print the key binding for your Wayland compositor (sway: install it)",
                       description="Print the compositor binding that runs 'swictation-gui start' on key press "
                                   "and 'swictation-gui stop' on release (sway, Hyprland), or the custom shortcut "
                                   "for 'swictation-gui toggle' (KDE, GNOME). --install writes it for sway.")
    p.add_argument("--compositor", choices=_COMPOSITORS, help="instead of the detected one")
    p.add_argument("--hotkey", help="instead of the hotkey in the settings (e.g. f9, ctrl+alt+space)")
    p.add_argument("--config", type=Path, help="settings file to read the hotkey from")
    p.add_argument("--command", help="how the compositor should run swictation-gui (default: this installation)")
    p.add_argument("--install", action="store_true", help="sway: write the binding to an include file and reload")
    p.add_argument("--yes", action="store_true", help="with --install: do not ask first")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the snippet; 0 on success, 1 when no format is known or the install failed or was declined."""
    compositor = args.compositor or session.detect().compositor
    hotkey = args.hotkey or SettingsStore(args.config).load().settings.hotkey
    try:
        text = bindings.snippet(compositor, hotkey, args.command)
    except HotkeyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(text, end="")
    if not args.install:
        if compositor == "sway":
            print("\nAdd these lines to your sway config, or run: swictation-gui bindings --install")
        return 0
    if compositor != "sway":
        print(f"--install only knows sway; add the lines above to your {compositor} configuration.",
              file=sys.stderr)
        return 1
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    config, include = bindings.sway_paths(config_home)
    if not args.yes:
        answer = input(f"Write {include}, include it from {config} and reload sway? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return 1
    try:
        done = bindings.install_sway(text, config_home)
    except HotkeyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("\n".join(done))
    return 0
