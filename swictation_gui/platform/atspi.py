"""The characters before the caret in the focused text field, read over the accessibility bus (AT-SPI), via jeepney.

Qt and GTK applications publish their widgets on the accessibility bus once accessibility is on (GTK 3 always
when the bus runs; Qt when the desktop's accessibility switch, ``org.a11y.Status.IsEnabled``, is on or the app
runs with ``QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1``). :class:`CaretReader` asks the session bus for the accessibility
bus's address (``org.a11y.Bus.GetAddress``, only if that bus already runs: nothing is started), picks the
application whose connection belongs to the focused window's process, walks its showing widgets to the one with
the ``focused`` state and the ``Text`` interface, and reads ``CaretOffset`` and ``GetText`` up to the caret (or to
the start of the selection, which typing replaces). Password fields are never read.

Every lookup is bounded: ``budget_s`` in total (each D-Bus call waits only for what is left), ``max_nodes``
widgets visited, ``max_chars`` characters. Whatever is missing or slow gives None and the reason in
:attr:`CaretReader.reason`; nothing raises. The text itself is never logged. Qt-free; one reader belongs to one
thread (the injector thread).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from swictation_gui import log

A11Y_BUS = "org.a11y.Bus"
REGISTRY = "org.a11y.atspi.Registry"
ROOT_PATH = "/org/a11y/atspi/accessible/root"
NULL_PATH = "/org/a11y/atspi/null"
ACCESSIBLE = "org.a11y.atspi.Accessible"
TEXT = "org.a11y.atspi.Text"
STATE_ACTIVE = 1
STATE_FOCUSED = 12
STATE_SHOWING = 25
STATE_MANAGES_DESCENDANTS = 31
ROLE_PASSWORD_TEXT = 40


class NotFoundError(Exception):
    """One step of a lookup found nothing; the message says which (for the debug log)."""


class CaretReader:
    """Reads the text before the caret of the focused widget of one process (see the module docstring).

    Args:
        bus: Where to ask for the accessibility bus ("SESSION": ``$DBUS_SESSION_BUS_ADDRESS``).
        budget_s: The most one lookup may take, connecting included.
        max_chars: How many characters before the caret to return at most.
        max_nodes: How many widgets one lookup may visit.
    """

    def __init__(self, bus: str = "SESSION", budget_s: float = 0.15, max_chars: int = 200,
                 max_nodes: int = 400) -> None:
        self.bus = bus
        self.budget_s = budget_s
        self.max_chars = max_chars
        self.max_nodes = max_nodes
        self.reason = ""
        self.last_s = 0.0
        self._conn: Any = None
        self._pids: dict[str, int | None] = {}  # unique bus name → process id (names are never reused)
        self._deadline = 0.0

    def before_caret(self, pid: int | None) -> str | None:
        """The characters before the caret in process ``pid``'s focused text field; None when they cannot be read
        (injector thread; never raises, returns within about ``budget_s``)."""
        start = time.monotonic()
        self._deadline = start + self.budget_s
        try:
            if not pid:
                raise NotFoundError("the focused window names no process (_NET_WM_PID)")
            text = self._read(pid)
            self.reason = ""
            return text
        except NotFoundError as exc:
            self.reason = str(exc)
        except TimeoutError:
            self.reason = f"the accessibility bus did not answer within {self.budget_s * 1000:.0f} ms"
            self.close()  # late replies must not be taken for the next lookup's
        except Exception as exc:  # jeepney raises OSError, KeyError (no address), its own errors
            self.reason = f"the accessibility bus failed: {type(exc).__name__}: {exc}"
            self.close()
        finally:
            self.last_s = time.monotonic() - start
        log.injection.debug("no text before the caret (%s; %.1f ms)", self.reason, self.last_s * 1000)
        return None

    def close(self) -> None:
        """Drop the connection (the next lookup connects again)."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None

    # ------------------------------------------------------------------------------------------ one lookup

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    def _call(self, conn: Any, name: str, path: str, interface: str, member: str, signature: str | None = None,
              body: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        from jeepney import DBusAddress, MessageType, new_method_call

        reply = conn.send_and_get_reply(new_method_call(DBusAddress(path, name, interface), member, signature, body),
                                        timeout=self._left())
        if reply.header.message_type is MessageType.error:
            raise NotFoundError(f"{interface}.{member} failed: {reply.body[0] if reply.body else 'error'}")
        return tuple(reply.body)

    def _each(self, conn: Any, member: str, nodes: list[tuple[str, str]]) -> list[tuple[Any, ...] | None]:
        """``Accessible.member()`` of every node (None where it answers with an error), asked all at once: one
        round trip for the lot instead of one per node."""
        from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call

        waiting: dict[int, int] = {}
        for i, (name, path) in enumerate(nodes):
            serial = next(conn.outgoing_serial)
            conn.send_message(new_method_call(DBusAddress(path, name, ACCESSIBLE), member), serial=serial)
            waiting[serial] = i
        bodies: list[tuple[Any, ...] | None] = [None] * len(nodes)
        while waiting:
            reply = conn.receive(timeout=self._left())
            i = waiting.pop(reply.header.fields.get(HeaderFields.reply_serial, -1), -1)
            if i >= 0 and reply.header.message_type is MessageType.method_return:
                bodies[i] = tuple(reply.body)
        return bodies

    def _get(self, conn: Any, name: str, path: str, interface: str, prop: str) -> Any:
        value = self._call(conn, name, path, "org.freedesktop.DBus.Properties", "Get", "ss", (interface, prop))
        return value[0][1]

    def _connect(self) -> Any:
        if self._conn is not None:
            return self._conn
        from jeepney.io.blocking import open_dbus_connection

        session = open_dbus_connection(bus=self.bus, auth_timeout=self._left())
        try:
            owned = self._call(session, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", "s", (A11Y_BUS,))[0]
            if not owned:  # asking anyway would start it (D-Bus activation): leave that to the desktop
                raise NotFoundError("no accessibility bus runs (org.a11y.Bus)")
            address = self._call(session, A11Y_BUS, "/org/a11y/bus", A11Y_BUS, "GetAddress")[0]
        finally:
            session.close()
        self._conn = open_dbus_connection(bus=address, auth_timeout=self._left())
        self._pids.clear()
        return self._conn

    def _pid_of(self, conn: Any, name: str) -> int | None:
        if name not in self._pids:
            if len(self._pids) > 1000:
                self._pids.clear()
            try:
                self._pids[name] = int(self._call(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                  "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s",
                                                  (name,))[0])
            except NotFoundError:
                self._pids[name] = None  # gone meanwhile
        return self._pids[name]

    def _read(self, pid: int) -> str:
        conn = self._connect()
        apps = self._call(conn, REGISTRY, ROOT_PATH, ACCESSIBLE, "GetChildren")[0]
        app = next(((name, path) for name, path in apps if self._pid_of(conn, name) == pid), None)
        if app is None:
            raise NotFoundError("the focused application is not on the accessibility bus")
        name, path = self._focused_text(conn, *app)
        if self._call(conn, name, path, ACCESSIBLE, "GetRole")[0] == ROLE_PASSWORD_TEXT:
            raise NotFoundError("the focused field is a password field")
        end = int(self._get(conn, name, path, TEXT, "CaretOffset"))
        if end < 0:
            raise NotFoundError("the focused field has no caret")
        if int(self._call(conn, name, path, TEXT, "GetNSelections")[0]) > 0:
            first, last = self._call(conn, name, path, TEXT, "GetSelection", "i", (0,))
            end = min(end, int(first), int(last))
        text = str(self._call(conn, name, path, TEXT, "GetText", "ii", (max(0, end - self.max_chars), end))[0])
        return text[-self.max_chars:] if self.max_chars else ""

    def _focused_text(self, conn: Any, name: str, root: str) -> tuple[str, str]:
        """The showing, focused widget with a Text interface, searched level by level (two round trips a level),
        among the showing widgets only, active windows first."""
        level = [(name, root)]
        visited = 0
        windows = True  # the root's children are the application's windows
        while level:
            children = [(str(n), str(p)) for body in self._each(conn, "GetChildren", level) if body is not None
                        for n, p in body[0] if p != NULL_PATH]
            visited += len(children)
            if visited > self.max_nodes:
                raise NotFoundError(f"no focused text field among the first {self.max_nodes} widgets")
            states = [(int(b[0][0]) | int(b[0][1]) << 32) if b is not None else 0
                      for b in self._each(conn, "GetState", children)]
            showing = [(node, bits) for node, bits in zip(children, states, strict=True) if bits >> STATE_SHOWING & 1]
            if windows:
                showing.sort(key=lambda item: not item[1] >> STATE_ACTIVE & 1)  # the active window first
                windows = False
            for (node_name, path), bits in showing:
                if bits >> STATE_FOCUSED & 1 and TEXT in self._call(conn, node_name, path, ACCESSIBLE,
                                                                   "GetInterfaces")[0]:
                    return node_name, path
            # Tables and lists with thousands of cells manage their descendants: not text fields we type into.
            level = [node for node, bits in showing if not bits >> STATE_MANAGES_DESCENDANTS & 1]
        raise NotFoundError("the focused application shows no focused text field")
