"""Hotkey through the compositor: the binding snippets for sway, Hyprland, KDE and GNOME, installing the sway one,
and the listener that stands in for a key grab while the compositor sends ``start``/``stop`` commands.

On Wayland a client sees no global keys, so the compositor runs ``swictation-gui start`` when the key goes down and
``swictation-gui stop`` when it comes back up (sway ``bindsym`` + ``bindsym --release``, Hyprland ``bind`` +
``bindr``): hold mode. KDE and GNOME custom shortcuts report presses only, so they run ``swictation-gui toggle``.
Qt-free; runs on any thread (the installer on the CLI's main thread).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from swictation_gui import log
from swictation_gui.errors import HotkeyError
from swictation_gui.platform.base import HotkeySink
from swictation_gui.platform.keys import Hotkey, describe_hotkey, keysym_names, parse_hotkey

MARK = "# swictation-gui push-to-talk (written by 'swictation-gui bindings --install')"
_SWAY_MODS = {"ctrl": "Ctrl", "alt": "Mod1", "shift": "Shift", "super": "Mod4", "alt_gr": "Mod5"}
_HYPR_MODS = {"ctrl": "CTRL", "alt": "ALT", "shift": "SHIFT", "super": "SUPER", "alt_gr": "MOD5"}


def launcher() -> str:
    """The command line that runs this swictation-gui (the installed script, else this Python with ``-m``)."""
    script = shutil.which("swictation-gui")
    return shlex.quote(script) if script else f"{shlex.quote(sys.executable)} -m swictation_gui"


def _family(name: str) -> str:
    return name[:-2] if name[-2:] in ("_l", "_r") and name != "alt_gr" else name


def _parts(hotkey: Hotkey, mods: dict[str, str], sep: str) -> tuple[str, str]:
    """(modifier list, main keysym) in the compositor's spelling; sided modifiers in a chord lose their side."""
    names = [mods[_family(m)] for m in hotkey.parts[:-1]]
    return sep.join(names), keysym_names(hotkey.key)[0]


def sway_snippet(hotkey: str, command: str | None = None) -> str:
    """sway config lines: start on press, stop on release (hold mode)."""
    mods, key = _parts(parse_hotkey(hotkey), _SWAY_MODS, "+")
    combo = f"{mods}+{key}" if mods else key
    cmd = command or launcher()
    return (f"{MARK}\nbindsym --no-repeat {combo} exec {cmd} start\n"
            f"bindsym --release {combo} exec {cmd} stop\n")


def hyprland_snippet(hotkey: str, command: str | None = None) -> str:
    """hyprland.conf lines: ``bind`` on press, ``bindr`` on release (hold mode)."""
    mods, key = _parts(parse_hotkey(hotkey), _HYPR_MODS, " ")
    cmd = command or launcher()
    return f"{MARK}\nbind = {mods}, {key}, exec, {cmd} start\nbindr = {mods}, {key}, exec, {cmd} stop\n"


def desktop_steps(desktop: str, hotkey: str, command: str | None = None) -> str:
    """The steps for a KDE or GNOME custom shortcut (toggle mode: these report no key release)."""
    cmd = f"{command or launcher()} toggle"
    label = describe_hotkey(parse_hotkey(hotkey))
    if desktop == "kde":
        return ("KDE Plasma: System Settings → Keyboard → Shortcuts → Add New → Command or Script…\n"
                f"  Command: {cmd}\n  Shortcut: {label}\n"
                "Set the app to toggle mode (Settings → Hotkey → Mode: toggle): press once to start, once to stop.\n")
    return ("GNOME: Settings → Keyboard → View and Customize Shortcuts → Custom Shortcuts → +\n"
            f"  Name: swictation-gui\n  Command: {cmd}\n  Shortcut: {label}\n"
            "Set the app to toggle mode (Settings → Hotkey → Mode: toggle): press once to start, once to stop.\n")


def snippet(compositor: str, hotkey: str, command: str | None = None) -> str:
    """The binding text for ``compositor`` ("sway", "hyprland", "kde", "gnome"); raises ``HotkeyError`` else."""
    if compositor == "sway":
        return sway_snippet(hotkey, command)
    if compositor == "hyprland":
        return hyprland_snippet(hotkey, command)
    if compositor in ("kde", "gnome"):
        return desktop_steps(compositor, hotkey, command)
    raise HotkeyError(f"No binding format is known for the compositor {compositor!r}: bind a key to "
                      f"'{command or launcher()} toggle' in its settings.")


def sway_paths(config_home: Path) -> tuple[Path, Path]:
    """(the user's sway config, our include file) under ``config_home`` (``$XDG_CONFIG_HOME``)."""
    folder = config_home / "sway"
    return folder / "config", folder / "swictation-gui.conf"


def install_sway(text: str, config_home: Path) -> list[str]:
    """Write ``text`` to the include file, add an ``include`` line to the user's sway config (once) and reload sway.

    Returns what was done, one line each. Raises ``HotkeyError`` when the user has no sway config of their own (sway
    then reads /etc/sway/config, which we do not touch) or the reload fails.
    """
    config, include = sway_paths(config_home)
    if not config.is_file():
        raise HotkeyError(f"You have no sway config of your own ({config}). Copy the default first: "
                          f"mkdir -p {config.parent} && cp /etc/sway/config {config}; then run this again.")
    include.write_text(text, encoding="utf-8")
    done = [f"wrote {include}"]
    line = f"include {include}"
    lines = config.read_text(encoding="utf-8").splitlines()
    if line not in (entry.strip() for entry in lines):
        with config.open("a", encoding="utf-8") as f:
            f.write(f"\n{line}\n")
        done.append(f"added '{line}' to {config}")
    try:
        proc = subprocess.run(["swaymsg", "reload"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HotkeyError(f"The binding is written, but 'swaymsg reload' failed ({exc}): reload sway yourself "
                          "(Mod+Shift+C).") from exc
    if proc.returncode != 0:
        raise HotkeyError(f"The binding is written, but 'swaymsg reload' failed: {proc.stderr.strip() or proc.stdout}")
    done.append("reloaded sway")
    return done


class BindingListener:
    """``HotkeyListener`` for compositor bindings: there is nothing to grab; the compositor sends ``start`` and
    ``stop`` over the control socket. Reports ready at once (on the caller's thread; the sink only emits)."""

    def __init__(self, hotkey: str, compositor: str) -> None:
        self.hotkey = hotkey
        self.compositor = compositor

    def start(self, sink: HotkeySink) -> None:
        """Report ready: dictations now come from the compositor's binding (any thread)."""
        log.init.info("hotkey %s comes from %s bindings (swictation-gui start/stop); see 'swictation-gui bindings'",
                      self.hotkey, self.compositor)
        sink.ready()

    def stop(self) -> None:
        """Nothing to release (any thread)."""

    def join(self, timeout: float) -> bool:
        """No threads: always True."""
        return True
