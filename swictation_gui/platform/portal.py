"""Hotkey through the XDG GlobalShortcuts portal (``org.freedesktop.portal.GlobalShortcuts``), over jeepney.

The desktop (KDE Plasma 5.27+, GNOME 48+, the Hyprland portal) owns the key: we create a session, bind one
shortcut with our hotkey as the preferred trigger (the desktop may ask the user, who may choose another key), and
receive ``Activated`` when it goes down and ``Deactivated`` when it comes up, which gives hold mode.

Threads: ``start`` returns at once; one listener thread talks to the session bus (a blocking jeepney connection),
reports ``ready``/``failed`` and the chord events to the sink. When the portal cannot be used before ``ready``
(no portal, no GlobalShortcuts interface, the user declined), a ``fallback`` listener is started with the same sink
instead, and the reason is logged. Qt-free.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from typing import Any

from swictation_gui import log
from swictation_gui.errors import HotkeyError
from swictation_gui.platform.base import HotkeyListener, HotkeySink
from swictation_gui.platform.keys import keysym_names, modifier_family, parse_hotkey

BUS_NAME = "org.freedesktop.portal.Desktop"
OBJECT_PATH = "/org/freedesktop/portal/desktop"
INTERFACE = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"
SHORTCUT_ID = "push-to-talk"
_MODS = {"ctrl": "CTRL", "alt": "ALT", "shift": "SHIFT", "super": "LOGO", "alt_gr": "ALT"}
_tokens = itertools.count(1)


def preferred_trigger(hotkey: str) -> str:
    """``hotkey`` in the XDG shortcuts notation (``ctrl+alt+space`` → ``CTRL+ALT+space``, ``f9`` → ``F9``)."""
    parsed = parse_hotkey(hotkey)
    mods = [_MODS[modifier_family(m)] for m in parsed.parts[:-1]]
    return "+".join([*mods, keysym_names(parsed.key)[0]])


def available() -> bool:
    """Whether the D-Bus library is installed (the portal itself is asked when the listener starts)."""
    try:
        import jeepney  # noqa: F401
    except ImportError:
        return False
    return True


class PortalHotkeyListener:
    """``HotkeyListener`` over the GlobalShortcuts portal (see the module docstring).

    Args:
        hotkey: Our hotkey spec; offered to the desktop as the preferred trigger.
        fallback: Started with the same sink when the portal cannot be used (None: report ``failed``).
        bus: jeepney bus name or address ("SESSION": ``$DBUS_SESSION_BUS_ADDRESS``).
        timeout: How long to wait for each portal answer (the desktop may show a dialog).
    """

    def __init__(self, hotkey: str, fallback: HotkeyListener | None = None, bus: str = "SESSION",
                 timeout: float = 60.0) -> None:
        self.hotkey = hotkey
        self.fallback = fallback
        self.bus = bus
        self.timeout = timeout
        self.session_handle = ""
        self._stop = threading.Event()
        self._lock = threading.Lock()  # held for each sink call and the switch to the fallback: stop() waits for it
        self._thread: threading.Thread | None = None
        self._using_fallback = False

    def start(self, sink: HotkeySink) -> None:
        """Begin listening on the listener thread; returns at once (any thread)."""
        self._thread = threading.Thread(target=self._run, args=(sink,), name="portal-hotkey", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (any thread, idempotent); no sink call follows; the thread ends within 0.2 s."""
        with self._lock:
            self._stop.set()
            if self._using_fallback and self.fallback is not None:
                self.fallback.stop()

    def join(self, timeout: float) -> bool:
        """Wait for the listener thread (and the fallback's) to end."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return False
        return self.fallback.join(timeout) if self._using_fallback and self.fallback is not None else True

    # ----------------------------------------------------------------- listener thread

    def _run(self, sink: HotkeySink) -> None:
        from jeepney.io.blocking import open_dbus_connection

        try:
            conn = open_dbus_connection(bus=self.bus)
        except Exception as exc:  # no session bus: jeepney raises OSError, KeyError or its own errors
            self._setup_failed(sink, f"no D-Bus session bus ({exc})")
            return
        try:
            try:
                self._bind(conn)
            except (HotkeyError, TimeoutError, OSError) as exc:
                self._setup_failed(sink, str(exc))
                return
            log.hotkey.info("GlobalShortcuts portal: shortcut %r bound (session %s)", SHORTCUT_ID,
                            self.session_handle)
            self._report(sink.ready)
            self._listen(conn, sink)
        finally:
            conn.close()

    def _setup_failed(self, sink: HotkeySink, reason: str) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            if self.fallback is None:
                sink.failed(f"The GlobalShortcuts portal cannot be used: {reason}")
                return
            log.hotkey.warning("GlobalShortcuts portal cannot be used (%s); using the next hotkey backend", reason)
            self._using_fallback = True
            self.fallback.start(sink)

    def _report(self, call: Callable[[], None]) -> None:
        """Make one sink call unless stop() has run (listener thread)."""
        with self._lock:
            if not self._stop.is_set():
                call()

    def _request(self, conn: Any, method: str, signature: str, body: tuple[Any, ...]) -> dict[str, Any]:
        """Call a portal method that answers through a Request object; the results of a successful Response."""
        from jeepney import DBusAddress, MatchRule, MessageType, message_bus, new_method_call

        token = f"swictation{next(_tokens)}"
        sender = conn.unique_name[1:].replace(".", "_")
        path = f"{OBJECT_PATH}/request/{sender}/{token}"
        rule = MatchRule(type="signal", interface=REQUEST, member="Response", path=path)
        conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=self.timeout)
        options = body[-1]
        options["handle_token"] = ("s", token)
        with conn.filter(rule) as queue:
            reply = conn.send_and_get_reply(new_method_call(DBusAddress(OBJECT_PATH, BUS_NAME, INTERFACE), method,
                                                            signature, body), timeout=self.timeout)
            if reply.header.message_type is MessageType.error:
                raise HotkeyError(f"{method} failed: {reply.body[0] if reply.body else reply.header}")
            response = conn.recv_until_filtered(queue, timeout=self.timeout)
        code, results = response.body
        if code != 0:
            raise HotkeyError(f"{method} was {'cancelled by the user' if code == 1 else 'refused'} (code {code})")
        return dict(results)

    def _bind(self, conn: Any) -> None:
        from jeepney import DBusAddress, MessageType, Properties

        version = conn.send_and_get_reply(Properties(DBusAddress(OBJECT_PATH, BUS_NAME, INTERFACE)).get("version"),
                                          timeout=self.timeout)
        if version.header.message_type is MessageType.error:
            raise HotkeyError("the desktop portal has no GlobalShortcuts interface "
                              f"({version.body[0] if version.body else 'no answer'})")
        results = self._request(conn, "CreateSession", "a{sv}",
                                ({"session_handle_token": ("s", f"swictation{next(_tokens)}")},))
        self.session_handle = str(results["session_handle"][1])
        shortcut = (SHORTCUT_ID, {"description": ("s", "Push to talk (swictation-gui)"),
                                  "preferred_trigger": ("s", preferred_trigger(self.hotkey))})
        bound = self._request(conn, "BindShortcuts", "oa(sa{sv})sa{sv}", (self.session_handle, [shortcut], "", {}))
        ids = [entry[0] for entry in bound.get("shortcuts", ("a(sa{sv})", []))[1]]
        if SHORTCUT_ID not in ids:
            raise HotkeyError("the desktop did not bind the push-to-talk shortcut")

    def _listen(self, conn: Any, sink: HotkeySink) -> None:
        from jeepney import HeaderFields, MatchRule, message_bus

        rule = MatchRule(type="signal", interface=INTERFACE, path=OBJECT_PATH)
        conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=self.timeout)
        held = False
        with conn.filter(rule) as queue:
            while not self._stop.is_set():
                try:
                    msg = conn.recv_until_filtered(queue, timeout=0.2)
                except TimeoutError:
                    continue
                except Exception as exc:  # connection lost
                    message = f"The desktop portal connection was lost ({exc})."
                    self._report(functools.partial(sink.failed, message))
                    return
                session, shortcut_id = msg.body[0], msg.body[1]
                if session != self.session_handle or shortcut_id != SHORTCUT_ID:
                    continue
                member = msg.header.fields.get(HeaderFields.member)
                if member == "Activated" and not held:
                    held = True
                    self._report(sink.chord_down)
                elif member == "Deactivated" and held:
                    held = False
                    self._report(sink.chord_up)
