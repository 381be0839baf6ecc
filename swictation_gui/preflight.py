"""Before Qt starts: are the system libraries of Qt's X11 plugin and of PortAudio installed? (main thread, no Qt)."""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# soname → (Debian/Ubuntu apt package, Fedora dnf package). A soname not listed here is named as it is.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libportaudio.so.2": ("libportaudio2", "portaudio"),
}

PORTAUDIO_SONAME = "libportaudio.so.2"
LDD_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Missing:
    """The sonames that cannot be found, in the order they were found missing."""

    sonames: tuple[str, ...]

    @property
    def debian(self) -> list[str]:
        """The apt packages that provide the known sonames (each once)."""
        return _unique(PACKAGES[s][0] for s in self.sonames if s in PACKAGES)

    @property
    def fedora(self) -> list[str]:
        """The dnf packages that provide the known sonames (each once)."""
        return _unique(PACKAGES[s][1] for s in self.sonames if s in PACKAGES)

    @property
    def unknown(self) -> list[str]:
        """The sonames this module knows no package for."""
        return [s for s in self.sonames if s not in PACKAGES]

    def install_hint(self) -> str:
        """The install commands for what is missing (also ``doctor``'s fix line)."""
        hints = []
        if self.debian:
            hints.append(f"Debian/Ubuntu: sudo apt install {' '.join(self.debian)}; "
                         f"Fedora: sudo dnf install {' '.join(self.fedora)}")
        if self.unknown:
            hints.append(f"install the package that provides {' '.join(self.unknown)}")
        return "; ".join(hints)

    def message(self) -> str:
        """One line for stderr: what is missing, the install commands, and where to look next."""
        names = " ".join([*self.debian, *self.unknown])
        return (f"swictation-gui: missing system libraries: {names} ({self.install_hint()}). "
                "Run 'swictation-gui doctor' for details.")


def parse_ldd(output: str) -> list[str]:
    """The sonames ``ldd`` reports as ``=> not found``, each once, in order."""
    found = []
    for line in output.splitlines():
        name, sep, where = line.strip().partition("=>")
        if sep and where.strip() == "not found":
            found.append(name.strip())
    return _unique(found)


def missing_sonames(binary: Path, ldd: str | None = None) -> list[str] | None:
    """The libraries ``binary`` needs (transitively) that the loader cannot find; None when ``ldd`` cannot tell."""
    ldd = ldd or shutil.which("ldd")
    if not ldd:
        return None
    try:
        proc = subprocess.run([ldd, str(binary)], capture_output=True, text=True, timeout=LDD_TIMEOUT_SECONDS,
                              check=False, errors="replace")
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return parse_ldd(proc.stdout)


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin (``Qt/plugins/platforms/libqxcb.so``), found without importing PySide6."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt would start on X11 (xcb) in this environment."""
    platform = environ.get("QT_QPA_PLATFORM", "").strip()
    if platform:
        return platform.split(";")[0].split(":")[0].strip() == "xcb"
    if environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"):
        return False  # Qt 6 picks its Wayland plugin in a Wayland session
    return bool(environ.get("DISPLAY"))


def portaudio_found(find: Callable[[str], str | None] = ctypes.util.find_library) -> bool:
    """Whether PortAudio can be found the way ``sounddevice`` looks for it on Linux (``find_library``)."""
    return find("portaudio") is not None


def check(environ: Mapping[str, str] | None = None, plugin: Path | None = None,
          find: Callable[[str], str | None] = ctypes.util.find_library) -> Missing | None:
    """What is missing for the tray app to start here; None when nothing is (or when it cannot be told).

    Runs on Linux only (elsewhere PySide6 and sounddevice ship what they need). ``plugin`` replaces the
    X11 plugin found in PySide6. Takes a few milliseconds: one ``ldd`` call and one library lookup.
    """
    if not sys.platform.startswith("linux"):
        return None
    environ = os.environ if environ is None else environ
    sonames: list[str] = []
    if uses_xcb(environ):
        plugin = plugin or xcb_plugin()
        if plugin is not None:
            sonames += missing_sonames(plugin) or []
    if not portaudio_found(find):
        sonames.append(PORTAUDIO_SONAME)
    return Missing(tuple(_unique(sonames))) if sonames else None


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
