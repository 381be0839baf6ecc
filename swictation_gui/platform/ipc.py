"""Single instance and remote control over a private Unix socket (plain Python: no Qt, usable by the CLI).

The first instance takes an exclusive ``flock`` on ``instance.lock`` and listens on ``control.sock``,
both in a 0700 folder owned by the user (``$XDG_RUNTIME_DIR/swictation-gui``, else ``<config>/run``).
Holding the lock is what makes an instance *the* instance, so a socket left behind by a crash is
simply replaced. The protocol is one line each way: the client sends a command (``toggle``), the
server answers ``ok`` or ``error <message>``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
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

COMMANDS = ("toggle", "start", "stop", "settings", "quit", "ping", "model:gpu", "model:cpu")
"""What a client may ask for. "settings" is also what a second launch sends."""

SOCKET_NAME = "control.sock"
LOCK_NAME = "instance.lock"
_MAX_LINE = 256


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
    """Send ``command`` to the running instance and return its answer ("ok" or "error …").

    Retries while an instance holds the lock but has not opened its socket yet (it is starting).

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
        except OSError as exc:
            raise IpcError(f"Cannot talk to the running swictation-gui ({exc.strerror or exc}).") from exc


def _exchange(path: Path, command: str, timeout: float) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(command.encode() + b"\n")
        answer = _read_line(sock)
    return answer


def _read_line(sock: socket.socket) -> str:
    data = b""
    while b"\n" not in data and len(data) < _MAX_LINE:
        chunk = sock.recv(_MAX_LINE)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()


class ControlServer:
    """The running instance's end: holds the lock and serves commands on a background thread.

    Args:
        on_command: Called with each valid command **on the server thread**; it must not block or
            touch widgets (emit a Qt signal from it). An exception is logged and answered as an error.
        folder: The control folder; defaults to :func:`control_dir`.
    """

    def __init__(self, on_command: Callable[[str], None], folder: Path | None = None) -> None:
        self._on_command = on_command
        self._folder = folder or control_dir()
        self._lock_fd: int | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

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
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EBADF, errno.EINVAL) and not self._stopping.is_set():
                    _log.warning("Control socket accept failed: %s", exc)
                    time.sleep(0.1)
                continue
            with conn:
                self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(2.0)
            command = _read_line(conn)
            if command not in COMMANDS:
                conn.sendall(f"error unknown command {command[:40]!r}\n".encode())
                return
            if command != "ping":
                self._on_command(command)
            conn.sendall(b"ok\n")
        except OSError as exc:
            _log.warning("Control connection failed: %s", exc)
        except Exception as exc:  # the callback's failure must not kill the server thread
            _log.exception("Control command failed")
            with contextlib.suppress(OSError):
                conn.sendall(f"error {exc}\n".encode())
