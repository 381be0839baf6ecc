"""The tray stays responsive while opening the microphone hangs (real app process, fake PortAudio)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from swictation_gui.platform import ipc
from tests.desktop import xenv
from tests.desktop.fixtures import xdisplay, xserver  # noqa: F401 - fixtures
from tests.test_e2e_harness import REPO_ROOT, AppProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FAKE_PORTAUDIO = REPO_ROOT / "tests" / "fakes" / "portaudio_fake"


class FakeMicApp(AppProcess):
    """The app with ``tests/fakes/portaudio_fake`` first on PYTHONPATH: ``import sounddevice`` gets the fake."""

    def __init__(self, args: Sequence[str], env: dict[str, str]) -> None:
        cmd = [sys.executable, "-m", "swictation_gui", *args, "--log-json"]
        self.proc = subprocess.Popen(cmd, env={**env, "PYTHONPATH": f"{FAKE_PORTAUDIO}{os.pathsep}{REPO_ROOT}",
                                               "PYTHONUNBUFFERED": "1"},
                                     cwd=str(REPO_ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.events, self.log = [], []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def wait_log(self, text: str, timeout: float) -> None:
        """Wait for a log line containing ``text``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(text in line for line in self.log):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    pytest.fail(f"no log line with {text!r}\n{self.describe()}")
                self._cond.wait(0.1)


@pytest.fixture
def fake_mic_app(xdisplay: xenv.XDisplay, band_model: Path,  # noqa: F811
                 tmp_path: Path) -> Iterator[FakeMicApp]:
    """The app with a microphone whose first open hangs 5 s (the control folder is this test's)."""
    env = {**xdisplay.env, "SWICTATION_GUI_HOME": os.environ["SWICTATION_GUI_HOME"],
           "FAKE_SD_OPEN_HANG_S": "5", "FAKE_SD_HANG_OPENS": "1"}
    app = FakeMicApp([f"--config={tmp_path / 'settings.json'}", f"--model-dir={band_model}", "--hotkey=f9"], env)
    try:
        yield app
    finally:
        app.kill()


def test_settings_command_is_handled_within_200_ms_while_the_microphone_open_hangs(fake_mic_app: FakeMicApp) -> None:
    app = fake_mic_app
    app.wait_ev("starting", 60)
    app.wait_log("InputStream open 1 hangs 5.0 s", 30)
    mark = app.mark()
    started = time.monotonic()
    assert ipc.send_command("settings", timeout=2) == "ok"
    answered = time.monotonic() - started
    app.wait_ev("command", 6, start=mark, command="settings")
    handled = time.monotonic() - started
    assert answered < 0.2, f"the control socket answered after {answered * 1000:.0f} ms"
    assert handled < 0.2, f"the GUI thread handled the command after {handled * 1000:.0f} ms\n{app.describe()}"
    app.wait_ev("mic", 15, status="open")   # the hang ends and the microphone opens
    assert not app.of("thread_violation"), app.describe()
    assert app.stop(signal.SIGTERM) == 0, app.describe()
    assert app.of("stopped"), app.describe()
