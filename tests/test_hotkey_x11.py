"""The global hotkey on a real Xvfb: hold/toggle, auto-repeat, modifier-only cancel, grab (no leak), robustness."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from swictation_gui.errors import HotkeyError
from swictation_gui.platform.base import HotkeyMode
from swictation_gui.platform.hotkey import X11HotkeyListener
from tests.desktop import xenv

if TYPE_CHECKING:
    from tests.desktop.fixtures import TargetWindow

Listen = Callable[..., "tuple[X11HotkeyListener, Recorder]"]
pytestmark = pytest.mark.e2e


class Recorder:
    """Collects callback names from the listener thread."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self._cond = threading.Condition()

    def callback(self, name: str, action: Callable[[], None] | None = None) -> Callable[[], None]:
        def record() -> None:
            with self._cond:
                self.events.append(name)
                self._cond.notify_all()
            if action is not None:
                action()
        return record

    def wait(self, count: int, timeout: float = 5) -> list[str]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.events) >= count, timeout)
            return list(self.events)


@pytest.fixture
def listen(xdisplay: xenv.XDisplay) -> Iterator[Listen]:
    listeners: list[X11HotkeyListener] = []

    def start(spec: str, mode: HotkeyMode = HotkeyMode.HOLD, grab: bool = True,
              on_start: Callable[[], None] | None = None) -> tuple[X11HotkeyListener, Recorder]:
        rec = Recorder()
        listener = X11HotkeyListener(spec, mode, grab=grab)
        listeners.append(listener)
        listener.start(rec.callback("start", on_start), rec.callback("stop"), rec.callback("cancel"))
        return listener, rec

    yield start
    for listener in listeners:
        listener.stop()


def test_hold_right_ctrl(xdisplay: xenv.XDisplay, listen: Listen) -> None:
    listener, rec = listen("ctrl_r")
    xdisplay.xtest_key("Control_R", True)
    assert rec.wait(1) == ["start"]
    assert listener.active
    xdisplay.xtest_key("Control_R", False)
    assert rec.wait(2) == ["start", "stop"]
    assert not listener.active


def test_left_ctrl_does_not_trigger_right_ctrl_hotkey(xdisplay: xenv.XDisplay,
                                                      listen: Listen) -> None:
    _, rec = listen("ctrl_r")
    xdisplay.xtest_key("Control_L", True)
    xdisplay.xtest_key("Control_L", False)
    xdisplay.xtest_key("Control_R", True)   # the sync point: this one must be the first event
    xdisplay.xtest_key("Control_R", False)
    assert rec.wait(2) == ["start", "stop"]


def test_auto_repeat_is_ignored(xdisplay: xenv.XDisplay,
                                listen: Listen) -> None:
    _, rec = listen("f9")
    xdisplay.xtest_key("F9", True)
    for _ in range(10):  # what X auto-repeat produces: more presses, no releases
        xdisplay.xtest_key("F9", True)
    xdisplay.xtest_key("F9", False)
    assert rec.wait(2) == ["start", "stop"]
    xdisplay.xtest_key("F9", True)
    xdisplay.xtest_key("F9", False)
    assert rec.wait(4) == ["start", "stop", "start", "stop"]


def test_toggle_mode(xdisplay: xenv.XDisplay, listen: Listen) -> None:
    listener, rec = listen("shift+f12", HotkeyMode.TOGGLE)
    xdisplay.key_tap("shift+F12")
    assert rec.wait(1) == ["start"]
    assert listener.active
    xdisplay.key_tap("shift+F12")
    assert rec.wait(2) == ["start", "stop"]
    assert not listener.active


def test_toggle_mode_modifier_only_needs_a_clean_tap(
        xdisplay: xenv.XDisplay, listen: Listen) -> None:
    _, rec = listen("ctrl_r", HotkeyMode.TOGGLE)
    xdisplay.xtest_key("Control_R", True)
    xdisplay.xtest_key("Control_R", False)
    assert rec.wait(1) == ["start"]
    xdisplay.xtest_key("Control_R", True)   # ctrl_r + c is a shortcut, not a toggle
    xdisplay.xtest_key("c", True)
    xdisplay.xtest_key("c", False)
    xdisplay.xtest_key("Control_R", False)
    xdisplay.xtest_key("Control_R", True)
    xdisplay.xtest_key("Control_R", False)
    assert rec.wait(2) == ["start", "stop"]


def test_modifier_only_shortcut_cancels(xdisplay: xenv.XDisplay,
                                        listen: Listen) -> None:
    listener, rec = listen("ctrl_r")
    xdisplay.xtest_key("Control_R", True)
    assert rec.wait(1) == ["start"]
    xdisplay.xtest_key("c", True)
    assert rec.wait(2) == ["start", "cancel"]
    assert not listener.active
    xdisplay.xtest_key("c", False)
    xdisplay.xtest_key("Control_R", False)
    xdisplay.xtest_key("Control_R", True)   # the next clean press dictates again; no stop came in between
    assert rec.wait(3) == ["start", "cancel", "start"]
    xdisplay.xtest_key("Control_R", False)
    assert rec.wait(4) == ["start", "cancel", "start", "stop"]


@pytest.mark.parametrize("grab", [True, False])
def test_combination_hotkey_does_not_leak_when_grabbed(
        xdisplay: xenv.XDisplay, start_target: Callable[..., TargetWindow],
        listen: Listen, grab: bool) -> None:
    target_window = start_target("line")
    _, rec = listen("ctrl+alt+space", grab=grab)
    xdisplay.key_down("ctrl+alt+space")
    assert rec.wait(1) == ["start"]
    xdisplay.key_up("ctrl+alt+space")
    assert rec.wait(2) == ["start", "stop"]
    target_window.focus()
    xdisplay.xdotool("type", "x")   # a marker typed after the hotkey: the window has seen every earlier key
    assert target_window.wait_text("x") == "x"
    space_presses = [k for k in target_window.key_log() if k.startswith("press 32 ")]  # 32 = Qt.Key_Space
    if grab:
        assert space_presses == []
    else:  # the control case: without the grab the space reaches the window (proves the check can fail)
        assert space_presses


def test_sided_combination_lets_the_other_side_through(
        xdisplay: xenv.XDisplay, start_target: Callable[..., TargetWindow], listen: Listen) -> None:
    target_window = start_target("line")
    _, rec = listen("ctrl_r+space")
    xdisplay.xtest_key("Control_L", True)     # Left Ctrl+Space is not our hotkey: it must reach the window
    xdisplay.xtest_key("space", True)
    xdisplay.xtest_key("space", False)
    xdisplay.xtest_key("Control_L", False)
    xdisplay.xtest_key("Control_R", True)     # Right Ctrl+Space is: grabbed, dictation starts
    xdisplay.xtest_key("space", True)
    assert rec.wait(1) == ["start"]
    xdisplay.xtest_key("space", False)
    xdisplay.xtest_key("Control_R", False)
    assert rec.wait(2) == ["start", "stop"]
    xdisplay.xdotool("type", "x")
    assert target_window.wait_text("x") == "x"
    space_presses = [k for k in target_window.key_log() if k.startswith("press 32 ")]
    assert len(space_presses) == 1   # only the Left Ctrl one


def test_raising_callback_does_not_kill_the_listener(
        xdisplay: xenv.XDisplay, listen: Listen,
        caplog: pytest.LogCaptureFixture) -> None:
    def boom() -> None:
        raise RuntimeError("callback bug")

    _, rec = listen("f9", on_start=boom)
    for n in (2, 4):
        xdisplay.xtest_key("F9", True)
        xdisplay.xtest_key("F9", False)
        assert len(rec.wait(n)) == n
    assert rec.events == ["start", "stop", "start", "stop"]
    assert "callback bug" in caplog.text


def test_wait_keys_released(xdisplay: xenv.XDisplay, listen: Listen) -> None:
    listener, rec = listen("ctrl+alt+space")
    xdisplay.key_down("ctrl+alt+space")
    assert rec.wait(1) == ["start"]
    assert listener.wait_keys_released(0.2) is False
    xdisplay.key_up("space")
    assert rec.wait(2) == ["start", "stop"]
    assert listener.wait_keys_released(0.2) is False   # ctrl and alt are still down
    xdisplay.key_up("ctrl", "alt")
    assert listener.wait_keys_released(5) is True


def test_grab_conflict_and_release_on_stop(xdisplay: xenv.XDisplay,
                                           listen: Listen) -> None:
    first, _ = listen("super+f8")
    with pytest.raises(HotkeyError, match="already taken"):
        listen("super+f8")
    first.stop()
    first.stop()  # idempotent
    _, rec = listen("super+f8")   # the grab was released, so it can be taken again
    xdisplay.key_down("super+F8")
    xdisplay.key_up("super+F8")
    assert rec.wait(2) == ["start", "stop"]


def test_bad_spec_is_a_hotkey_error() -> None:
    with pytest.raises(HotkeyError):
        X11HotkeyListener("ctrl+nonsense")
