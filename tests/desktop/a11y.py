"""A private accessibility stack for tests: a session bus with at-spi2-core's accessibility bus and registry.

:func:`accessibility_bus` starts ``dbus-daemon --session`` (private, in the test's folder) and
``at-spi-bus-launcher --launch-immediately`` on it; the registry daemon (``at-spi2-registryd``) is started by the
accessibility bus itself when the first application registers. Qt windows publish their widgets there when started
with :data:`QT_A11Y_ENV` and the bus's environment. Everything runs on the test's thread.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.fakes.portal import private_bus

LAUNCHER = Path("/usr/libexec/at-spi-bus-launcher")
QT_A11Y_ENV = {"QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "QT_ACCESSIBILITY": "1"}


def missing() -> str:
    """What is missing to run the stack ("" when nothing)."""
    if shutil.which("dbus-daemon") is None:
        return "dbus-daemon is not installed (apt install dbus-daemon)"
    if not LAUNCHER.exists():
        return "at-spi2-core is not installed (apt install at-spi2-core)"
    return ""


@dataclass(frozen=True)
class A11yBus:
    """A running stack: ``env`` holds the session bus address and the runtime folder that clients need."""

    address: str
    env: dict[str, str]

    def prefix(self, accessible: bool = True) -> list[str]:
        """A command prefix that starts a Qt program on this session bus with accessibility forced on; without
        ``accessible``, away from every session bus (so it cannot publish anything)."""
        if not accessible:
            return ["env", "-u", "DBUS_SESSION_BUS_ADDRESS"]
        return ["env", *(f"{k}={v}" for k, v in {**self.env, **QT_A11Y_ENV}.items())]


def _has_a11y_bus(address: str) -> bool:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as conn:
        reply = conn.send_and_get_reply(new_method_call(
            DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus"), "NameHasOwner",
            "s", ("org.a11y.Bus",)), timeout=2)
        return bool(reply.body[0])


@contextlib.contextmanager
def accessibility_bus(display: xenv.XDisplay, folder: Path) -> Iterator[A11yBus]:
    """Start the stack for ``display`` in ``folder``; stopped (with the registry it started) on exit."""
    runtime = folder / "a11y-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    with private_bus(folder) as address:
        env = {"DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": str(runtime)}
        # --a11y=0: the desktop's accessibility switch stays off; only windows started with QT_A11Y_ENV publish.
        proc = subprocess.Popen([str(LAUNCHER), "--launch-immediately", "--a11y=0"], env={**display.env, **env},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            if not xenv.wait_for(lambda: _has_a11y_bus(address), 10, 0.05):
                raise RuntimeError("at-spi-bus-launcher did not take org.a11y.Bus")
            yield A11yBus(address, env)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


@contextlib.contextmanager
def accessibility_bus_or_skip(display: xenv.XDisplay, folder: Path) -> Iterator[A11yBus]:
    """:func:`accessibility_bus`, or skip the test when dbus-daemon or at-spi2-core is not installed."""
    if reason := missing():
        pytest.skip(reason)
    with accessibility_bus(display, folder) as bus:
        yield bus
