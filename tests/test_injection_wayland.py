"""The Wayland injector against a real headless sway: exact text, and what it does when delivery fails or can't be
checked (the text stays on the clipboard and the message says so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from swictation_gui.platform import session
from swictation_gui.platform.base import InjectionMethod
from swictation_gui.platform.injection import ClipboardOnlyInjector, create_injector
from swictation_gui.platform.injection.wayland import WaylandInjector, sway_focus
from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.wayland import KwinSession, SwaySession, WaylandScreen, kwin, sway, user_prefix  # noqa: F401

pytestmark = [pytest.mark.e2e]

TEXT = "Grüße — ½ ß 日本語 😀 \"quoted\" -dash"


@pytest.fixture
def client_env(sway: SwaySession, monkeypatch: pytest.MonkeyPatch) -> SwaySession:  # noqa: F811
    """This process becomes a client of the sway session (the injector runs here)."""
    for key in ("DISPLAY", "XDG_CURRENT_DESKTOP", "HYPRLAND_INSTANCE_SIGNATURE", "KDE_FULL_SESSION"):
        monkeypatch.delenv(key, raising=False)
    for key, value in sway.env.items():
        monkeypatch.setenv(key, value)
    return sway


def window(sway: SwaySession, mode: str, name: str) -> TargetWindow:  # noqa: F811
    return TargetWindow(WaylandScreen(sway), sway.base / name, mode, "swictation-target",  # type: ignore[arg-type]
                        prefix=user_prefix())


def test_factory_picks_wtype_on_sway(client_env: SwaySession) -> None:
    assert session.detect().compositor == "sway"
    assert isinstance(create_injector("type"), WaylandInjector)


@pytest.mark.parametrize("method", [InjectionMethod.TYPE, InjectionMethod.PASTE])
def test_text_arrives_exactly_and_the_clipboard_is_restored(client_env: SwaySession, method: InjectionMethod) -> None:
    target = window(client_env, "text", f"{method.value}.txt")
    try:
        client_env.clipboard_set("before ✓")
        result = WaylandInjector(method).inject(TEXT + "\nline two")
        assert result.ok and result.method == method.value, result
        assert target.wait_text(TEXT + "\nline two") == TEXT + "\nline two"
        assert xenv.wait_for(lambda: client_env.clipboard_get() == "before ✓", 10), client_env.clipboard_get()
    finally:
        target.close()


def test_auto_pastes_long_text_and_types_short_text(client_env: SwaySession) -> None:
    target = window(client_env, "text", "auto.txt")
    try:
        client_env.clipboard_set("before")
        injector = WaylandInjector(InjectionMethod.AUTO)
        short, long = TEXT, ("ünïcode words " * 10).strip()
        assert injector.inject(short).method == "type"
        assert injector.inject(long).method == "paste"
        assert target.wait_text(short + long) == short + long
        assert xenv.wait_for(lambda: client_env.clipboard_get() == "before", 10), client_env.clipboard_get()
    finally:
        target.close()


def test_paste_nobody_reads_leaves_the_text_on_the_clipboard(client_env: SwaySession) -> None:
    target = window(client_env, "terminal", "term.txt")  # Ctrl+V inserts "^V" and reads no clipboard
    try:
        client_env.clipboard_set("before")
        # Without the focus check the injector cannot tell it is a terminal, so it sends Ctrl+V.
        result = WaylandInjector(InjectionMethod.PASTE, paste_timeout=1.0, check_focus=False).inject(TEXT)
        assert not result.ok and "clipboard" in result.message, result
        assert target.wait_text("^V") == "^V"
        assert xenv.wait_for(lambda: client_env.clipboard_get() == TEXT, 10), client_env.clipboard_get()
    finally:
        target.close()


def test_terminal_gets_ctrl_shift_v(client_env: SwaySession) -> None:
    target = window(client_env, "terminal", "term.txt")
    try:
        client_env.clipboard_set("before")
        result = WaylandInjector(InjectionMethod.PASTE).inject(TEXT)
        assert result.ok, result
        assert target.wait_text(TEXT) == TEXT
        assert xenv.wait_for(lambda: client_env.clipboard_get() == "before", 10), client_env.clipboard_get()
    finally:
        target.close()


def test_no_focused_window_is_caught_and_the_text_kept(client_env: SwaySession) -> None:
    assert sway_focus() == ("no window has the keyboard focus", "")  # an empty workspace has the focus
    client_env.clipboard_set("before")
    result = WaylandInjector(InjectionMethod.TYPE).inject(TEXT)
    assert not result.ok and "no window has the keyboard focus" in result.message, result
    assert "on the clipboard" in result.message
    assert xenv.wait_for(lambda: client_env.clipboard_get() == TEXT, 10), client_env.clipboard_get()


def test_gnome_without_virtual_keyboard_uses_the_clipboard_and_says_why(
        client_env: SwaySession, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SWAYSOCK")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "GNOME")
    injector = create_injector("auto")
    assert isinstance(injector, ClipboardOnlyInjector)
    result = injector.inject(TEXT)
    assert not result.ok and "Mutter" in result.message and "on the clipboard" in result.message
    assert xenv.wait_for(lambda: client_env.clipboard_get() == TEXT, 10)


def test_kwin_refuses_wtype_and_the_text_is_left_on_the_clipboard(
        kwin: KwinSession, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Real KWin 5.27 (``--virtual``): it offers the virtual-keyboard protocol to input methods only. The injector
    chosen for a KDE session tries wtype, catches the refusal and leaves the text on the clipboard."""
    for key in ("DISPLAY", "SWAYSOCK", "HYPRLAND_INSTANCE_SIGNATURE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in kwin.env.items():
        monkeypatch.setenv(key, value)
    target = window(kwin, "line", "kwin.txt")
    try:
        kwin.clipboard_set("before")
        injector = create_injector("type")
        assert isinstance(injector, WaylandInjector)
        result = injector.inject(TEXT)
        assert not result.ok and "virtual keyboard protocol" in result.message, result
        assert "on the clipboard" in result.message
        assert xenv.wait_for(lambda: kwin.clipboard_get() == TEXT, 10), kwin.clipboard_get()
        assert target.text() == ""
    finally:
        target.close()
