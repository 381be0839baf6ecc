"""End to end under a real window manager: the recording overlay never takes the focus, and Esc cancels a recording.

The real app runs on its own Xvfb with openbox (so ``_NET_ACTIVE_WINDOW`` and focus-stealing behave as on a desktop)
and trayer, a real target window has the focus, speech is played into the PulseAudio virtual microphone, and keys
are real XTest events from other connections.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic, espeak_wav, virtual_mic  # noqa: F401 - fixture
from tests.test_cancel_key_x11 import escapes, tap_esc
from tests.test_e2e_dictation import Keys, dictate, phrase_wav, screen, start_app, target  # noqa: F401 - fixtures
from tests.test_e2e_harness import AppProcess, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
OVERLAY_TITLE = "^Swictation recording indicator$"


@pytest.fixture(scope="module")
def desk() -> Iterator[xenv.XDisplay]:
    """This module's own Xvfb with openbox and a trayer system tray (``screen`` and ``target`` build on it)."""
    if xenv.missing_tools() or not all(shutil.which(t) for t in ("trayer", "openbox", "xprop")):
        pytest.skip("X test tools (Xvfb, xdotool, trayer, openbox, xprop) are not installed")
    display = xenv.start_xvfb()
    try:
        display.spawn(["openbox", "--sm-disable"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        running = xenv.wait_for(lambda: b"window id" in display.run(
            "xprop", "-root", "_NET_SUPPORTING_WM_CHECK", check=False).stdout, 15, 0.05)
        assert running, "openbox did not start"
        display.start_tray()
        yield display
    finally:
        display.close()


def activate(display: xenv.XDisplay, window: TargetWindow) -> None:
    """Make the target the window manager's active window (as a click would) and wait until it has the focus."""
    display.xdotool("windowactivate", "--sync", str(window.wid))
    wanted = (window.wid, window.wid)
    assert xenv.wait_for(lambda: active_and_focused(display) == wanted, 5), active_and_focused(display)


def active_and_focused(display: xenv.XDisplay) -> tuple[int, int]:
    """(_NET_ACTIVE_WINDOW, the X input focus)."""
    active = display.run("xdotool", "getactivewindow", check=False).stdout.strip()
    focus = display.run("xdotool", "getwindowfocus", check=False).stdout.strip()
    return int(active or 0), int(focus or 0)


def overlay_mapped(display: xenv.XDisplay) -> bool:
    return bool(display.run("xdotool", "search", "--onlyvisible", "--name", OVERLAY_TITLE, check=False).stdout.split())


class FocusWatch:
    """Samples the active window and the focus on a thread until stopped; keeps every sample."""

    def __init__(self, display: xenv.XDisplay) -> None:
        self.display = display
        self.samples: list[tuple[int, int, bool]] = []  # (active, focus, overlay mapped)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            mapped = overlay_mapped(self.display)
            self.samples.append((*active_and_focused(self.display), mapped))

    def stop(self) -> list[tuple[int, int, bool]]:
        self._stop.set()
        self._thread.join(10)
        return self.samples


def test_the_overlay_shows_while_dictating_and_the_target_keeps_the_focus_and_gets_the_text(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], unicode_model: Path, tmp_path: Path) -> None:  # noqa: F811
    speech = espeak_wav("Hello world, one two three.", tmp_path / "speech.wav")
    window = target("text")
    # one piece: the unicode model says its whole sentence for every piece (a cut at the comma would double it)
    app = start_app(run_app, screen, virtual_mic, unicode_model, tmp_path, "--no-trailing-space",
                    "--progressive=off")  # ctrl_r, hold
    activate(screen, window)
    assert not overlay_mapped(screen)  # idle: hidden
    watch = FocusWatch(screen)
    try:
        keys = Keys(screen, "ctrl_r")
        mark = app.mark()
        keys.down()
        seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
        assert xenv.wait_for(lambda: overlay_mapped(screen), 5), "the overlay did not show while recording"
        virtual_mic.play(speech)
        assert overlay_mapped(screen)
        keys.up()
        app.wait_ev("injected", 30, seq=seq)
        assert xenv.wait_for(lambda: not overlay_mapped(screen), 5), "the overlay stayed up after the dictation"
    finally:
        samples = watch.stop()
    shown = [s for s in samples if s[2]]
    assert len(shown) >= 5, samples  # it was watched while it showed
    assert all((active, focus) == (window.wid, window.wid) for active, focus, _ in samples), \
        f"the focus left the target window {window.wid}: {sorted(set(samples))}"
    expected = "café — naïve ß 日本語 😀"
    assert window.wait_text(expected) == expected, app.describe()


@pytest.mark.parametrize(("hotkey", "mode"), [("ctrl_r", "hold"), ("f9", "hold"), ("f9", "toggle")])
def test_esc_cancels_only_while_recording(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path,  # noqa: F811
        hotkey: str, mode: str) -> None:
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, f"--hotkey={hotkey}", f"--mode={mode}",
                    "--no-trailing-space")
    activate(screen, window)
    keys = Keys(screen, hotkey)
    tap_esc(screen)  # idle: Esc is not grabbed and reaches the window
    assert xenv.wait_for(lambda: escapes(window) == 1, 5), window.key_log()

    # Esc during a recording: cancelled, no text, no Esc in the window, and the user is told.
    mark = app.mark()
    keys.down()
    if mode == "toggle":
        keys.up()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    app.wait_ev("cancel_key_grab", 5, start=mark, armed=True)
    virtual_mic.play(phrase_wav(virtual_mic, ["do", "re", "mi"]))
    tap_esc(screen)
    app.wait_ev("cancelled", 10, start=mark, seq=seq)
    app.wait_ev("cancel_key", 10, start=mark, key="esc", seq=seq)
    app.wait_ev("cancel_key_grab", 5, start=mark, armed=False)
    if mode == "hold":
        keys.up()
    # Esc right after the cancel is not grabbed any more; the user was told once.
    tap_esc(screen)
    assert xenv.wait_for(lambda: escapes(window) == 2, 5), window.key_log()
    assert len(app.of("cancel_key")) == 1, app.describe()

    # The next recording works and types its words, which are the only text in the window.
    if mode == "toggle":
        seq = dictate_toggle(app, keys, virtual_mic, ["fa", "sol"])
    else:
        seq = dictate(app, keys, virtual_mic, phrase_wav(virtual_mic, ["fa", "sol"], "fa_sol.wav"))
    app.wait_ev("injected", 30, seq=seq)
    assert window.wait_text("fa sol") == "fa sol", app.describe()
    assert [e["seq"] for e in app.of("transcript")] == [seq], app.describe()


def dictate_toggle(app: AppProcess, keys: Keys, mic: VirtualMic, words: list[str]) -> int:
    mark = app.mark()
    keys.down()
    keys.up()
    seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
    mic.play(phrase_wav(mic, words, "toggle.wav"))
    keys.down()
    keys.up()
    return seq


def test_esc_at_any_moment_of_many_rounds_never_crashes_or_leaves_a_grab(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path, "--hotkey=f9", "--mode=toggle",
                    "--no-trailing-space")
    activate(screen, window)
    keys = Keys(screen, "f9")
    wav = phrase_wav(virtual_mic, ["la"], "la.wav")
    for round_ in range(8):
        mark = app.mark()
        keys.down()
        keys.up()
        seq = int(app.wait_ev("recording", 10, start=mark)["seq"])
        cancelled = False
        if round_ % 4 == 0:  # while the recording (and its grab) starts: cancelled, or the window gets the key
            before = escapes(window)
            tap_esc(screen)
            assert xenv.wait_for(lambda b=before, s=seq: escapes(window) > b or any(
                e["seq"] == s for e in app.of("cancelled")), 5), app.describe()
            cancelled = any(e["seq"] == seq for e in app.of("cancelled"))
        if not cancelled:
            virtual_mic.play(wav)
            keys.down()
            keys.up()
        if round_ % 4 == 1:
            tap_esc(screen)  # right at the release, while the grab goes away
        if round_ % 4 == 2:
            app.wait_ev("released", 10, start=mark, seq=seq)
            tap_esc(screen)  # while it is transcribed
        app.wait(lambda e, s=seq: e.get("seq") == s and e.get("ev") in ("injected", "cancelled", "empty"), 30,
                 f"the end of utterance {seq}", mark)
    assert app.proc.poll() is None, app.describe()
    assert xenv.wait_for(lambda: app.of("phase")[-1]["phase"] == "idle", 30), app.describe()
    assert xenv.wait_for(lambda: app.of("cancel_key_grab")[-1]["armed"] is False, 5), app.describe()
    before = escapes(window)
    tap_esc(screen)  # nothing is left grabbed
    assert xenv.wait_for(lambda: escapes(window) == before + 1, 5), window.key_log()
    text = window.text()
    injected = len(app.of("injected"))
    # Dictations into the same window are joined with one space, unless a key (an Esc that reached the window) was
    # pressed since; so the spaces depend on which taps were grabbed, the words do not.
    assert injected >= 4 and text.replace(" ", "") == "la" * injected, (text, app.describe())
    assert "  " not in text and not text.startswith(" "), text
