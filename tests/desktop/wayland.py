"""A real headless sway session for tests, run as an unprivileged user, with helpers to drive it.

sway refuses to run as root ("Unable to drop root"). When the tests run as root, sway and every Wayland client of
the test (the app, the target window, wtype, wl-copy/wl-paste) run as uid/gid 65534 (nobody) through ``setpriv``,
keeping one capability, CAP_DAC_READ_SEARCH (read and search any file: the Python of the test may live under a
private /root). They cannot regain root: sway checks that. Run as another user, everything runs as that user.

The session lives in its own folder (``base``): the runtime dir (Wayland socket, sway IPC socket), a HOME with
a sway config, and the files of the test. Key events come from ``wtype`` (the virtual-keyboard protocol), which sway
handles like a real keyboard: bindings fire on them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import REPO_ROOT

TEST_UID = 65534
TOOLS = ("sway", "swaymsg", "wtype", "wl-copy", "wl-paste")
SWAY_CONFIG = "output HEADLESS-1 resolution 1280x800\nfocus_follows_mouse no\n"


def missing_tools() -> list[str]:
    """The tools this session needs that are not installed (plus setpriv when running as root)."""
    names = [*TOOLS, "setpriv"] if os.geteuid() == 0 else list(TOOLS)
    return [name for name in names if shutil.which(name) is None]


def user_prefix() -> list[str]:
    """The command prefix that runs a program as the session's user ([] when the tests are not root)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={TEST_UID}", f"--regid={TEST_UID}", "--clear-groups",
            "--inh-caps=-all,+dac_read_search", "--ambient-caps=+dac_read_search",
            "--bounding-set=-all,+dac_read_search"]


class WaylandScreen:
    """What ``fixtures.TargetWindow`` needs from a display: the environment of a native Wayland Qt client."""

    def __init__(self, session: SwaySession) -> None:
        self.env = {**session.env, "QT_QPA_PLATFORM": "wayland", "PYTHONPATH": str(REPO_ROOT)}


class SwayError(RuntimeError):
    """sway could not be started."""


class SwaySession:
    """A headless sway compositor in ``base``; ``env`` reaches it (merge it into a client's environment)."""

    def __init__(self, base: Path, extra_env: dict[str, str] | None = None) -> None:
        self.base = base
        self.home = base / "home"
        self.runtime = base / "xdg"
        self.sway_config = self.home / ".config" / "sway" / "config"
        self.app_home = base / "app"
        self.app_home.mkdir()
        self.sway_config.parent.mkdir(parents=True)
        self.sway_config.write_text(SWAY_CONFIG, encoding="utf-8")
        self.runtime.mkdir(mode=0o700)
        if os.geteuid() == 0:
            for path in (base, *base.rglob("*")):
                os.chown(path, TEST_UID, TEST_UID)
        self.env: dict[str, str] = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home), "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(self.runtime), "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "sway",
            # sway's bindings run with sway's environment: this leads them to the app of the test and its code.
            "SWICTATION_GUI_HOME": str(self.app_home), "PYTHONPATH": str(REPO_ROOT), **(extra_env or {}),
        }
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15) -> None:
        """Start sway and wait for its Wayland and IPC sockets; raises ``SwayError`` with its log on failure."""
        log = open(self.base / "sway.log", "wb")  # noqa: SIM115 - owned by the child for its lifetime
        env = {**self.env, "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman"}
        self._proc = subprocess.Popen([*user_prefix(), "sway", "-c", str(self.sway_config)], env=env,
                                      stdout=log, stderr=log, start_new_session=True)
        log.close()

        def sockets() -> bool:
            return any(self.runtime.glob("wayland-*[0-9]")) and any(self.runtime.glob("sway-ipc.*.sock"))

        if not xenv.wait_for(lambda: sockets() or (self._proc is not None and self._proc.poll() is not None),
                             timeout) or not sockets():
            text = (self.base / "sway.log").read_text(errors="replace")[-2000:]
            self.close()
            raise SwayError(f"sway did not start: {text}")
        wayland = sorted(p.name for p in self.runtime.glob("wayland-*[0-9]"))[0]
        self.env["WAYLAND_DISPLAY"] = wayland
        self.env["SWAYSOCK"] = str(next(self.runtime.glob("sway-ipc.*.sock")))

    def run(self, args: Sequence[str], stdin: str | None = None, timeout: float = 30,
            check: bool = True) -> subprocess.CompletedProcess[bytes]:
        """Run a client as the session's user and wait for it."""
        done = subprocess.run([*user_prefix(), *args], env=self.env, input=None if stdin is None else stdin.encode(),
                              capture_output=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
        return done

    def clipboard_get(self) -> str | None:
        """The clipboard text (None when empty)."""
        done = self.run(["wl-paste", "--no-newline"], check=False)
        return done.stdout.decode("utf-8") if done.returncode == 0 else None

    def clipboard_set(self, text: str) -> None:
        """Own the clipboard with ``text`` (wl-copy keeps serving it in the background)."""
        subprocess.run([*user_prefix(), "wl-copy"], env=self.env, input=text.encode(), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10, check=True)

    def close(self) -> None:
        """Stop sway and every client started in its process group (idempotent)."""
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(5)
        self._proc = None  # wl-copy servers and the clients lose their compositor and exit


class KwinSession(SwaySession):
    """KWin's headless mode (``kwin_wayland --virtual``, KDE Plasma's compositor) with its own session bus.

    KWin's binary carries a file capability (cap_sys_resource); where the container's bounding set lacks it, exec
    fails with EPERM, so a copy (which has no file capabilities) is run.
    """

    def start(self, timeout: float = 30) -> None:
        """Start KWin and wait for its Wayland socket; raises ``SwayError`` with its log on failure."""
        binary = self.base / "kwin_wayland"
        shutil.copyfile(shutil.which("kwin_wayland") or "kwin_wayland", binary)
        binary.chmod(0o755)
        self.env["XDG_CURRENT_DESKTOP"] = "KDE"
        log = open(self.base / "kwin.log", "wb")  # noqa: SIM115 - owned by the child for its lifetime
        self._proc = subprocess.Popen(
            [*user_prefix(), "dbus-run-session", "--", str(binary), "--virtual", "--no-lockscreen",
             "--socket", "wayland-kw", "--width", "1280", "--height", "800"],
            env={**self.env, "QT_QPA_PLATFORM": "offscreen"}, stdout=log, stderr=log, start_new_session=True)
        log.close()
        socket = self.runtime / "wayland-kw"
        if not xenv.wait_for(lambda: socket.exists() or (self._proc is not None and self._proc.poll() is not None),
                             timeout) or not socket.exists():
            text = (self.base / "kwin.log").read_text(errors="replace")[-2000:]
            self.close()
            raise SwayError(f"kwin_wayland --virtual did not start: {text}")
        self.env["WAYLAND_DISPLAY"] = "wayland-kw"


SessionT = TypeVar("SessionT", bound=SwaySession)


def _running(session_type: type[SessionT], prefix: str) -> Iterator[SessionT]:
    """Start a compositor session in a fresh folder, yield it, and close it (skipped with the reason when it cannot
    start here)."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    session = session_type(base)
    try:
        try:
            session.start()
        except SwayError as exc:
            pytest.skip(str(exc))
        yield session
    finally:
        session.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def kwin() -> Iterator[KwinSession]:
    """A fresh KWin (``--virtual``) for one test (skipped, with the reason, where it cannot run)."""
    missing = [tool for tool in ("kwin_wayland", "dbus-run-session", "wl-copy", "wl-paste", "wtype")
               if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the KWin test needs {', '.join(missing)} (apt install kwin-wayland dbus wl-clipboard wtype)")
    yield from _running(KwinSession, "kwin-")


@pytest.fixture
def sway(request: pytest.FixtureRequest) -> Iterator[SwaySession]:
    """A fresh headless sway for one test (skipped, with the reason, where it cannot run)."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"headless sway test needs {', '.join(missing)} (apt install sway wtype wl-clipboard)")
    yield from _running(SwaySession, "sway-")
