"""Onboarding end to end: the real app on an empty home, under Xvfb with trayer, a PulseAudio virtual microphone
and a real HTTP server on 127.0.0.1. Every step is driven with real X11 input (xdotool/XTest): keyboard
mnemonics in the wizard, the hotkey for dictation, and a right-click on the tray icon with menu keys. (No window
manager here: tests/test_e2e_overlay.py checks the overlay's focus behaviour under openbox.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.fixtures.archives import Archive
from tests.fixtures.http_server import ArchiveServer
from tests.fixtures.synth_models import band_phrase
from tests.test_e2e_dictation import Keys, desk, dictate, screen, target  # noqa: F401 - fixtures
from tests.test_e2e_harness import AppProcess, app_env, run_app  # noqa: F401 - fixture
from tests.test_e2e_overlay import overlay_mapped

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

_GEOMETRY = re.compile(r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)")


def tray_icon_centre(display: xenv.XDisplay) -> tuple[int, int] | None:
    """The centre of the icon trayer embedded (the first child of its panel wider than 1 px), if any."""
    tree = display.run("xwininfo", "-root", "-tree").stdout.decode()
    panel = re.search(r'"panel": \("panel" "trayer"\).*?\n((?:\s{8,}.*\n)*)', tree)
    for line in (panel.group(1) if panel else "").splitlines():
        found = _GEOMETRY.search(line)
        if found and int(found.group(1)) > 1:
            w, h, x, y = map(int, found.groups())
            return x + w // 2, y + h // 2
    return None


def app_popup(display: xenv.XDisplay) -> bool:
    """Whether one of the app's top-level windows without a title (the tray menu) is on screen."""
    children = display.run("xwininfo", "-root", "-children").stdout.decode()
    return any(int(m.group(1)) > 1 for m in re.finditer(r'"swictation-gui": \("__main__.py".*?\)\s+(\d+)x\d+',
                                                        children))


def tray_menu(display: xenv.XDisplay, *keys: str) -> None:
    """Right-click the tray icon (again while the icon does not answer yet), then press ``keys`` in its menu."""
    centre = xenv.wait_for(lambda: tray_icon_centre(display), 30, 0.1)
    assert centre is not None, "the tray icon was not embedded"

    def opened() -> bool:
        display.xdotool("mousemove", str(centre[0]), str(centre[1]))
        display.xdotool("click", "3")
        return xenv.wait_for(lambda: app_popup(display), 3, 0.05) is not None

    assert xenv.wait_for(opened, 30, 0.5), "the tray menu did not open"
    display.xdotool("key", "--delay", "50", *keys)


def window_gone(display: xenv.XDisplay, name: str, timeout: float = 10) -> bool:
    def gone() -> bool:
        return not display.run("xdotool", "search", "--onlyvisible", "--name", name, check=False).stdout.split()
    return xenv.wait_for(gone, timeout, 0.05) is not None


def test_onboarding_wizard_from_an_empty_home_to_dictation_about_and_quit(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], server: ArchiveServer, archives: dict[str, Archive],  # noqa: F811
        tmp_path: Path) -> None:
    url = server.add("/mirror/parakeet-tdt-0.6b-v3-int8.tar.bz2", archives["cpu"].data)
    app = run_app(["--sound-cues=off", "--no-trailing-space"], app_env(screen, virtual_mic, tmp_path))
    # A first start: no model yet is said calmly, and the wizard's default follows the CUDA check (none here).
    failed = app.wait_ev("load_failed", 60)
    assert failed["missing"] is True and failed["message"].startswith("No model yet"), failed
    assert app.wait_ev("first_run", 60)["cuda"] is False
    app.wait_ev("wizard_page", 20, page="model")
    assert not [e for e in app.of("notify") if e["level"] == "error"], app.describe()
    screen.focus(screen.find_window("Swictation setup", 20))

    # 1. Model: point the address at the local mirror and download it.
    screen.key_tap("alt+a")
    screen.key_tap("ctrl+a")
    screen.xdotool("type", "--delay", "10", url)
    screen.key_tap("alt+d")
    app.wait_mic_ok(app.wait_ev("ready", 120))
    assert [s.path for s in server.seen()] == ["/mirror/parakeet-tdt-0.6b-v3-int8.tar.bz2"]
    # 2. Microphone, 3. hotkey (kept: Right Ctrl), 4. try it.
    for page in ("microphone", "hotkey", "try"):
        mark = app.mark()
        screen.key_tap("alt+n")
        app.wait_ev("wizard_page", 10, start=mark, page=page)
        if page == "microphone":  # its live meter holds the (on-demand) microphone open, as in Settings
            app.wait_ev("mic", 10, start=mark, status="open")
    seq = dictate(app, Keys(screen, "ctrl_r"), virtual_mic,
                  virtual_mic.write_wav(band_phrase(["do", "re", "mi"], feat_dim=128), "try.wav"))
    app.wait_ev("injected", 30, seq=seq)
    screen.clipboard_clear()
    screen.key_tap("ctrl+a")
    screen.key_tap("ctrl+c")  # the try-it box's own text, read back through the X clipboard
    assert xenv.wait_for(lambda: screen.clipboard_get() == "do re mi", 10), (screen.clipboard_get(), app.describe())
    mark = app.mark()
    screen.key_tap("alt+f")
    assert app.wait_ev("wizard_closed", 10, start=mark)["finished"] is True
    assert window_gone(screen, "Swictation setup")
    assert '"model": "cpu"' in (tmp_path / "settings.json").read_text(encoding="utf-8")

    # Then dictation into a real target window, with the recording overlay showing and the focus unchanged.
    window = target("text")
    keys = Keys(screen, "ctrl_r")
    mark = app.mark()
    keys.down()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    assert xenv.wait_for(lambda: overlay_mapped(screen), 10), "the recording overlay did not show"
    virtual_mic.play(virtual_mic.write_wav(band_phrase(["la", "ti"], feat_dim=128), "target.wav"))
    assert screen.focused_window() == window.wid
    keys.up()
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("la ti") == "la ti", app.describe()
    assert screen.focused_window() == window.wid

    # About from the tray (second-to-last entry), closed with Enter; then Quit (last entry).
    tray_menu(screen, "Up", "Up", "Return")
    screen.focus(screen.find_window("About Swictation", 20))
    screen.key_tap("Return")
    assert window_gone(screen, "About Swictation")
    tray_menu(screen, "Up", "Return")
    assert app.wait_exit(30) == 0, app.describe()
    assert app.proc.poll() == 0 and app.of("stopped")
