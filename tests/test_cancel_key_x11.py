"""The cancel key on a real Xvfb: grabbed only while armed (Esc then never reaches the focused window), released at
once when disarmed or stopped, with real XTest key events sent from another connection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from swictation_gui.platform.cancel_key import X11CancelKey
from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow, start_target, xdisplay, xserver  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e
QT_KEY_ESCAPE = 0x01000000


class Recorder:
    """Counts presses and grab changes reported on the cancel-key thread."""

    def __init__(self) -> None:
        self.presses = 0
        self.armed: list[bool] = []
        self.failures: list[str] = []
        self.threads: set[str] = set()
        self._cond = threading.Condition()

    def press(self) -> None:
        with self._cond:
            self.presses += 1
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def armed_changed(self, armed: bool) -> None:
        with self._cond:
            self.armed.append(armed)
            self._cond.notify_all()

    def failed(self, message: str) -> None:
        with self._cond:
            self.failures.append(message)
            self._cond.notify_all()

    def wait(self, predicate: Callable[[], bool], timeout: float = 5) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)


Start = Callable[[str], "tuple[X11CancelKey, Recorder]"]


@pytest.fixture
def cancel_key(xdisplay: xenv.XDisplay) -> Iterator[Start]:  # noqa: F811
    started: list[X11CancelKey] = []

    def start(key: str = "esc") -> tuple[X11CancelKey, Recorder]:
        rec = Recorder()
        backend = X11CancelKey(key, rec.press, rec.armed_changed, rec.failed)
        started.append(backend)
        backend.start()
        return backend, rec

    yield start
    for backend in started:
        backend.stop()
    for backend in started:
        assert backend.join(5)


def escapes(window: TargetWindow) -> int:
    return sum(1 for line in window.key_log() if line.split()[1] == str(QT_KEY_ESCAPE))


def tap_esc(screen: xenv.XDisplay) -> None:
    screen.xtest_key("Escape", True)
    screen.xtest_key("Escape", False)


def arm(backend: X11CancelKey, rec: Recorder, armed: bool) -> None:
    count = rec.armed.count(armed)
    backend.arm(armed)
    assert rec.wait(lambda: rec.armed.count(armed) > count), rec.armed


def test_armed_esc_is_reported_and_never_reaches_the_focused_window(
        xdisplay: xenv.XDisplay, cancel_key: Start, start_target: Callable[..., TargetWindow]) -> None:  # noqa: F811
    window = start_target("line")
    backend, rec = cancel_key("esc")
    arm(backend, rec, True)
    tap_esc(xdisplay)
    assert rec.wait(lambda: rec.presses == 1)
    xdisplay.xtest_key("Control_R", True)  # a held hold-to-talk hotkey adds its modifier: still ours
    tap_esc(xdisplay)
    xdisplay.xtest_key("Control_R", False)
    assert rec.wait(lambda: rec.presses == 2)
    assert rec.threads == {"cancel-key"}
    xdisplay.xdotool("type", "a")  # the sync point: a key that does reach the window
    assert window.wait_text("a") == "a"
    assert escapes(window) == 0, window.key_log()


def test_disarmed_esc_reaches_the_focused_window(
        xdisplay: xenv.XDisplay, cancel_key: Start, start_target: Callable[..., TargetWindow]) -> None:  # noqa: F811
    window = start_target("line")
    backend, rec = cancel_key("esc")
    tap_esc(xdisplay)  # never armed
    assert xenv.wait_for(lambda: escapes(window) == 1, 5), window.key_log()
    arm(backend, rec, True)
    arm(backend, rec, False)
    tap_esc(xdisplay)
    assert xenv.wait_for(lambda: escapes(window) == 2, 5), window.key_log()
    assert rec.presses == 0 and rec.failures == []


def test_many_arm_cycles_with_esc_at_any_moment_leave_no_grab_behind(
        xdisplay: xenv.XDisplay, cancel_key: Start, start_target: Callable[..., TargetWindow]) -> None:  # noqa: F811
    window = start_target("line")
    backend, rec = cancel_key("esc")
    for round_ in range(12):
        backend.arm(True)
        if round_ % 3 == 0:
            tap_esc(xdisplay)  # while the grab is being taken
        backend.arm(False)
        if round_ % 3 == 1:
            tap_esc(xdisplay)  # while it is being released
    assert rec.wait(lambda: rec.armed[-1:] == [False]), rec.armed
    before = escapes(window)
    tap_esc(xdisplay)
    assert xenv.wait_for(lambda: escapes(window) == before + 1, 5), window.key_log()
    assert rec.failures == []


def test_stopping_while_armed_releases_the_key(
        xdisplay: xenv.XDisplay, cancel_key: Start, start_target: Callable[..., TargetWindow]) -> None:  # noqa: F811
    window = start_target("line")
    backend, rec = cancel_key("f8")
    arm(backend, rec, True)
    backend.stop()
    assert backend.join(5)
    backend.arm(True)  # after stop: ignored, and never writes to a closed pipe
    tap_esc(xdisplay)
    xdisplay.xtest_key("F8", True)
    xdisplay.xtest_key("F8", False)
    assert xenv.wait_for(lambda: escapes(window) == 1 and any(" 16777271 " in k for k in window.key_log()), 5), \
        window.key_log()
    assert rec.presses == 0
