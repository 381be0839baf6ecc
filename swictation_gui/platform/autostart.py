"""Start at login: write or remove the XDG autostart entry ``<config home>/autostart/swictation-gui.desktop``."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from importlib import resources
from pathlib import Path

from swictation_gui import paths
from swictation_gui.errors import SettingsError

_log = logging.getLogger("swictation.settings")

ENTRY_NAME = "swictation-gui.desktop"


def autostart_dir() -> Path:
    """``$XDG_CONFIG_HOME/autostart`` (``~/.config/autostart`` when unset).

    With ``SWICTATION_GUI_HOME`` set (tests, relocated installs) it is ``<that>/xdg-config/autostart``,
    so nothing outside that folder is ever touched.
    """
    relocated = paths.relocated_home()
    if relocated is not None:
        return relocated / "xdg-config" / "autostart"
    config_home = os.environ.get("XDG_CONFIG_HOME")
    base = Path(config_home) if config_home and Path(config_home).is_absolute() else Path.home() / ".config"
    return base / "autostart"


def entry_path() -> Path:
    """Where the autostart entry lives."""
    return autostart_dir() / ENTRY_NAME


def _quote(arg: str) -> str:
    """Quote one Exec argument per the Desktop Entry specification."""
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`="):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def launch_command() -> list[str]:
    """How to start this installation: the ``swictation-gui`` script beside this Python, else ``python -m``."""
    beside = Path(sys.executable).with_name("swictation-gui")
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("swictation-gui")
    if found:
        return [found]
    return [sys.executable, "-m", "swictation_gui"]


def entry_text(command: list[str] | None = None) -> str:
    """The desktop entry's content."""
    exec_line = " ".join(_quote(a).replace("%", "%%") for a in (command or launch_command()))
    icon = Path(str(resources.files("swictation_gui").joinpath("assets", "swictation-gui.svg")))
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Swictation\n"
        "GenericName=Dictation\n"
        "Comment=Push-to-talk dictation with speech recognition on this computer\n"
        f"Exec={exec_line}\n"
        f"Icon={icon}\n"
        "Terminal=false\n"
        "Categories=Utility;Accessibility;\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def is_enabled() -> bool:
    """True when the autostart entry exists."""
    return entry_path().is_file()


def set_enabled(enabled: bool, command: list[str] | None = None) -> Path:
    """Write (``enabled``) or remove the autostart entry; idempotent. Returns the entry's path.

    Raises:
        SettingsError: The entry cannot be written or removed; the message says where.
    """
    path = entry_path()
    try:
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(entry_text(command), encoding="utf-8")
            os.replace(tmp, path)
            _log.info("Autostart entry written: %s", path)
        elif path.exists():
            path.unlink()
            _log.info("Autostart entry removed: %s", path)
    except OSError as exc:
        action = "create" if enabled else "remove"
        raise SettingsError(f"Cannot {action} the start-at-login entry {path} ({exc.strerror or exc}).") from exc
    return path
