"""End-to-end, the app on a "GNOME" session (really headless sway, posing) with both portals on a private bus.

The portals are our named fake service (tests/fakes/portal.py; no GNOME portal backend runs here): the hotkey comes
from GlobalShortcuts ``Activated``/``Deactivated``, the text goes out as RemoteDesktop keysyms. Real: the app, its
recognizer with the synthetic model, speech from the PulseAudio virtual microphone, the D-Bus traffic. Checked: the
keysyms spell the transcript exactly, the user is asked once (the restore token, stored 0600, is reused by the next
run of the app).
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.desktop.wayland import SwaySession, sway  # noqa: F401 - fixture
from tests.fakes.portal import FakePortal, session_bus  # noqa: F401 - fixture
from tests.test_e2e_wayland import UNICODE_TEXT, portal_dictate, start_posing_app

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_gnome_types_through_the_remote_desktop_portal_and_asks_once(
        sway: SwaySession, virtual_mic: VirtualMic, unicode_model: Path, tmp_path: Path,  # noqa: F811
        session_bus: str) -> None:  # noqa: F811
    portal = FakePortal(session_bus)
    token = tmp_path / "app" / "state" / "remote-desktop-token"
    try:
        app = start_posing_app(sway, virtual_mic, unicode_model, tmp_path, "GNOME", session_bus)
        try:
            assert portal_dictate(app, portal, virtual_mic) == "type"
            assert xenv.wait_for(lambda: portal.typed() == UNICODE_TEXT, 10), (portal.typed(), app.describe())
            assert portal.approvals == 1
            assert stat.S_IMODE(token.stat().st_mode) == 0o600
            assert portal_dictate(app, portal, virtual_mic) == "type"  # the session is kept: no new approval
            two = f"{UNICODE_TEXT} {UNICODE_TEXT}"  # joined to the first with a space (Settings → Text)
            assert xenv.wait_for(lambda: portal.typed() == two, 10), portal.typed()
            assert portal.approvals == 1 and len(portal.selected) == 1
        finally:
            app.stop()
            app.kill()
        stored = token.read_text(encoding="utf-8")
        again = start_posing_app(sway, virtual_mic, unicode_model, tmp_path, "GNOME", session_bus)
        try:
            assert portal_dictate(again, portal, virtual_mic) == "type"
            assert xenv.wait_for(lambda: portal.typed() == two + UNICODE_TEXT, 10), portal.typed()  # a new app
            assert portal.selected[-1]["restore_token"] == ("s", stored)
            assert portal.approvals == 1  # the next run of the app was not asked again
        finally:
            again.stop()
            again.kill()
    finally:
        portal.close()
