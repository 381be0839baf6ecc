"""A fake ``org.kde.StatusNotifierWatcher`` on a private D-Bus session bus, for tests of the tray on Wayland.

Named fake: no tray host (a panel such as swaybar, waybar or Plasma's) runs here. It is a real D-Bus service (a
jeepney connection owning ``org.kde.StatusNotifierWatcher`` at ``/StatusNotifierWatcher``) that answers what Qt asks
before it uses the StatusNotifierItem protocol (introspection, ``IsStatusNotifierHostRegistered`` = true) and records
each ``RegisterStatusNotifierItem`` call; :meth:`item_property` reads a property of a registered item back over the
bus, which shows that the item really is exported.
"""

from __future__ import annotations

import threading
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MessageType,
    message_bus,
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)
from jeepney.io.blocking import open_dbus_connection

from tests.fakes.portal import serve_calls

BUS_NAME = "org.kde.StatusNotifierWatcher"
PATH = "/StatusNotifierWatcher"
IFACE = "org.kde.StatusNotifierWatcher"
_XML = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="{IFACE}">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="v" direction="out"/></method>
    <method name="GetAll"><arg type="s" direction="in"/><arg type="a{{sv}}" direction="out"/></method>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg type="s" direction="out"/></method>
  </interface>
</node>
"""


class FakeWatcher:
    """The service (see the module docstring); ``items`` holds (service argument, caller's unique name) pairs."""

    def __init__(self, address: str) -> None:
        self.items: list[tuple[str, str]] = []
        self.calls: list[str] = []
        self._conn = open_dbus_connection(address)
        reply = self._conn.send_and_get_reply(message_bus.RequestName(BUS_NAME), timeout=5)
        assert reply.body[0] == 1, f"could not own {BUS_NAME}: {reply.body}"
        self._client = open_dbus_connection(address)  # for reading items back (the serving thread never blocks)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-sni-watcher", daemon=True)
        self._thread.start()

    def _properties(self) -> dict[str, tuple[str, Any]]:
        return {"RegisteredStatusNotifierItems": ("as", [service for service, _ in self.items]),
                "IsStatusNotifierHostRegistered": ("b", True), "ProtocolVersion": ("i", 0)}

    def _serve(self) -> None:
        serve_calls(self._conn, self._stop, self._handle)

    def _handle(self, msg: Any) -> None:
        member = str(msg.header.fields.get(HeaderFields.member))
        sender = str(msg.header.fields.get(HeaderFields.sender))
        self.calls.append(member)
        with self._lock:
            if member == "Introspect":
                self._conn.send(new_method_return(msg, "s", (_XML,)))
            elif member == "Get" and msg.body[0] == IFACE and msg.body[1] in self._properties():
                self._conn.send(new_method_return(msg, "v", (self._properties()[msg.body[1]],)))
            elif member == "GetAll":
                self._conn.send(new_method_return(msg, "a{sv}", (self._properties() if msg.body[0] == IFACE
                                                                 else {},)))
            elif member == "RegisterStatusNotifierItem":
                self.items.append((str(msg.body[0]), sender))
                self._conn.send(new_method_return(msg))
                self._conn.send(new_signal(DBusAddress(PATH, interface=IFACE), "StatusNotifierItemRegistered", "s",
                                           (str(msg.body[0]),)))
            elif member == "RegisterStatusNotifierHost":
                self._conn.send(new_method_return(msg))
            else:
                self._conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (member,)))

    def item_property(self, index: int, name: str) -> Any:
        """Property ``name`` of the ``index``-th registered item, read from the app over the bus."""
        service, sender = self.items[index]
        bus_name, _, path = service.partition("/")
        target = DBusAddress(f"/{path}" if path else "/StatusNotifierItem", bus_name or sender,
                             "org.freedesktop.DBus.Properties")
        reply = self._client.send_and_get_reply(new_method_call(target, "Get", "ss",
                                                                ("org.kde.StatusNotifierItem", name)), timeout=5)
        if reply.header.message_type is MessageType.error:
            raise RuntimeError(f"reading {name} of {service} failed: {reply.body}")
        return reply.body[0][1]

    def close(self) -> None:
        """Stop serving and disconnect."""
        self._stop.set()
        self._thread.join(5)
        self._conn.close()
        self._client.close()
