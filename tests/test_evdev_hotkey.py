"""The evdev hotkey reader, fed real kernel ``struct input_event`` records through FIFOs.

No /dev/input keyboards exist on this machine, so each "keyboard" is a named pipe that the test writes 24-byte
records to, in the kernel's own binary format (timeval, type, code, value); the listener reads it exactly as it
reads a device (open, select, read). The permission path runs the listener as uid 65534 (setpriv, no
capabilities) against a root-only device file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from swictation_gui.platform.bindings import BindingListener
from swictation_gui.platform.evdev import EvdevHotkeyListener, key_name, keyboards, probe
from tests.desktop import xenv
from tests.desktop.hotkey_sink import RecordingSink

REPO = Path(__file__).resolve().parents[1]
EV_SYN, EV_KEY, EV_MSC = 0, 1, 4
KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_SPACE, KEY_A, KEY_ESC, KEY_F9 = 29, 97, 56, 57, 30, 1, 67


def record(kind: int, code: int, value: int) -> bytes:
    """One ``struct input_event`` as the kernel writes it on 64-bit Linux (written out field by field)."""
    now = time.time()
    return struct.pack("=qqHHi", int(now), int(now % 1 * 1e6), kind, code, value)


def key(code: int, value: int) -> bytes:
    """A key event as a keyboard reports it: MSC_SCAN, EV_KEY, SYN_REPORT."""
    return record(EV_MSC, 4, 0x70000 + code) + record(EV_KEY, code, value) + record(EV_SYN, 0, 0)


class Keyboard:
    """A FIFO standing in for /dev/input/eventN; the test holds its write end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self.fd = os.open(path, os.O_RDWR)  # a writer exists before the listener opens it

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def unplug(self) -> None:
        os.close(self.fd)


@pytest.fixture
def keyboard(tmp_path: Path) -> Iterator[Keyboard]:
    kb = Keyboard(tmp_path / "event3")
    yield kb
    with contextlib.suppress(OSError):
        os.close(kb.fd)


def started(listener: EvdevHotkeyListener) -> RecordingSink:
    sink = RecordingSink()
    listener.start(sink)
    assert sink.wait_outcome() == "ready", sink.outcome
    return sink


def test_record_size_and_key_names() -> None:
    assert len(record(EV_KEY, KEY_A, 1)) == 24
    assert [key_name(c) for c in (KEY_RIGHTCTRL, KEY_SPACE, KEY_A, KEY_F9, 2, 11, 88, 999)] == [
        "ctrl_r", "space", "a", "f9", "1", "0", "f12", "code:999"]


def test_hold_chord_from_raw_records(keyboard: Keyboard) -> None:
    listener = EvdevHotkeyListener("ctrl_r", devices=[str(keyboard.path)])
    sink = started(listener)
    try:
        keyboard.send(key(KEY_RIGHTCTRL, 1) + key(KEY_RIGHTCTRL, 2) + key(KEY_RIGHTCTRL, 2))  # held: auto-repeat
        assert sink.wait(1) == ["down"]
        whole = key(KEY_RIGHTCTRL, 0)
        keyboard.send(whole[:30])  # a record split across two reads
        keyboard.send(whole[30:])
        assert sink.wait(2) == ["down", "up"]
        keyboard.send(key(KEY_LEFTCTRL, 1) + key(KEY_LEFTCTRL, 0))  # the other Ctrl is not the hotkey
        keyboard.send(key(KEY_RIGHTCTRL, 1))
        assert sink.wait(3) == ["down", "up", "down"]
        keyboard.send(key(KEY_A, 1) + key(KEY_A, 0) + key(KEY_ESC, 1))  # used in a shortcut: interrupted, once
        keyboard.send(key(KEY_RIGHTCTRL, 0))
        assert sink.wait(5) == ["down", "up", "down", "interrupted", "up"]
    finally:
        listener.stop()
    assert listener.join(5)


def test_multi_key_chord_cancel_key_and_two_keyboards(tmp_path: Path, keyboard: Keyboard) -> None:
    second = Keyboard(tmp_path / "event7")
    listener = EvdevHotkeyListener("ctrl+alt+space", cancel_key="esc",
                                   devices=[str(keyboard.path), str(second.path)])
    sink = started(listener)
    try:
        keyboard.send(key(KEY_LEFTCTRL, 1) + key(KEY_LEFTALT, 1))
        second.send(key(KEY_SPACE, 1))  # the chord's last key on the other keyboard
        assert sink.wait(1) == ["down"]
        second.send(key(KEY_ESC, 1) + key(KEY_ESC, 0))
        assert sink.wait(2) == ["down", "cancel_key"]
        second.send(key(KEY_SPACE, 0))
        assert sink.wait(3) == ["down", "cancel_key", "up"]
    finally:
        listener.stop()
        second.unplug()
    assert listener.join(5)


def test_every_keyboard_gone_is_reported(keyboard: Keyboard) -> None:
    listener = EvdevHotkeyListener("f9", devices=[str(keyboard.path)])
    sink = started(listener)
    keyboard.unplug()
    assert xenv.wait_for(lambda: len(sink.outcome) == 2, 5), sink.outcome
    assert "went away" in sink.outcome[1]
    assert listener.join(5)


def test_no_keyboards_is_reported_or_falls_back(tmp_path: Path) -> None:
    listener = EvdevHotkeyListener("f9", devices=[])
    sink = RecordingSink()
    listener.start(sink)
    assert "no keyboard devices were found" in sink.wait_outcome()
    assert listener.join(5)
    fallback = EvdevHotkeyListener("f9", devices=[str(tmp_path / "missing")], fallback=BindingListener("f9", "kde"))
    sink = started(fallback)
    assert sink.outcome == ["ready"]  # from the compositor-binding listener
    fallback.stop()
    assert fallback.join(5)
    assert probe([]) == "no keyboard devices under /dev/input"


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to drop to uid 65534")
def test_unreadable_devices_are_reported_with_the_fix(tmp_path: Path, keyboard: Keyboard) -> None:
    """Run as uid 65534 with no capabilities (system Python: the module is stdlib-only) against a 0600 root FIFO."""
    os.chmod(keyboard.path, 0o600)
    tmp_path.chmod(0o755)
    script = ("import sys, threading\n"
              "from swictation_gui.platform.evdev import EvdevHotkeyListener, probe\n"
              "done = threading.Event()\n"
              "class Sink:\n"
              "    def ready(self): print('READY'); done.set()\n"
              "    def failed(self, m): print('FAILED', m); done.set()\n"
              f"listener = EvdevHotkeyListener('f9', devices=[{str(keyboard.path)!r}])\n"
              "listener.start(Sink())\n"
              "done.wait(10)\n"
              f"print('PROBE', probe([{str(keyboard.path)!r}]))\n")
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                          "--bounding-set=-all", "env", f"PYTHONPATH={REPO}", python, "-c", script],
                         capture_output=True, text=True, timeout=60, check=False, cwd="/")
    assert "FAILED" in out.stdout, out.stdout + out.stderr
    assert "no permission to read" in out.stdout and "usermod -aG input" in out.stdout
    assert f"PROBE no permission to read {keyboard.path}" in out.stdout


def test_keyboards_are_found_by_their_key_capabilities(tmp_path: Path) -> None:
    """A sysfs tree in the kernel's format: the capability bitmap in 64-bit hex words, highest word first."""
    def device(name: str, words: str) -> None:
        folder = tmp_path / name / "device" / "capabilities"
        folder.mkdir(parents=True)
        (folder / "key").write_text(words + "\n", encoding="ascii")

    device("event0", "0")  # power button style: no keys
    device("event2", "1f0000 0 0 0 0")  # a mouse: only BTN_* (bits 272+)
    device("event3", "7 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe")  # a keyboard: KEY_A (bit 30) set
    assert keyboards(str(tmp_path)) == ["/dev/input/event3"]


@pytest.mark.parametrize("desktop", ["sway", "KDE", "GNOME"])
def test_the_opt_in_evdev_reader_is_the_listener_the_app_builds_when_the_chain_marks_it_active(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, desktop: str) -> None:
    """Settings and ``doctor`` show the chain; the app must build the listener it marks active (on every compositor,
    where the portal and the bindings stand by before evdev). NAMED FAKE: no /dev/input keyboard exists here, so
    ``keyboards()`` lists a readable file of ours."""
    from swictation_gui.platform import evdev, session
    from swictation_gui.platform.keyboard_state import KeyboardState
    from swictation_gui.settings.schema import Settings
    from swictation_gui.ui.live_parts import make_hotkey

    readable = tmp_path / "event3"
    readable.write_bytes(b"")
    monkeypatch.setattr(evdev, "keyboards", lambda *_a: [str(readable)])
    for name in ("DISPLAY", "SWAYSOCK", "HYPRLAND_INSTANCE_SIGNATURE", "KDE_FULL_SESSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-1")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", desktop)
    if desktop == "sway":
        monkeypatch.setenv("SWAYSOCK", str(tmp_path / "sway.sock"))
    chain = session.chains(session.detect(), evdev=True)[0]
    assert session.active(chain) is not None and session.active(chain).name == "evdev"  # type: ignore[union-attr]
    assert isinstance(make_hotkey(Settings(hotkey="f9", evdev_hotkey=True), KeyboardState()), EvdevHotkeyListener)
    assert not isinstance(make_hotkey(Settings(hotkey="f9"), KeyboardState()), EvdevHotkeyListener)  # opt-in
