"""Single instance and remote control over a private Unix socket (plain Python: no Qt, usable by the CLI).

The first instance takes an exclusive ``flock`` on ``instance.lock`` and listens on ``control.sock``,
both in a 0700 folder owned by the user (``$XDG_RUNTIME_DIR/swictation-gui``, else ``<config>/run``).
Holding the lock is what makes an instance *the* instance, so a socket left behind by a crash is
simply replaced. The protocol is one line each way: the client sends a command (``toggle``), the
server answers ``ok`` or ``error <message>``. Most commands are answered at once; a :data:`DEFERRED` command
(a model switch) is answered when the app knows the outcome, ``ok <message>`` or ``error <message>``: the server
hands the open connection to the app as a :class:`Reply`, keeps serving other clients meanwhile, and answers
for the app with an error if it has not replied within ``reply_timeout`` seconds or when the server stops.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import math
import os
import socket
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

from swictation_gui import paths
from swictation_gui.errors import SwictationError

_log = logging.getLogger("swictation.ipc")

COMMANDS = ("toggle", "start", "stop", "settings", "quit", "ping", "model:gpu", "model:cpu", "paste-last",
            "history")
"""What a client may ask for. "settings" is also what a second launch sends."""

DEFERRED = ("model:gpu", "model:cpu")
"""Commands answered only once the app knows how they ended (through a :class:`Reply`)."""

SOCKET_NAME = "control.sock"
LOCK_NAME = "instance.lock"
REPLY_TIMEOUT_S = 150.0  # the server gives up on a deferred answer (the CLI waits less than this)
_MAX_LINE = 256  # a command
_MAX_ANSWER = 4096  # an answer (messages may name folders)


class IpcError(SwictationError):
    """The control folder or socket cannot be used; the message says why."""


class AlreadyRunningError(IpcError):
    """Another instance holds the lock."""


class NotRunningError(IpcError):
    """No instance is running (nothing holds the lock)."""


def control_dir() -> Path:
    """The private folder for the lock and the socket (not created here)."""
    if paths.relocated_home() is not None:  # tests and relocated installs keep everything together
        return paths.config_dir() / "run"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "swictation-gui"
    return paths.config_dir() / "run"


def ensure_private_dir(folder: Path) -> Path:
    """Create ``folder`` as 0700 (or tighten it); refuse one owned by someone else.

    Raises:
        IpcError: The folder cannot be created or belongs to another user.
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError as exc:
        raise IpcError(f"Cannot create the control folder {folder} ({exc.strerror or exc}).") from exc
    if info.st_uid != os.getuid():
        raise IpcError(f"The control folder {folder} belongs to another user; remove it or fix its owner.")
    if stat.S_IMODE(info.st_mode) != 0o700:
        folder.chmod(0o700)
    return folder


def _lock_is_held(lock_path: Path) -> bool:
    """True when some process holds the instance lock (we take and release it to find out)."""
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def send_command(command: str, folder: Path | None = None, timeout: float = 3.0) -> str:
    """Send ``command`` to the running instance and return its answer ("ok", "ok …" or "error …").

    Retries while an instance holds the lock but has not opened its socket yet (it is starting). ``timeout``
    bounds the whole exchange, so a :data:`DEFERRED` command needs one long enough for the app's answer.

    Raises:
        NotRunningError: No instance is running.
        IpcError: The instance did not answer within ``timeout`` seconds.
        ValueError: ``command`` is not one of :data:`COMMANDS`.
    """
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}")
    folder = folder or control_dir()
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _exchange(folder / SOCKET_NAME, command, max(0.1, deadline - time.monotonic()))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            if not _lock_is_held(folder / LOCK_NAME):
                raise NotRunningError("swictation-gui is not running. Start it with: swictation-gui") from exc
            if time.monotonic() >= deadline:
                raise IpcError("swictation-gui is running but does not answer on its control socket.") from exc
            time.sleep(0.05)
        except TimeoutError as exc:
            raise IpcError(f"swictation-gui did not answer within {timeout:.0f} s.") from exc
        except OSError as exc:
            raise IpcError(f"Cannot talk to the running swictation-gui ({exc.strerror or exc}).") from exc


def _exchange(path: Path, command: str, timeout: float) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(command.encode() + b"\n")
        answer = _read_line(sock, _MAX_ANSWER)
    return answer


def _read_line(sock: socket.socket, limit: int = _MAX_LINE) -> str:
    data = b""
    while b"\n" not in data and len(data) < limit:
        chunk = sock.recv(limit)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()


class Reply:
    """The answer to one :data:`DEFERRED` command: call it once, from any thread, with "ok …" or "error …".

    It never blocks: the line is small and goes onto a fresh connection's empty buffer without waiting; a client
    that has gone away is ignored. Later calls do nothing.
    """

    def __init__(self, conn: socket.socket, done: Callable[[Reply], None]) -> None:
        self._conn: socket.socket | None = conn
        self._done = done
        self._lock = threading.Lock()
        self.since = time.monotonic()

    def __call__(self, answer: str) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is None:
            return
        self._done(self)
        line = " ".join(answer.split())  # always one line
        data = line.encode()[:_MAX_ANSWER - 1] + b"\n"
        try:
            conn.setblocking(False)
            conn.sendall(data)
        except OSError as exc:
            _log.info("Control client left before its answer: %s", exc)
        finally:
            conn.close()


class ControlServer:
    """The running instance's end: holds the lock and serves commands on a background thread.

    Args:
        on_command: Called with each valid command and its :class:`Reply` **on the server thread**; it must not
            block or touch widgets (emit a Qt signal from it). The reply is None for commands the server answers
            "ok" itself once the callback returns; for a :data:`DEFERRED` command the receiver must call it
            later, from any thread. An exception is logged and answered as an error.
        folder: The control folder; defaults to :func:`control_dir`.
        reply_timeout: Seconds after which a deferred command still unanswered gets an error.
    """

    def __init__(self, on_command: Callable[[str, Reply | None], None], folder: Path | None = None,
                 reply_timeout: float = REPLY_TIMEOUT_S) -> None:
        self._on_command = on_command
        self._folder = folder or control_dir()
        self._reply_timeout = reply_timeout
        self._lock_fd: int | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._pending: set[Reply] = set()
        self._pending_lock = threading.Lock()

    @property
    def socket_path(self) -> Path:
        """Where the server listens."""
        return self._folder / SOCKET_NAME

    def start(self) -> None:
        """Take the instance lock and start listening (GUI thread, at start-up).

        Raises:
            AlreadyRunningError: Another instance is running (send it a command instead).
            IpcError: The folder or socket cannot be set up.
        """
        ensure_private_dir(self._folder)
        lock_fd = os.open(self._folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            raise AlreadyRunningError("swictation-gui is already running.") from None
        self._lock_fd = lock_fd
        path = self.socket_path
        if len(os.fsencode(path)) > 100:
            self.stop()
            raise IpcError(f"The control socket path is too long for Unix sockets: {path}")
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # we hold the lock, so any socket here was left by a crashed instance
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            old_umask = os.umask(0o177)
            try:
                sock.bind(str(path))
            finally:
                os.umask(old_umask)
            sock.listen(8)
            sock.settimeout(0.2)
        except OSError as exc:
            sock.close()
            self.stop()
            raise IpcError(f"Cannot open the control socket {path} ({exc.strerror or exc}).") from exc
        self._sock = sock
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="control-socket", daemon=True)
        self._thread.start()
        _log.info("Control socket listening at %s", path)

    def stop(self) -> None:
        """Stop serving, remove the socket and release the lock (idempotent; any thread but the server's)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        for reply in self._take_pending(math.inf):
            reply("error swictation-gui quit before it could answer.")
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _serve(self) -> None:
        """Runs on the control-socket thread until :meth:`stop`."""
        assert self._sock is not None
        listener = self._sock
        while not self._stopping.is_set():
            for reply in self._take_pending(time.monotonic() - self._reply_timeout):
                reply("error swictation-gui did not answer in time; see its tray icon for what happened.")
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EBADF, errno.EINVAL) and not self._stopping.is_set():
                    _log.warning("Control socket accept failed: %s", exc)
                    time.sleep(0.1)
                continue
            if not self._handle(conn):
                conn.close()

    def _take_pending(self, since_before: float) -> list[Reply]:
        """Remove and return the unanswered replies older than ``since_before`` (monotonic seconds)."""
        with self._pending_lock:
            taken = [r for r in self._pending if r.since <= since_before]
            self._pending.difference_update(taken)
        return taken

    def _forget(self, reply: Reply) -> None:
        with self._pending_lock:
            self._pending.discard(reply)

    def _handle(self, conn: socket.socket) -> bool:
        """Answer one connection; True when a :class:`Reply` now owns it (a deferred command)."""
        try:
            conn.settimeout(2.0)
            command = _read_line(conn)
            if command not in COMMANDS:
                conn.sendall(f"error unknown command {command[:40]!r}\n".encode())
                return False
            if command in DEFERRED:
                reply = Reply(conn, self._forget)
                with self._pending_lock:
                    self._pending.add(reply)
                try:
                    self._on_command(command, reply)
                except Exception as exc:
                    _log.exception("Control command failed")
                    reply(f"error {exc}")
                return True
            if command != "ping":
                self._on_command(command, None)
            conn.sendall(b"ok\n")
        except OSError as exc:
            _log.warning("Control connection failed: %s", exc)
        except Exception as exc:  # the callback's failure must not kill the server thread
            _log.exception("Control command failed")
            with contextlib.suppress(OSError):
                conn.sendall(f"error {exc}\n".encode())
        return False
