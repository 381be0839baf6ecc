"""Text output through the RemoteDesktop portal (``org.freedesktop.portal.RemoteDesktop``): GNOME and KDE.

The desktop gives us a virtual keyboard after the user approves it once: ``CreateSession``, ``SelectDevices``
(keyboard only, ``persist_mode`` 2 = until revoked, with the restore token from the last approval), ``Start`` (the
desktop asks the user unless the token is still valid) and then ``NotifyKeyboardKeysym`` press and release for each
character. Each ``Start`` hands back a new restore token (a token is good for one use); it is kept in the app's state
folder, mode 0600, so the user is asked once, not every few minutes. A token the desktop no longer accepts simply
makes it ask again; a refused ``Start`` drops the stored token, reports why, and leaves the text on the clipboard.

Keysyms: Latin-1 characters are their own keysym, others are ``0x01000000 + code point`` (X11's Unicode keysyms);
newline and tab are Return and Tab. The session and its D-Bus connection are kept between texts that come close
together (the portal ends a session when its connection closes) and made again when lost. After ``idle_close_s``
without text the session is closed, so the desktop's "remote control" indicator does not stay on while nobody
dictates; the next text starts a new session with the restore token, without asking. Runs on the injection worker
thread; only the idle close runs on a timer thread, under the same lock.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any

from swictation_gui import log, paths
from swictation_gui.errors import InjectionError
from swictation_gui.platform import portal
from swictation_gui.platform.base import Clipboard, InjectionResult
from swictation_gui.platform.injection.common import LazyClipboard, clean_text, keep_for_user

INTERFACE = "org.freedesktop.portal.RemoteDesktop"
KEYBOARD = 1
PERSIST_UNTIL_REVOKED = 2
IDLE_CLOSE_S = 60.0  # a session unused this long is closed (the next text restores it without asking)
_SPECIAL = {"\n": 0xFF0D, "\t": 0xFF09}  # Return, Tab


def keysym(char: str) -> int:
    """The X keysym that types ``char``."""
    if char in _SPECIAL:
        return _SPECIAL[char]
    code = ord(char)
    return code if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF else 0x01000000 + code


def token_file() -> Path:
    """Where the restore token is kept."""
    return paths.state_dir() / "remote-desktop-token"


class TokenStore:
    """The restore token in a file only the user can read (mode 0600); any thread, one at a time."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else token_file()

    def load(self) -> str:
        """The stored token ("" when none or unreadable)."""
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def save(self, token: str) -> None:
        """Replace the stored token (written to a 0600 file, then renamed over the old one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(token)
        os.replace(tmp, self.path)

    def clear(self) -> None:
        """Forget the token (the next session asks the user again)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class RemoteDesktopInjector(LazyClipboard):
    """``TextInjector`` that types through the RemoteDesktop portal's virtual keyboard (see the module docstring).

    Args:
        clipboard: Where the text is left when it cannot be typed (default: ``create_clipboard()``).
        tokens: The restore-token store (default: the app's state folder).
        bus: jeepney bus name or address ("SESSION": ``$DBUS_SESSION_BUS_ADDRESS``).
        timeout: How long to wait for each portal answer (``Start`` may wait for the user's approval).
        idle_close_s: Close the session after this long without text.
    """

    def __init__(self, clipboard: Clipboard | None = None, tokens: TokenStore | None = None, bus: str = "SESSION",
                 timeout: float = 120.0, idle_close_s: float = IDLE_CLOSE_S) -> None:
        super().__init__(clipboard)
        self.tokens = tokens if tokens is not None else TokenStore()
        self.bus = bus
        self.timeout = timeout
        self.idle_close_s = idle_close_s
        self._conn: Any = None
        self.session_handle = ""
        self._lock = threading.RLock()  # the session: the injection worker, or the idle timer
        self._idle: threading.Timer | None = None

    def inject(self, text: str) -> InjectionResult:
        """Type ``text`` through the portal (worker thread); never raises. The session closes when left idle."""
        with self._lock:
            self._cancel_idle()
            result = self._inject(text)
            if self.session_handle:
                idle = threading.Timer(self.idle_close_s, self._close_idle)
                idle.name, idle.daemon = "portal-idle-close", True
                self._idle = idle
                idle.start()
            return result

    def _cancel_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def _close_idle(self) -> None:
        """Timer thread: close the session nobody used for ``idle_close_s`` (unless a text came meanwhile)."""
        with self._lock:
            if self._idle is not None and self._idle is threading.current_thread():
                self._idle = None
                log.injection.info("RemoteDesktop session idle for %.0f s; closed until the next text",
                                   self.idle_close_s)
                self._close_session()

    def _inject(self, text: str) -> InjectionResult:
        text = clean_text(text)
        if not text:
            return InjectionResult(ok=True, method="type")
        try:
            kept = bool(self.session_handle)
            if not kept:
                self._start()
            try:
                typed = self._type(text)
            except _SessionLostError as lost:  # a kept session went away before the first key: start anew
                if not kept:
                    raise
                log.injection.info("RemoteDesktop session lost (%s); starting a new one", lost)
                self.close()
                self._start()
                typed = self._type(text)
            if typed < len(text):
                raise InjectionError(f"the RemoteDesktop portal stopped taking keys after {typed} of {len(text)} "
                                     "characters")
        except Exception as exc:  # never raise into the session: report and keep the text for the user
            log.injection.warning("RemoteDesktop portal typing failed: %s", exc)
            self.close()
            return keep_for_user(self.clipboard, "type", text, exc)
        log.injection.info("typed %d characters through the RemoteDesktop portal", len(text))
        return InjectionResult(ok=True, method="type")

    def close(self) -> None:
        """End the portal session (closing the connection ends it) (worker thread)."""
        with self._lock:
            self._cancel_idle()
            self._close_session()

    def _close_session(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None
        self.session_handle = ""

    def _start(self) -> None:
        """Create, set up and start a keyboard session, asking the user only when the token is not accepted."""
        from jeepney.io.blocking import open_dbus_connection

        try:
            self._conn = open_dbus_connection(bus=self.bus)
        except Exception as exc:  # jeepney raises OSError, KeyError or its own errors
            raise InjectionError(f"no D-Bus session bus ({exc})") from exc
        try:
            created = portal.request(self._conn, INTERFACE, "CreateSession", "a{sv}",
                                     ({"session_handle_token": ("s", "swictation")},), self.timeout)
            self.session_handle = str(created["session_handle"][1])
            options: dict[str, Any] = {"types": ("u", KEYBOARD), "persist_mode": ("u", PERSIST_UNTIL_REVOKED)}
            token = self.tokens.load()
            if token:
                options["restore_token"] = ("s", token)
            portal.request(self._conn, INTERFACE, "SelectDevices", "oa{sv}", (self.session_handle, options),
                           self.timeout)
            started = portal.request(self._conn, INTERFACE, "Start", "osa{sv}", (self.session_handle, "", {}),
                                     self.timeout)
        except portal.PortalRequestError as exc:
            self.close()
            if exc.code == 1:
                self.tokens.clear()
                raise InjectionError("the desktop's remote-control (RemoteDesktop) request was declined, so keys "
                                     "cannot be typed; allow it when asked after the next dictation") from exc
            raise InjectionError(f"the desktop's RemoteDesktop portal refused: {exc}") from exc
        except TimeoutError as exc:
            self.close()
            raise InjectionError("the desktop's RemoteDesktop portal did not answer (was its dialog left open?)") \
                from exc
        new_token = started.get("restore_token", ("s", ""))[1]
        if new_token:
            try:
                self.tokens.save(str(new_token))
            except OSError as exc:  # the session works; only the next start will ask the user again
                log.injection.warning("Could not keep the RemoteDesktop restore token in %s: %s", self.tokens.path,
                                      exc)
        devices = int(started.get("devices", ("u", 0))[1])
        if not devices & KEYBOARD:
            self.close()
            raise InjectionError("the desktop started the RemoteDesktop session without a keyboard")
        log.injection.info("RemoteDesktop portal session %s started%s", self.session_handle,
                           " (restored without asking)" if token and new_token else "")

    def _type(self, text: str) -> int:
        """Press and release each character's keysym; how many were typed. Raises ``_SessionLostError`` when the
        very first key fails (a kept session that ended: nothing was typed, so it is safe to start again)."""
        from jeepney import DBusAddress, MessageType, new_method_call

        address = DBusAddress(portal.OBJECT_PATH, portal.BUS_NAME, INTERFACE)
        for index, char in enumerate(text):
            for state in (1, 0):
                call = new_method_call(address, "NotifyKeyboardKeysym", "oa{sv}iu",
                                       (self.session_handle, {}, keysym(char), state))
                try:
                    reply = self._conn.send_and_get_reply(call, timeout=self.timeout)
                    failed = reply.header.message_type is MessageType.error
                    reason = str(reply.body[0]) if failed and reply.body else "error reply"
                except (OSError, ConnectionError, TimeoutError) as exc:
                    failed, reason = True, str(exc) or type(exc).__name__
                if failed:
                    if index == 0 and state == 1:
                        raise _SessionLostError(f"the RemoteDesktop portal did not take keys: {reason}")
                    log.injection.warning("NotifyKeyboardKeysym failed after %d characters: %s", index, reason)
                    return index
        return len(text)


class _SessionLostError(InjectionError):
    """The portal session did not take the first key."""
