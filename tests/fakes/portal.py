"""A fake XDG desktop portal (GlobalShortcuts and RemoteDesktop) on a private D-Bus session bus, for tests.

Named fake: no real portal backend with GlobalShortcuts runs here (xdg-desktop-portal 1.16 on Debian 12 has no
backend for it without a running KDE or GNOME session). It is a real D-Bus service: a private ``dbus-daemon``, a
jeepney connection that owns ``org.freedesktop.portal.Desktop`` and implements the interface's
``CreateSession`` and ``BindShortcuts`` (answering through ``org.freedesktop.portal.Request`` ``Response`` signals as
the spec says) and the ``version`` property; the test presses and releases the bound shortcut with :meth:`press`
and :meth:`release`, which emit ``Activated`` and ``Deactivated``. ``refuse=True`` makes ``BindShortcuts`` answer
"cancelled by the user" (response code 1), as when the user declines the desktop's dialog.

RemoteDesktop (no backend for it runs here either): ``CreateSession``, ``SelectDevices``, ``Start`` and
``NotifyKeyboardKeysym``. ``Start`` "asks the user" (counted in ``approvals``) unless ``SelectDevices`` brought a
restore token it issued and has not seen used (tokens are single-use, as in the spec), and answers a new token
when ``persist_mode`` was given; ``remote_reject=True`` makes the user decline (code 1); :meth:`revoke_tokens`
forgets the tokens, as when the user revokes the permission. ``keysyms`` records each (keysym, state) received.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress, HeaderFields, MessageType, message_bus, new_error, new_method_return, new_signal
from jeepney.io.blocking import open_dbus_connection

BUS_NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
IFACE = "org.freedesktop.portal.GlobalShortcuts"
RD_IFACE = "org.freedesktop.portal.RemoteDesktop"


def serve_calls(conn: Any, stop: threading.Event, handle: Callable[[Any], None]) -> None:
    """Hand each method call arriving on ``conn`` to ``handle`` until ``stop`` is set or the bus goes away (the
    fake service's thread)."""
    while not stop.is_set():
        try:
            msg = conn.receive(timeout=0.1)
        except TimeoutError:
            continue
        except (OSError, ValueError):
            return
        if msg.header.message_type is MessageType.method_call:
            handle(msg)


class FakePortal:
    """The service (see the module docstring); ``bound`` holds what ``BindShortcuts`` received."""

    def __init__(self, address: str, refuse: bool = False, with_interface: bool = True,
                 remote_reject: bool = False) -> None:
        self.address = address
        self.refuse = refuse
        self.with_interface = with_interface
        self.remote_reject = remote_reject
        self.approvals = 0
        self.keysyms: list[tuple[int, int]] = []
        self.selected: list[dict[str, Any]] = []
        self._tokens: set[str] = set()
        self._issued = 0
        self._started: set[str] = set()
        self.starters: list[str] = []  # the unique bus name of each client whose RemoteDesktop session started
        self.bound: list[tuple[str, dict[str, Any]]] = []
        self.sessions: list[str] = []
        self.calls: list[str] = []
        self._conn = open_dbus_connection(address)
        reply = self._conn.send_and_get_reply(message_bus.RequestName(BUS_NAME), timeout=5)
        assert reply.body[0] == 1, f"could not own {BUS_NAME}: {reply.body}"
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-portal", daemon=True)
        self._thread.start()

    def _send(self, msg: Any) -> None:
        with self._lock:
            self._conn.send(msg)

    def _serve(self) -> None:
        serve_calls(self._conn, self._stop, self._handle)

    def _handle(self, msg: Any) -> None:
        member = msg.header.fields.get(HeaderFields.member)
        iface = msg.header.fields.get(HeaderFields.interface)
        raw_sender = str(msg.header.fields.get(HeaderFields.sender))
        sender = raw_sender[1:].replace(".", "_")
        self.calls.append(str(member))
        if member == "Get" and iface == "org.freedesktop.DBus.Properties":
            if not self.with_interface or msg.body[0] not in (IFACE, RD_IFACE):
                self._send(new_error(msg, "org.freedesktop.DBus.Error.UnknownInterface", "s", ("no such interface",)))
            else:
                self._send(new_method_return(msg, "v", (("u", 1),)))
            return
        if iface == RD_IFACE:
            if member == "Start":
                self.starters.append(raw_sender)
            self._remote_desktop(msg, str(member), sender)
            return
        if iface != IFACE or not self.with_interface:
            self._send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"unknown {member}",)))
            return
        options = msg.body[-1]
        request = f"{PATH}/request/{sender}/{options['handle_token'][1]}"
        self._send(new_method_return(msg, "o", (request,)))
        if member == "CreateSession":
            handle = f"{PATH}/session/{sender}/{options['session_handle_token'][1]}"
            self.sessions.append(handle)
            code, results = 0, {"session_handle": ("o", handle)}
        elif member == "BindShortcuts":
            shortcuts = [(sid, dict(opts)) for sid, opts in msg.body[1]]
            if self.refuse:
                code, results = 1, {}
            else:
                self.bound += shortcuts
                listed = [(sid, {"description": opts["description"],
                                 "trigger_description": opts.get("preferred_trigger", ("s", ""))})
                          for sid, opts in shortcuts]
                code, results = 0, {"shortcuts": ("a(sa{sv})", listed)}
        else:
            code, results = 2, {}
        self._send(new_signal(DBusAddress(request, interface="org.freedesktop.portal.Request"), "Response",
                              "ua{sv}", (code, results)))

    def _remote_desktop(self, msg: Any, member: str, sender: str) -> None:
        if member == "NotifyKeyboardKeysym":
            session, _options, keysym, state = msg.body
            if session not in self._started:
                self._send(new_error(msg, "org.freedesktop.portal.Error.InvalidArgument", "s", ("not started",)))
                return
            self.keysyms.append((int(keysym), int(state)))
            self._send(new_method_return(msg))
            return
        options = msg.body[-1]
        request = f"{PATH}/request/{sender}/{options['handle_token'][1]}"
        self._send(new_method_return(msg, "o", (request,)))
        code, results = 0, {}
        if member == "CreateSession":
            handle = f"{PATH}/session/{sender}/{options['session_handle_token'][1]}"
            results = {"session_handle": ("o", handle)}
        elif member == "SelectDevices":
            self.selected.append(dict(options))
        elif member == "Start":
            chosen = self.selected[-1]
            token = chosen.get("restore_token", ("s", ""))[1]
            if token in self._tokens:
                self._tokens.discard(token)  # single use
            else:  # the desktop shows its dialog
                self.approvals += 1
                if self.remote_reject:
                    code = 1
            if code == 0:
                self._started.add(msg.body[0])
                results = {"devices": ("u", chosen.get("types", ("u", 7))[1])}
                if "persist_mode" in chosen:
                    self._issued += 1
                    new = f"fake-token-{self._issued}"
                    self._tokens.add(new)
                    results["restore_token"] = ("s", new)
        else:
            code = 2
        self._send(new_signal(DBusAddress(request, interface="org.freedesktop.portal.Request"), "Response",
                              "ua{sv}", (code, results)))

    def live_sessions(self) -> int:
        """How many started RemoteDesktop sessions are still alive: a session ends with its client's connection,
        as the real portal ends it (asked of the bus: ``NameHasOwner`` of each starter)."""
        conn = open_dbus_connection(self.address)
        try:
            return sum(bool(conn.send_and_get_reply(message_bus.NameHasOwner(name), timeout=5).body[0])
                       for name in self.starters)
        finally:
            conn.close()

    def revoke_tokens(self) -> None:
        """The user revoked the permission: no stored token is accepted any more."""
        self._tokens.clear()

    def typed(self) -> str:
        """The text the pressed keysyms spell (Latin-1 keysyms, Unicode keysyms, Return and Tab)."""
        out = []
        for keysym, state in self.keysyms:
            if state == 1:
                out.append({0xFF0D: "\n", 0xFF09: "\t"}.get(keysym) or
                           chr(keysym - 0x01000000 if keysym >= 0x01000000 else keysym))
        return "".join(out)

    def _emit(self, member: str, shortcut_id: str) -> None:
        self._send(new_signal(DBusAddress(PATH, interface=IFACE), member, "osta{sv}",
                              (self.sessions[-1], shortcut_id, int(time.monotonic() * 1000), {})))

    def press(self, shortcut_id: str = "push-to-talk") -> None:
        """The user pressed the bound shortcut."""
        self._emit("Activated", shortcut_id)

    def release(self, shortcut_id: str = "push-to-talk") -> None:
        """The user released it."""
        self._emit("Deactivated", shortcut_id)

    def close(self) -> None:
        """Stop serving and disconnect."""
        self._stop.set()
        self._thread.join(5)
        self._conn.close()


@contextlib.contextmanager
def private_bus(folder: Path) -> Iterator[str]:
    """A private ``dbus-daemon`` session bus listening in ``folder``; yields its address."""
    address = f"unix:path={folder / 'bus'}"
    proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", f"--address={address}", "--print-address=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode().strip()
        assert line, "dbus-daemon did not start"
        yield line
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[str]:
    """The address of a private session bus for one test (skipped without dbus-daemon)."""
    if subprocess.run(["which", "dbus-daemon"], capture_output=True, check=False).returncode != 0:
        pytest.skip("dbus-daemon is not installed (apt install dbus)")
    with private_bus(tmp_path) as address:
        yield address
