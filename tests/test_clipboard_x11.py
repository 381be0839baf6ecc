"""The clipboard backends against a real X server: full Unicode both ways, from a worker thread."""

from __future__ import annotations

import threading

import pytest

from swictation_gui.errors import InjectionError
from swictation_gui.platform.clipboard import available_backends, create_clipboard, make_backend
from swictation_gui.platform.x11 import SelectionOwner
from tests.desktop import xenv

pytestmark = pytest.mark.e2e

TEXT = "café — naïve ß 日本語 😀 “q” ÄÖÜ\nsecond line\ttab"


@pytest.mark.parametrize("backend", ["xclip", "xsel", "pyperclip"])
def test_round_trip(xdisplay: xenv.XDisplay, backend: str) -> None:
    clipboard = make_backend(backend)
    clipboard.set_text(TEXT)
    assert xenv.wait_for(lambda: xdisplay.clipboard_get() == TEXT, 5), xdisplay.clipboard_get()
    xdisplay.clipboard_set("from outside ✓")
    assert clipboard.get_text() == "from outside ✓"


def test_default_backend_is_xclip_and_works_from_a_worker_thread(xdisplay: xenv.XDisplay) -> None:
    assert available_backends()[:2] == ["xclip", "xsel"]
    clipboard = create_clipboard()
    results: list[str | None] = []

    def worker() -> None:
        clipboard.set_text(TEXT)
        results.append(clipboard.get_text())

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)
    assert results == [TEXT]


def test_preferred_backend(xdisplay: xenv.XDisplay) -> None:
    clipboard = create_clipboard("xsel")
    assert getattr(clipboard, "name", None) == "xsel"


def test_unknown_backend_is_an_error() -> None:
    with pytest.raises(InjectionError):
        make_backend("nope")


def test_selection_owner_serves_unicode_and_reports_it(xdisplay: xenv.XDisplay) -> None:
    owner = SelectionOwner(TEXT)
    try:
        assert owner.acquire()
        assert not owner.served.is_set()
        assert xdisplay.clipboard_get() == TEXT
        assert owner.wait_served(5)
        xdisplay.clipboard_set("taken over")
        assert owner.lost.wait(5)
    finally:
        owner.close()
