"""Typing through the RemoteDesktop portal, against the named fake portal service (tests/fakes/portal.py) on a
private D-Bus bus; the clipboard the text falls back to is the real X clipboard (xclip on the test Xvfb).

No RemoteDesktop backend runs on this machine (it needs a GNOME or KDE session), so the portal side is our own
service implementing the interface; what is checked is the client: the calls, the keysyms, the restore token.
"""

from __future__ import annotations

import stat
from pathlib import Path

from swictation_gui.platform.clipboard import make_backend
from swictation_gui.platform.injection.remote_desktop import RemoteDesktopInjector, TokenStore, keysym
from tests.desktop import xenv
from tests.fakes.portal import FakePortal, session_bus  # noqa: F401 - fixture

TEXT = "café — naïve ß 日本語 😀\nnext\tline"


def test_keysyms_latin1_as_is_others_as_unicode_keysyms() -> None:
    assert [keysym(c) for c in "aZ é"] == [0x61, 0x5A, 0x20, 0xE9]
    assert keysym("—") == 0x01002014
    assert keysym("日") == 0x010065E5
    assert keysym("😀") == 0x0101F600
    assert keysym("\n") == 0xFF0D and keysym("\t") == 0xFF09


def test_text_is_typed_as_keysyms_and_the_token_is_kept(session_bus: str, tmp_path: Path) -> None:  # noqa: F811
    service = FakePortal(session_bus)
    tokens = TokenStore(tmp_path / "state" / "remote-desktop-token")
    try:
        first = RemoteDesktopInjector(clipboard=make_backend("pyperclip"), tokens=tokens, bus=session_bus, timeout=5)
        result = first.inject(TEXT)
        assert result.ok, result.message
        assert service.typed() == TEXT
        assert [state for _, state in service.keysyms] == [1, 0] * len(TEXT)  # each key pressed, then released
        assert [k for k, state in service.keysyms if state == 1] == [keysym(c) for c in TEXT]
        assert service.approvals == 1
        assert service.selected[0]["types"] == ("u", 1) and service.selected[0]["persist_mode"] == ("u", 2)
        assert "restore_token" not in service.selected[0]
        assert stat.S_IMODE(tokens.path.stat().st_mode) == 0o600
        stored = tokens.load()
        assert stored
        assert first.inject("again").ok  # the same session is kept: no new Start
        assert service.typed() == TEXT + "again" and len(service.selected) == 1
        first.close()

        second = RemoteDesktopInjector(clipboard=make_backend("pyperclip"), tokens=tokens, bus=session_bus, timeout=5)
        assert second.inject("ß").ok
        assert service.selected[1]["restore_token"] == ("s", stored)
        assert service.approvals == 1  # the token was accepted: the user was not asked again
        assert tokens.load() not in ("", stored)  # the new single-use token replaced it
        assert stat.S_IMODE(tokens.path.stat().st_mode) == 0o600
        second.close()

        service.revoke_tokens()  # the user revoked the permission: the desktop asks again, once
        third = RemoteDesktopInjector(clipboard=make_backend("pyperclip"), tokens=tokens, bus=session_bus, timeout=5)
        assert third.inject("ok").ok
        assert service.approvals == 2
        third.close()
    finally:
        service.close()


def test_declined_start_is_reported_and_the_text_stays_on_the_clipboard(
        xdisplay: xenv.XDisplay, session_bus: str, tmp_path: Path) -> None:  # noqa: F811
    service = FakePortal(session_bus, remote_reject=True)
    tokens = TokenStore(tmp_path / "token")
    tokens.save("stale-token")
    try:
        injector = RemoteDesktopInjector(clipboard=make_backend("xclip"), tokens=tokens, bus=session_bus, timeout=5)
        result = injector.inject(TEXT)
        assert not result.ok
        assert "declined" in result.message and "The text is on the clipboard" in result.message, result.message
        assert xenv.wait_for(lambda: xdisplay.clipboard_get() == TEXT, 5), xdisplay.clipboard_get()
        assert service.keysyms == []
        assert service.selected[0]["restore_token"] == ("s", "stale-token")
        assert tokens.load() == ""  # the refused token is forgotten
    finally:
        service.close()


def test_no_portal_on_the_bus_is_reported(session_bus: str, tmp_path: Path) -> None:  # noqa: F811
    clipboard = make_backend("pyperclip")
    injector = RemoteDesktopInjector(clipboard=clipboard, tokens=TokenStore(tmp_path / "t"), bus=session_bus,
                                     timeout=5)
    result = injector.inject("words")
    assert not result.ok and "CreateSession failed" in result.message, result.message


def test_an_idle_session_is_closed_and_the_next_text_restores_it_without_asking(
        session_bus: str, tmp_path: Path) -> None:  # noqa: F811
    """The desktop's remote-control indicator must not stay on between dictations far apart."""
    service = FakePortal(session_bus)
    tokens = TokenStore(tmp_path / "token")
    injector = RemoteDesktopInjector(clipboard=make_backend("pyperclip"), tokens=tokens, bus=session_bus, timeout=5,
                                     idle_close_s=0.5)
    try:
        assert injector.inject("one ").ok
        assert service.live_sessions() == 1 and service.approvals == 1
        assert injector.inject("two ").ok  # within the idle time: the same session
        assert len(service.starters) == 1
        assert xenv.wait_for(lambda: injector.session_handle == "" and service.live_sessions() == 0, 10), \
            "the idle session was not closed"
        assert injector.inject("three").ok  # a new session, restored by the token: nobody is asked
        assert service.typed() == "one two three"
        assert len(service.starters) == 2 and service.approvals == 1 and service.live_sessions() == 1
    finally:
        injector.close()
        service.close()
