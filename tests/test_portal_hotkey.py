"""The GlobalShortcuts portal hotkey against a named fake portal service (tests/fakes/portal.py) on a private bus."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from swictation_gui.platform.bindings import BindingListener
from swictation_gui.platform.portal import PortalHotkeyListener, preferred_trigger
from tests.desktop import xenv
from tests.fakes.portal import FakePortal, session_bus  # noqa: F401 - fixture


class Sink:
    """Records the listener's calls (from its thread)."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.lock = threading.Lock()

    def _add(self, event: str) -> None:
        with self.lock:
            self.events.append(event)

    def chord_down(self) -> None:
        self._add("down")

    def chord_up(self) -> None:
        self._add("up")

    def interrupted(self) -> None:
        self._add("interrupted")

    def ready(self) -> None:
        self._add("ready")

    def failed(self, message: str) -> None:
        self._add(f"failed: {message}")

    def wait(self, count: int) -> list[str]:
        xenv.wait_for(lambda: len(self.events) >= count, 10)
        with self.lock:
            return list(self.events)


@pytest.fixture
def portal(session_bus: str) -> Iterator[FakePortal]:  # noqa: F811
    service = FakePortal(session_bus)
    yield service
    service.close()


def test_preferred_trigger_uses_the_xdg_shortcut_notation() -> None:
    assert preferred_trigger("ctrl+alt+space") == "CTRL+ALT+space"
    assert preferred_trigger("f9") == "F9"
    assert preferred_trigger("super+shift+f12") == "SHIFT+LOGO+F12"


def test_activated_and_deactivated_give_hold_events(portal: FakePortal, session_bus: str) -> None:  # noqa: F811
    listener = PortalHotkeyListener("ctrl+alt+space", bus=session_bus, timeout=5)
    sink = Sink()
    listener.start(sink)
    try:
        assert sink.wait(1) == ["ready"]
        assert portal.bound == [("push-to-talk", {"description": ("s", "Push to talk (swictation-gui)"),
                                                  "preferred_trigger": ("s", "CTRL+ALT+space")})]
        portal.press()
        assert sink.wait(2) == ["ready", "down"]
        portal.press()  # a repeated Activated while held is not a second press
        portal.press("someone-else")
        portal.release()
        assert sink.wait(3) == ["ready", "down", "up"]
        portal.press()
        portal.release()
        assert sink.wait(5) == ["ready", "down", "up", "down", "up"]
    finally:
        listener.stop()
    assert listener.join(5)  # its thread has ended: nothing can reach the sink any more


def test_declined_shortcut_falls_back_to_the_next_backend(session_bus: str) -> None:  # noqa: F811
    service = FakePortal(session_bus, refuse=True)
    try:
        listener = PortalHotkeyListener("f9", fallback=BindingListener("f9", "kde"), bus=session_bus, timeout=5)
        sink = Sink()
        listener.start(sink)
        assert sink.wait(1) == ["ready"]  # from the fallback
        assert "BindShortcuts" in service.calls
        listener.stop()
        assert listener.join(5)
        failing = PortalHotkeyListener("f9", bus=session_bus, timeout=5)
        sink = Sink()
        failing.start(sink)
        events = sink.wait(1)
        assert len(events) == 1 and "cancelled by the user" in events[0], events
        failing.stop()
        assert failing.join(5)
    finally:
        service.close()


def test_portal_without_global_shortcuts_is_reported(session_bus: str) -> None:  # noqa: F811
    service = FakePortal(session_bus, with_interface=False)
    try:
        listener = PortalHotkeyListener("f9", bus=session_bus, timeout=5)
        sink = Sink()
        listener.start(sink)
        events = sink.wait(1)
        assert len(events) == 1 and "no GlobalShortcuts interface" in events[0], events
        assert listener.join(5)
    finally:
        service.close()
