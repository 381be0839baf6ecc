"""A fake XDG desktop portal (GlobalShortcuts only) on a private D-Bus session bus, for tests.

Named fake: no real portal backend with GlobalShortcuts runs here (xdg-desktop-portal 1.16 on Debian 12 has no
backend for it without a running KDE or GNOME session). It is a real D-Bus service: a private ``dbus-daemon``, a
jeepney connection that owns ``org.freedesktop.portal.Desktop`` and implements the interface's
``CreateSession`` and ``BindShortcuts`` (answering through ``org.freedesktop.portal.Request`` ``Response`` signals as
the spec says) and the ``version`` property; the test presses and releases the bound shortcut with :meth:`press`
and :meth:`release`, which emit ``Activated`` and ``Deactivated``. ``refuse=True`` makes ``BindShortcuts`` answer
"cancelled by the user" (response code 1), as when the user declines the desktop's dialog.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress, HeaderFields, MessageType, message_bus, new_error, new_method_return, new_signal
from jeepney.io.blocking import open_dbus_connection

BUS_NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
IFACE = "org.freedesktop.portal.GlobalShortcuts"


class FakePortal:
    """The service (see the module docstring); ``bound`` holds what ``BindShortcuts`` received."""

    def __init__(self, address: str, refuse: bool = False, with_interface: bool = True) -> None:
        self.address = address
        self.refuse = refuse
        self.with_interface = with_interface
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
        while not self._stop.is_set():
            try:
                msg = self._conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            except (OSError, ValueError):
                return
            if msg.header.message_type is MessageType.method_call:
                self._handle(msg)

    def _handle(self, msg: Any) -> None:
        member = msg.header.fields.get(HeaderFields.member)
        iface = msg.header.fields.get(HeaderFields.interface)
        sender = str(msg.header.fields.get(HeaderFields.sender))[1:].replace(".", "_")
        self.calls.append(str(member))
        if member == "Get" and iface == "org.freedesktop.DBus.Properties":
            if not self.with_interface or msg.body[0] != IFACE:
                self._send(new_error(msg, "org.freedesktop.DBus.Error.UnknownInterface", "s", ("no such interface",)))
            else:
                self._send(new_method_return(msg, "v", (("u", 1),)))
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
