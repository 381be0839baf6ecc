"""Runs the real app process for end-to-end tests (``AppProcess``), and tests its start-up and shutdown."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import xdisplay, xserver  # noqa: F401 - fixtures
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture

REPO_ROOT = Path(__file__).resolve().parents[1]
Event = dict[str, Any]


class AppProcess:
    """``python -m swictation_gui … --log-json --log-transcripts`` with its stderr events collected.

    A reader thread parses each stderr line; JSON objects with an ``ev`` key are events, everything
    else is kept as log text for failure messages.
    """

    def __init__(self, args: Sequence[str], env: dict[str, str], prefix: Sequence[str] = ()) -> None:
        cmd = [*prefix, sys.executable, "-m", "swictation_gui", *args, "--log-json", "--log-transcripts"]
        self.proc = subprocess.Popen(cmd, env={**env, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"},
                                     cwd=str(REPO_ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.events: list[Event] = []
        self.log: list[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            event: Event | None = None
            if line.startswith("{"):
                try:
                    parsed = json.loads(line)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict) and "ev" in parsed:
                    event = parsed
            with self._cond:
                if event is not None:
                    self.events.append(event)
                else:
                    self.log.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def describe(self) -> str:
        """Recent events and log lines, for assertion messages."""
        with self._cond:
            events = "\n".join(json.dumps(e, ensure_ascii=False) for e in self.events[-40:])
            logs = "\n".join(self.log[-40:])
        return f"--- events ---\n{events}\n--- log ---\n{logs}"

    def wait(self, match: Callable[[Event], bool], timeout: float, what: str, start: int = 0) -> Event:
        """The first event at index ≥ ``start`` that ``match``es; fails the test on timeout or exit."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[start:]:
                    if match(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"timed out waiting for {what}\n{self.describe()}")
                if self.proc.poll() is not None and not self._reader.is_alive():
                    pytest.fail(f"the app exited ({self.proc.returncode}) while waiting for {what}\n{self.describe()}")
                self._cond.wait(min(remaining, 0.2))

    def wait_ev(self, name: str, timeout: float = 20, start: int = 0, **fields: Any) -> Event:
        """The first event named ``name`` with the given field values."""
        return self.wait(lambda e: e.get("ev") == name and all(e.get(k) == v for k, v in fields.items()),
                         timeout, f"event {name} {fields}", start)

    def wait_mic_ok(self, ready: Event, timeout: float = 20) -> None:
        """Fail unless the microphone check at start passed: the ``ready`` event says so, or (when the check answered
        after the model was warm) the first ``mic`` event is ``open``."""
        if ready.get("mic") is True:
            return
        first = self.wait(lambda e: e.get("ev") == "mic", timeout, "the microphone check")
        assert first.get("status") == "open", self.describe()

    def mark(self) -> int:
        """The index of the next event (to wait only for later ones)."""
        with self._cond:
            return len(self.events)

    def of(self, name: str) -> list[Event]:
        """Every event named ``name`` so far."""
        with self._cond:
            return [e for e in self.events if e.get("ev") == name]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Send ``sig`` and wait for the exit code (kills the group after ``timeout``)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
                pytest.fail(f"the app did not exit within {timeout} s of signal {sig}\n{self.describe()}")
        self._reader.join(5)
        return self.proc.returncode

    def wait_exit(self, timeout: float = 20) -> int:
        """Wait for the process to exit by itself; its exit code."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the app did not exit within {timeout} s\n{self.describe()}")
        self._reader.join(5)
        return code

    def kill(self) -> None:
        """Make sure the process group is gone (cleanup)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self._reader.join(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


@pytest.fixture
def run_app(tmp_path: Path) -> Iterator[Callable[..., AppProcess]]:
    """Factory: ``run_app(args, env)`` starts the app; every app started is stopped afterwards."""
    started: list[AppProcess] = []

    def start(args: Sequence[str], env: dict[str, str]) -> AppProcess:
        app = AppProcess([f"--config={tmp_path / 'settings.json'}", *args], env)
        started.append(app)
        return app

    yield start
    for app in started:
        app.kill()
    for app in started:
        assert not app.of("thread_violation"), f"pipeline called from a foreign thread\n{app.describe()}"


def app_env(display: xenv.XDisplay, mic: VirtualMic | None, home: Path) -> dict[str, str]:
    """Environment for the app: the test display, the virtual mic, an isolated user home."""
    env = {**display.env, "SWICTATION_GUI_HOME": str(home)}
    if mic is not None:
        env.update(mic.env)
    return env


@pytest.mark.e2e
@pytest.mark.slow
def test_app_starts_ready_and_exits_cleanly_on_sigterm(
        run_app: Callable[..., AppProcess], xdisplay: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        band_model: Path, tmp_path: Path) -> None:
    app = run_app([f"--model-dir={band_model}", "--hotkey=f9"], app_env(xdisplay, virtual_mic, tmp_path))
    ready = app.wait_ev("ready", 60)
    app.wait_mic_ok(ready)
    assert ready["rate"] == 16_000
    app.wait_ev("listening", 20)
    assert app.stop(signal.SIGTERM) == 0
    assert app.of("stopped"), app.describe()


@pytest.mark.e2e
@pytest.mark.slow
def test_missing_model_is_reported_and_the_app_stays_up(
        run_app: Callable[..., AppProcess], xdisplay: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        tmp_path: Path) -> None:
    app = run_app([f"--model-dir={tmp_path / 'no-model'}", "--hotkey=f9"], app_env(xdisplay, virtual_mic, tmp_path))
    failed = app.wait_ev("load_failed", 60)
    assert "no-model" in failed["message"]
    assert app.proc.poll() is None
    assert app.stop(signal.SIGINT) == 0


@pytest.mark.e2e
def test_no_display_gives_a_clear_message(run_app: Callable[..., AppProcess], tmp_path: Path,
                                          band_model: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    app = run_app([f"--model-dir={band_model}"], env)
    fatal = app.wait_ev("fatal", 30)
    assert "display" in fatal["message"].lower()
    assert app.wait_exit() == 1


@pytest.mark.e2e
@pytest.mark.slow
def test_quit_command_stops_the_app_and_a_second_launch_defers_to_the_first(
        run_app: Callable[..., AppProcess], xdisplay: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        band_model: Path, tmp_path: Path) -> None:
    env = app_env(xdisplay, virtual_mic, tmp_path)
    app = run_app([f"--model-dir={band_model}", "--hotkey=f9", "--sound-cues=off"], env)
    app.wait_ev("ready", 60)
    second = run_app([f"--model-dir={band_model}", "--hotkey=f9"], env)
    second.wait_ev("already_running", 30)
    assert second.wait_exit() == 0
    app.wait_ev("command", 10, command="settings")
    done = subprocess.run([sys.executable, "-m", "swictation_gui", "quit"], env={**env, "PYTHONPATH": str(REPO_ROOT)},
                          cwd=str(REPO_ROOT), capture_output=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert app.wait_exit(30) == 0
    assert app.of("stopped"), app.describe()
