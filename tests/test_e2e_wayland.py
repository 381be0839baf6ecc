"""End-to-end on native Wayland: headless sway, the app on Wayland, a native Wayland Qt window, sway bindings.

The binding is installed by ``swictation-gui bindings --install`` (include file + ``swaymsg reload``). A held F9
comes from ``wtype`` (the virtual-keyboard protocol; sway runs bindings on it like on a real keyboard): sway runs
``swictation-gui start`` on the press and ``swictation-gui stop`` on the release. Speech is played into a PulseAudio
virtual microphone; the synthetic model says "café — naïve ß 日本語 😀" for any speech. The window's text must be
exactly that, typed (wtype) or pasted (wl-copy + Ctrl+V), the clipboard must hold what it held before, and F9 must
never reach the window.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.desktop.wayland import SwaySession, WaylandScreen, sway, user_prefix  # noqa: F401 - fixture
from tests.fakes.portal import FakePortal, session_bus  # noqa: F401 - fixture
from tests.fixtures.synth_models import band_phrase
from tests.test_e2e_harness import AppProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

UNICODE_TEXT = "café — naïve ß 日本語 😀"
QT_F9 = 0x01000038


# wtype arguments that press and release each hotkey (held in between while wtype reads its stdin).
HOLD_KEYS = {"f9": (["-P", "F9"], ["-p", "F9"]),
             "ctrl+alt+space": (["-M", "ctrl", "-M", "alt", "-P", "space"], ["-p", "space", "-m", "alt", "-m", "ctrl"])}
QT_CTRL = 0x04000000


def install_binding(sway: SwaySession, hotkey: str) -> None:  # noqa: F811
    """``swictation-gui bindings --install`` for ``hotkey``, as the session's user (include file + reload)."""
    launcher = f"{sys.executable} -m swictation_gui"
    done = sway.run([sys.executable, "-m", "swictation_gui", "bindings", "--install", "--yes", f"--hotkey={hotkey}",
                     f"--command={launcher}"])
    assert "reloaded sway" in done.stdout.decode(), done.stdout.decode()
    text = (sway.home / ".config" / "sway" / "swictation-gui.conf").read_text(encoding="utf-8")
    assert f"exec {launcher} stop" in text


@pytest.fixture
def desktop(sway: SwaySession, virtual_mic: VirtualMic) -> SwaySession:  # noqa: F811
    """sway with the push-to-talk binding for F9 installed by ``swictation-gui bindings --install``."""
    sway.env["PULSE_SERVER"] = virtual_mic.env["PULSE_SERVER"]
    install_binding(sway, "f9")
    return sway


def start_app(desktop: SwaySession, model: Path, method: str) -> AppProcess:
    env = {**desktop.env, "QT_QPA_PLATFORM": "wayland"}
    app = AppProcess([f"--config={desktop.app_home / 'settings.json'}", f"--model-dir={model}",
                      "--sound-cues=off", "--hotkey=f9", f"--inject={method}", "--no-trailing-space"], env,
                     prefix=user_prefix())
    app.wait_mic_ok(app.wait_ev("ready", 60))
    app.wait_ev("listening", 20)
    return app


def hold_f9(desktop: SwaySession, hotkey: str = "f9") -> subprocess.Popen[bytes]:
    """Press the hotkey with wtype; it stays down until the returned process's stdin is closed (then it goes up)."""
    press, release = HOLD_KEYS[hotkey]
    return subprocess.Popen([*user_prefix(), "wtype", *press, "-", *release], env=desktop.env,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_posing_app(sway: SwaySession, virtual_mic: VirtualMic, model: Path, folder: Path,  # noqa: F811
                     desktop: str, bus: str) -> AppProcess:
    """The app, as root, on sway posing as ``desktop`` (``XDG_CURRENT_DESKTOP``) with the session bus ``bus``
    (F9, typing); returns once it listens."""
    runtime = folder / "xdg"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "LANG": "C.UTF-8",
           **virtual_mic.env, "XDG_RUNTIME_DIR": str(runtime),
           "WAYLAND_DISPLAY": str(sway.runtime / sway.env["WAYLAND_DISPLAY"]), "XDG_SESSION_TYPE": "wayland",
           "XDG_CURRENT_DESKTOP": desktop, "DBUS_SESSION_BUS_ADDRESS": bus, "QT_QPA_PLATFORM": "wayland",
           "SWICTATION_GUI_HOME": str(folder / "app")}
    app = AppProcess([f"--config={folder / 'settings.json'}", f"--model-dir={model}", "--sound-cues=off",
                      "--hotkey=f9", "--inject=type", "--no-trailing-space"], env)
    app.wait_mic_ok(app.wait_ev("ready", 60))
    app.wait_ev("listening", 20)
    return app


def portal_dictate(app: AppProcess, portal: FakePortal, mic: VirtualMic) -> str:
    """One held dictation through the portal hotkey; the injected event's method."""
    mark = app.mark()
    portal.press()
    seq = int(app.wait_ev("recording", 20, start=mark)["seq"])
    mic.play(mic.write_wav(band_phrase(["do", "re"]), "speech.wav"))
    portal.release()
    return str(app.wait_ev("injected", 30, seq=seq)["method"])


@pytest.mark.parametrize(("method", "hotkey"), [("type", "f9"), ("paste", "f9"), ("type", "ctrl+alt+space"),
                                                ("paste", "ctrl+alt+space")])
def test_held_sway_binding_dictates_exact_unicode_into_a_native_wayland_window(
        desktop: SwaySession, virtual_mic: VirtualMic, unicode_model: Path, method: str,  # noqa: F811
        hotkey: str) -> None:
    if hotkey != "f9":
        install_binding(desktop, hotkey)
    desktop.clipboard_set("old clipboard ✓")
    app = start_app(desktop, unicode_model, method)
    try:
        # After the app: sway focuses the newest window (the app shows a small window when there is no tray).
        out = desktop.base / f"out-{method}-{hotkey}.txt"
        window = TargetWindow(WaylandScreen(desktop), out, "line", "swictation-target",  # type: ignore[arg-type]
                              prefix=user_prefix())
        try:
            mark = app.mark()
            keys = hold_f9(desktop, hotkey)
            seq = int(app.wait_ev("recording", 20, start=mark)["seq"])
            virtual_mic.play(virtual_mic.write_wav(band_phrase(["do", "re", "mi"]), "speech.wav"))
            assert keys.poll() is None, "wtype let go of the hotkey before the speech was played"
            assert keys.stdin is not None
            keys.stdin.close()  # F9 goes up: sway runs the release binding
            assert keys.wait(10) == 0
            assert app.wait_ev("injected", 30, seq=seq)["method"] == method
            assert window.wait_text(UNICODE_TEXT) == UNICODE_TEXT, app.describe()
            assert app.of("transcript")[-1]["text"] == UNICODE_TEXT
            commands = [e["command"] for e in app.of("command")]
            assert commands[:2] == ["start", "stop"], app.describe()  # from the bindings, not a key grab
            assert xenv.wait_for(lambda: desktop.clipboard_get() == "old clipboard ✓", 10), desktop.clipboard_get()
            presses = [(int(line.split()[1]), int(line.split()[2])) for line in window.key_log()]
            leaked = [(key, mods) for key, mods in presses if key == QT_F9 or (key == 0x20 and mods & QT_CTRL)]
            assert not leaked, window.key_log()
        finally:
            window.close()
    finally:
        app.stop()
        app.kill()


def test_text_for_the_apps_own_focused_window_is_kept_on_the_clipboard(
        desktop: SwaySession, virtual_mic: VirtualMic, unicode_model: Path) -> None:  # noqa: F811
    window = TargetWindow(WaylandScreen(desktop), desktop.base / "out-own.txt", "line",  # type: ignore[arg-type]
                          "swictation-target", prefix=user_prefix())
    try:
        app = start_app(desktop, unicode_model, "type")  # no tray here: its small window comes up with the focus
        try:
            mark = app.mark()
            keys = hold_f9(desktop)
            seq = int(app.wait_ev("recording", 20, start=mark)["seq"])
            virtual_mic.play(virtual_mic.write_wav(band_phrase(["do"]), "speech.wav"))
            assert keys.stdin is not None
            keys.stdin.close()
            assert keys.wait(10) == 0
            app.wait_ev("injection_failed", 30, seq=seq)
            assert xenv.wait_for(lambda: desktop.clipboard_get() == UNICODE_TEXT, 10), desktop.clipboard_get()
            assert "own window" in app.describe()
            assert window.text() == ""
        finally:
            app.stop()
            app.kill()
    finally:
        window.close()


def test_global_shortcuts_portal_hold_dictates_into_a_native_window(
        sway: SwaySession, virtual_mic: VirtualMic, unicode_model: Path, tmp_path: Path,  # noqa: F811
        session_bus: str) -> None:  # noqa: F811
    """The app on a "Hyprland" session (really sway, posing) takes its hotkey from the GlobalShortcuts portal: our
    named fake portal service on a private bus. Press and release come from the portal; wtype types into the window.
    (Posing as KDE, the text would go to the RemoteDesktop portal, first there: see tests/test_remote_desktop.py.)"""
    portal = FakePortal(session_bus)
    app = start_posing_app(sway, virtual_mic, unicode_model, tmp_path, "Hyprland", session_bus)
    try:
        assert [(sid, opts["preferred_trigger"]) for sid, opts in portal.bound] == [("push-to-talk", ("s", "F9"))]
        window = TargetWindow(WaylandScreen(sway), sway.base / "out-portal.txt", "line",  # type: ignore[arg-type]
                              "swictation-target", prefix=user_prefix())
        try:
            assert portal_dictate(app, portal, virtual_mic) == "type"
            assert window.wait_text(UNICODE_TEXT) == UNICODE_TEXT, app.describe()
            assert not app.of("command")  # the hold came from the portal, not from control commands
        finally:
            window.close()
    finally:
        app.stop()
        app.kill()
        portal.close()
