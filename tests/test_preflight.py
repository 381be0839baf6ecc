"""The system-library preflight: real ldd on real ELF files, and the app's one-line exit when a library is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from swictation_gui import preflight

REPO = Path(__file__).resolve().parents[1]
ABSENT = "libswictation-preflight-absent.so.1"   # a soname no package provides
MESSAGE = ("swictation-gui: missing system libraries: libxcb-icccm4 libswictation-preflight-absent.so.1 "
           "(Debian/Ubuntu: sudo apt install libxcb-icccm4; Fedora: sudo dnf install xcb-util-wm; "
           "install the package that provides libswictation-preflight-absent.so.1). "
           "Run 'swictation-gui doctor' for details.")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the preflight runs on Linux only")


def _gcc(*args: str | Path) -> None:
    proc = subprocess.run(["gcc", "-shared", "-fPIC", "-nostdlib", *map(str, args)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def broken_elf(tmp_path: Path) -> tuple[Path, Path]:
    """A shared object that needs ``libxcb-icccm.so.4`` and ``ABSENT``, and the folder holding both stubs.

    It is linked with ``-z nodefaultlib``: the loader may not look in the system folders (nor the ld.so cache)
    for its dependencies, so the installed libxcb-icccm is hidden from it unless LD_LIBRARY_PATH names a folder.
    """
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed (scripts/test.sh installs it)")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (tmp_path / "stub.c").write_text("int stub_fn(void) { return 1; }\n")
    (tmp_path / "user.c").write_text("extern int stub_fn(void);\nint user_fn(void) { return stub_fn(); }\n")
    for soname in ("libxcb-icccm.so.4", ABSENT):
        _gcc(f"-Wl,-soname,{soname}", "-o", stubs / soname, tmp_path / "stub.c")
    elf = tmp_path / "libuser.so"
    _gcc("-Wl,-z,nodefaultlib", "-Wl,--no-as-needed", "-o", elf, tmp_path / "user.c",
         stubs / "libxcb-icccm.so.4", stubs / ABSENT)
    return elf, stubs


def test_ldd_names_the_hidden_libraries_and_their_packages(broken_elf: tuple[Path, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    elf, stubs = broken_elf
    monkeypatch.setenv("LD_LIBRARY_PATH", str(stubs))
    assert preflight.missing_sonames(elf) == []          # the loader finds both stubs there
    (stubs / ABSENT).unlink()
    assert preflight.missing_sonames(elf) == [ABSENT]
    monkeypatch.delenv("LD_LIBRARY_PATH")
    sonames = preflight.missing_sonames(elf)
    assert sonames == ["libxcb-icccm.so.4", ABSENT]
    missing = preflight.Missing(tuple(sonames))
    assert (missing.debian, missing.fedora, missing.unknown) == (["libxcb-icccm4"], ["xcb-util-wm"], [ABSENT])
    assert missing.message() == MESSAGE


def test_the_check_combines_the_plugin_and_portaudio(broken_elf: tuple[Path, Path]) -> None:
    elf, _ = broken_elf
    missing = preflight.check({"DISPLAY": ":0"}, plugin=elf, find=lambda name: None)
    assert missing is not None
    assert missing.sonames == ("libxcb-icccm.so.4", ABSENT, "libportaudio.so.2")
    assert missing.debian == ["libxcb-icccm4", "libportaudio2"]
    assert missing.fedora == ["xcb-util-wm", "portaudio"]
    # Not on X11: the X11 plugin is not asked about.
    assert preflight.check({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, plugin=elf,
                           find=lambda name: f"lib{name}.so.2") is None


def test_a_missing_portaudio_is_reported_with_its_packages() -> None:
    asked: list[str] = []

    def not_found(name: str) -> str | None:
        asked.append(name)
        return None

    missing = preflight.check({}, find=not_found)
    assert asked == ["portaudio"]                       # the name sounddevice looks up
    assert missing == preflight.Missing(("libportaudio.so.2",))
    assert missing.message() == (
        "swictation-gui: missing system libraries: libportaudio2 (Debian/Ubuntu: sudo apt install libportaudio2; "
        "Fedora: sudo dnf install portaudio). Run 'swictation-gui doctor' for details.")
    assert preflight.check({}, find=lambda name: "libportaudio.so.2") is None


def test_everything_present_here_passes() -> None:
    """This machine has the X11 libraries and PortAudio (scripts/test.sh installs them)."""
    plugin = preflight.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    assert preflight.missing_sonames(plugin) == []
    assert preflight.portaudio_found()
    assert preflight.check({"DISPLAY": ":0"}) is None


def test_no_ldd_or_a_failing_ldd_never_blocks_the_start(broken_elf: tuple[Path, Path], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    elf, _ = broken_elf
    assert preflight.missing_sonames(elf, ldd=str(tmp_path / "no-such-ldd")) is None
    text = tmp_path / "not-an-elf.so"
    text.write_text("hello\n")
    assert preflight.missing_sonames(text) is None      # ldd exits 1: "not a dynamic executable"
    monkeypatch.setenv("PATH", str(tmp_path))           # no ldd on PATH at all
    assert preflight.check({"DISPLAY": ":0"}, plugin=elf, find=lambda name: "libportaudio.so.2") is None


@pytest.mark.parametrize(("environ", "xcb"), [
    ({"DISPLAY": ":0"}, True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb:nograb"}, True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "minimal"}, False),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"}, False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11"}, True),
    ({"WAYLAND_DISPLAY": "wayland-0"}, False),
    ({}, False),
])
def test_which_platform_qt_would_use(environ: dict[str, str], xcb: bool) -> None:
    assert preflight.uses_xcb(environ) is xcb


def test_the_app_exits_with_one_line_and_code_2(broken_elf: tuple[Path, Path], tmp_path: Path) -> None:
    """``python -m swictation_gui`` finds a PySide6 whose X11 plugin is the broken ELF, and stops before Qt loads.

    The stand-in package is only a folder with the plugin: if the app imported PySide6 before the check, it
    would fail with an ImportError traceback instead.
    """
    elf, _ = broken_elf
    fake = tmp_path / "site"
    platforms = fake / "PySide6" / "Qt" / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    (fake / "PySide6" / "__init__.py").write_text("raise ImportError('the preflight must run before Qt is imported')\n")
    shutil.copy(elf, platforms / "libqxcb.so")
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "LD_LIBRARY_PATH")}
    env.update(DISPLAY=":97", PYTHONPATH=f"{fake}{os.pathsep}{REPO}")
    proc = subprocess.run([sys.executable, "-m", "swictation_gui"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert (proc.returncode, proc.stderr, proc.stdout) == (2, MESSAGE + "\n", "")
