"""ydotool as the last text-output resort: the backend against a named fake ``ydotool`` executable, the chain logic.

Named fake: there is no /dev/uinput on this machine, so neither ydotoold nor ydotool itself can run (the real
ydotool 0.1.8 aborts with "failed to open uinput device"). tests/fakes/bin/ydotool is put first on PATH and records
its argv and the text it was given; what is tested is our side: which text is sent, how, and what the user is told.
The clipboard the text is left on is the real X clipboard (xclip on the test Xvfb).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from swictation_gui.platform import session
from swictation_gui.platform.clipboard import make_backend
from swictation_gui.platform.injection.ydotool import YdotoolInjector, ascii_safe
from tests.desktop import xenv

FAKE_BIN = Path(__file__).parent / "fakes" / "bin"


@pytest.fixture
def fake_ydotool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The named fake ydotool first on PATH; returns the file its calls are recorded in."""
    record = tmp_path / "ydotool.jsonl"
    monkeypatch.setenv("PATH", f"{FAKE_BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_YDOTOOL_LOG", str(record))
    return record


def calls(record: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()] if record.exists() else []


def test_ascii_text_is_typed_from_stdin_and_left_on_the_clipboard(
        fake_ydotool: Path, xdisplay: xenv.XDisplay) -> None:
    text = "-n starts with a dash; tabs\tand\nlines (100% ASCII)"
    result = YdotoolInjector(clipboard=make_backend("xclip")).inject(text)
    assert result.ok, result.message
    assert calls(fake_ydotool) == [{"argv": ["type", "--key-delay", "4", "--file", "/dev/stdin"], "stdin": text}]
    assert xenv.wait_for(lambda: xdisplay.clipboard_get() == text, 5)


def test_other_characters_are_not_typed_but_left_on_the_clipboard(
        fake_ydotool: Path, xdisplay: xenv.XDisplay) -> None:
    text = "café — naïve ß 日本語 😀"
    result = YdotoolInjector(clipboard=make_backend("xclip")).inject(text)
    assert not result.ok
    assert "ASCII only" in result.message and "The text is on the clipboard" in result.message, result.message
    assert calls(fake_ydotool) == []  # nothing half-typed
    assert xenv.wait_for(lambda: xdisplay.clipboard_get() == text, 5)


def test_a_failing_ydotool_is_reported_with_its_error(fake_ydotool: Path, xdisplay: xenv.XDisplay,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_YDOTOOL_FAIL", "1")
    result = YdotoolInjector(clipboard=make_backend("xclip")).inject("hello")
    assert not result.ok and "failed to open uinput device" in result.message, result.message
    assert len(calls(fake_ydotool)) == 1
    assert xenv.wait_for(lambda: xdisplay.clipboard_get() == "hello", 5)


def test_ascii_safe() -> None:
    assert ascii_safe("Hello, world!\n\t~")
    assert not ascii_safe("é") and not ascii_safe("\x7f") and not ascii_safe("😀")


def test_chain_skips_ydotool_without_its_daemon_and_says_how_to_start_it(tmp_path: Path) -> None:
    gnome = session.detect({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "GNOME"})  # no D-Bus: no portal
    tools = {"ydotool", "wl-copy", "wl-paste"}
    which: session.Which = lambda name: f"/usr/bin/{name}" if name in tools else None  # noqa: E731
    without = {x.name: x for x in session.injection_chain(gnome, which, ydotoold=False)}
    assert without["ydotool"].status == "skipped" and "ydotoold is not running" in without["ydotool"].detail
    assert "systemctl --user enable --now ydotool" in without["ydotool"].fix
    assert "usermod -aG input" in without["ydotool"].fix
    assert session.active(list(without.values())).name == "clipboard-only"  # type: ignore[union-attr]
    with_daemon = session.injection_chain(gnome, which, ydotoold=True)
    assert session.active(with_daemon).name == "ydotool"  # type: ignore[union-attr]
    missing = {x.name: x for x in session.injection_chain(gnome, lambda _: None, ydotoold=True)}
    assert missing["ydotool"].fix == "install ydotool (sudo apt install ydotool)"
    sock = tmp_path / "ydo.sock"
    assert session.ydotool_socket({"YDOTOOL_SOCKET": str(sock)}) in (None, "/tmp/.ydotool_socket")
    sock.touch()
    assert session.ydotool_socket({"YDOTOOL_SOCKET": str(sock)}) == str(sock)
    assert session.ydotool_socket({"XDG_RUNTIME_DIR": str(tmp_path)}) in (None, "/tmp/.ydotool_socket")
    (tmp_path / ".ydotool_socket").touch()
    assert session.ydotool_socket({"XDG_RUNTIME_DIR": str(tmp_path)}) == str(tmp_path / ".ydotool_socket")
