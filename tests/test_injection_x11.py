"""Text injection on a real Xvfb into real target windows: type, paste, auto; clipboard restore; held keys."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from swictation_gui.platform import x11
from swictation_gui.platform.base import InjectionMethod, InjectionResult
from swictation_gui.platform.clipboard import make_backend
from swictation_gui.platform.hotkey import X11HotkeyListener
from swictation_gui.platform.injection import X11Injector, clean_text, create_injector
from swictation_gui.platform.keyboard_state import KeyboardState
from tests.desktop import xenv
from tests.desktop.hotkey_sink import RecordingSink

if TYPE_CHECKING:
    from tests.desktop.fixtures import TargetWindow


UNICODE = "café — naïve ß 日本語 😀"
ASCII = "Hello, world! 123 (ok) ~`@#$%^&*_+={}[]|\\:;\"'<>,.?/"
StartTarget = Callable[..., "TargetWindow"]


def injector(method: InjectionMethod, **kwargs: object) -> X11Injector:
    return X11Injector(method, clipboard=make_backend("xclip"), **kwargs)  # type: ignore[arg-type]


def listening(spec: str, keyboard: KeyboardState, on_up: Callable[[], None] | None = None) \
        -> tuple[X11HotkeyListener, RecordingSink]:
    listener, sink = X11HotkeyListener(spec, keyboard), RecordingSink(on_up=on_up)
    listener.start(sink)
    assert sink.wait_outcome() == "ready"
    return listener, sink


def test_clean_text_strips_control_characters() -> None:
    assert clean_text("a\x07b\x1bc\r\nd\te\x00f\rg\x7f") == "abc\nd\tef\ng"
    assert clean_text(UNICODE) == UNICODE
    assert clean_text("👩‍💻") == "👩‍💻"  # the zero-width joiner (format, not control) stays


@pytest.mark.parametrize(("wm_class", "terminal"), [
    (("xterm", "XTerm"), True), (("gnome-terminal-server", "Gnome-terminal"), True), (("kitty", "kitty"), True),
    (("Alacritty", "Alacritty"), True), (("org.wezfurlong.wezterm", "org.wezfurlong.wezterm"), True),
    (("foot", "foot"), True), (("urxvt", "URxvt"), True), (("konsole", "konsole"), True),
    (("xfce4-terminal", "Xfce4-terminal"), True), (("st-256color", "St"), True),
    (("navigator", "firefox"), False), (("code", "Code"), False), (("gedit", "Gedit"), False), ((), False),
])
def test_terminal_detection(wm_class: tuple[str, ...], terminal: bool) -> None:
    assert x11.is_terminal_class(wm_class) is terminal


@pytest.mark.e2e
@pytest.mark.parametrize("method", [InjectionMethod.TYPE, InjectionMethod.PASTE, InjectionMethod.AUTO])
@pytest.mark.parametrize("text", [ASCII, UNICODE, "Grüße ÄÖÜ äöü – “quotes” ✓ ñ ç\nline two\tend"])
def test_exact_text_arrives(xdisplay: xenv.XDisplay, target_window: TargetWindow, method: InjectionMethod,
                            text: str) -> None:
    result = injector(method).inject(text)
    assert result.ok, result.message
    assert target_window.wait_text(text) == text
    if method is InjectionMethod.AUTO:
        assert result.method == ("type" if text == ASCII else "paste")


@pytest.mark.e2e
def test_auto_pastes_long_text(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    text = "word " * 100
    result = injector(InjectionMethod.AUTO).inject(text)
    assert result.ok and result.method == "paste", result
    assert target_window.wait_text(text) == text


@pytest.mark.e2e
@pytest.mark.slow
def test_type_more_distinct_characters_than_spare_keys(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    text = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 60)) + " ✓ " + "".join(chr(c) for c in range(0x3041, 0x3061))
    result = injector(InjectionMethod.TYPE).inject(text)
    assert result.ok, result.message
    assert target_window.wait_text(text) == text


@pytest.mark.e2e
def test_type_twice_with_the_same_scratch_keys(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    typer = injector(InjectionMethod.TYPE)
    assert typer.inject("日本語 ").ok
    assert typer.inject("語本日 😀ß").ok
    assert target_window.wait_text("日本語 語本日 😀ß") == "日本語 語本日 😀ß"


@pytest.mark.e2e
def test_caps_lock_does_not_change_typed_case(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    xdisplay.xtest_key("Caps_Lock", True)
    xdisplay.xtest_key("Caps_Lock", False)
    try:
        with x11.XConnection() as conn:
            assert conn.caps_lock_on()
        assert injector(InjectionMethod.TYPE).inject("Hello World").ok
        assert target_window.wait_text("Hello World") == "Hello World"
        with x11.XConnection() as conn:
            assert conn.caps_lock_on()   # left as the user had it
    finally:
        xdisplay.xtest_key("Caps_Lock", True)
        xdisplay.xtest_key("Caps_Lock", False)


@pytest.mark.e2e
def test_control_characters_never_sent(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    result = injector(InjectionMethod.TYPE).inject("a\x07b\x1bc\r\nd\te\x00f\x03")
    assert result.ok
    assert target_window.wait_text("abc\nd\tef") == "abc\nd\tef"


@pytest.mark.e2e
def test_paste_restores_previous_clipboard(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    xdisplay.clipboard_set("previous ✓ clipboard")
    result = injector(InjectionMethod.PASTE).inject(UNICODE)
    assert result.ok and result.method == "paste", result
    assert target_window.wait_text(UNICODE) == UNICODE
    assert xenv.wait_for(lambda: xdisplay.clipboard_get() == "previous ✓ clipboard", 5), xdisplay.clipboard_get()


@pytest.mark.e2e
def test_paste_with_empty_clipboard_leaves_the_transcript(xdisplay: xenv.XDisplay,
                                                          target_window: TargetWindow) -> None:
    xdisplay.clipboard_set("x")
    xdisplay.clipboard_clear()
    result = injector(InjectionMethod.PASTE).inject("dictated")
    assert result.ok
    assert target_window.wait_text("dictated") == "dictated"
    assert xenv.wait_for(lambda: xdisplay.clipboard_get() == "dictated", 5)


@pytest.mark.e2e
def test_paste_does_not_restore_when_user_copied_meanwhile(xdisplay: xenv.XDisplay, start_target: StartTarget) -> None:
    target = start_target("text", extra_args=["--copy-after-paste", "user copied this"])
    xdisplay.clipboard_set("old clipboard")
    result = injector(InjectionMethod.PASTE).inject(UNICODE)
    assert result.ok
    assert target.wait_text(UNICODE) == UNICODE
    assert xdisplay.clipboard_get() == "user copied this"


@pytest.mark.e2e
@pytest.mark.parametrize("method", [InjectionMethod.PASTE, InjectionMethod.AUTO])
def test_terminal_gets_ctrl_shift_v(xdisplay: xenv.XDisplay, start_target: StartTarget,
                                    method: InjectionMethod) -> None:
    terminal = start_target("terminal")
    with x11.XConnection() as conn:
        assert x11.is_terminal_class(conn.focused_wm_class())
    xdisplay.clipboard_set("before")
    result = injector(method).inject(UNICODE)
    assert result.ok and result.method == "paste", result
    assert terminal.wait_text(UNICODE) == UNICODE   # a plain Ctrl+V would have produced "^V"
    assert xenv.wait_for(lambda: xdisplay.clipboard_get() == "before", 5)


@pytest.mark.e2e
def test_failed_paste_reports_and_leaves_text_on_clipboard(xdisplay: xenv.XDisplay) -> None:
    from Xlib import X
    from Xlib import display as xdisplay_mod

    disp = xdisplay_mod.Display(xdisplay.name)
    disp.set_input_focus(X.NONE, X.RevertToNone, X.CurrentTime)   # nobody will ask for the text
    disp.sync()
    disp.close()
    result = injector(InjectionMethod.PASTE, paste_timeout=1.0).inject("lost words")
    assert not result.ok
    assert "clipboard" in result.message
    assert xenv.wait_for(lambda: xdisplay.clipboard_get() == "lost words", 5)


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("xterm") is None, reason="xterm is not installed")
def test_real_xterm_auto_falls_back_to_typing(xdisplay: xenv.XDisplay, tmp_path: Path) -> None:
    """xterm has no Ctrl+Shift+V binding and ignores XSendEvent: auto must notice and type with XTest."""
    out = tmp_path / "xterm.txt"
    xterm = xdisplay.spawn(["xterm", "-u8", "-title", "xterm-target", "-e", "sh", "-c", f"stty -echo; cat > {out}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        xdisplay.focus(xdisplay.find_window("^xterm-target$"))
        inj = injector(InjectionMethod.AUTO, paste_timeout=1.0)
        first, second = inj.inject(UNICODE + " 1\n"), inj.inject(UNICODE + " 2\n")
        assert first.ok and first.method == "type", first
        assert second.ok and second.method == "type", second
        expected = f"{UNICODE} 1\n{UNICODE} 2\n"

        def read() -> str:
            return out.read_text(encoding="utf-8") if out.exists() else ""
        assert xenv.wait_for(lambda: read() == expected, 10), read()
    finally:
        xenv._terminate(xterm)


def _inject_in_thread(inj: X11Injector, text: str) -> tuple[threading.Thread, list[InjectionResult]]:
    results: list[InjectionResult] = []
    thread = threading.Thread(target=lambda: results.append(inj.inject(text)))
    thread.start()
    return thread, results


@pytest.mark.e2e
@pytest.mark.parametrize("modifier", ["shift", "ctrl", "alt"])
def test_waits_for_held_modifier(xdisplay: xenv.XDisplay, target_window: TargetWindow, modifier: str,
                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "swictation.injection")
    xdisplay.key_down(modifier)
    thread, results = _inject_in_thread(injector(InjectionMethod.TYPE, key_timeout=30), "hello world")
    assert xenv.wait_for(lambda: "waiting for held keys" in caplog.text, 10)
    assert thread.is_alive()
    xdisplay.key_up(modifier)
    thread.join(30)
    assert results and results[0].ok
    assert target_window.wait_text("hello world") == "hello world"


@pytest.mark.e2e
def test_stuck_modifier_is_released_after_timeout(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    xdisplay.key_down("ctrl")
    result = injector(InjectionMethod.TYPE, key_timeout=0.5).inject("abc")
    assert result.ok
    assert target_window.wait_text("abc") == "abc"   # not Ctrl+A / Ctrl+B / Ctrl+C


@pytest.mark.e2e
def test_waits_for_the_hotkey_release(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    keyboard = KeyboardState()
    listener, sink = listening("f9", keyboard)
    try:
        xdisplay.xtest_key("F9", True)
        assert sink.wait_for("down")
        inj = injector(InjectionMethod.TYPE, keyboard=keyboard, key_timeout=30)
        thread, results = _inject_in_thread(inj, "after release")
        thread.join(0.5)
        assert thread.is_alive() and target_window.text() == ""   # still holding F9: nothing typed yet
        xdisplay.xtest_key("F9", False)
        thread.join(30)
        assert results and results[0].ok
        assert target_window.wait_text("after release") == "after release"
    finally:
        listener.stop()
        assert listener.join(5)


@pytest.mark.e2e
def test_factory(xdisplay: xenv.XDisplay, target_window: TargetWindow) -> None:
    inj = create_injector("auto")
    assert isinstance(inj, X11Injector)
    assert inj.inject("").ok
    assert inj.inject("via factory").ok
    assert target_window.wait_text("via factory") == "via factory"


def test_factory_without_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")

    class Memory:
        text: str | None = None

        def get_text(self) -> str | None:
            return self.text

        def set_text(self, text: str) -> None:
            self.text = text

    memory = Memory()
    result = create_injector("auto", clipboard=memory).inject("words\x07")
    assert not result.ok
    assert "clipboard" in result.message
    assert memory.text == "words"


@pytest.mark.e2e
@pytest.mark.parametrize("method", [InjectionMethod.TYPE, InjectionMethod.PASTE, InjectionMethod.AUTO])
def test_push_to_talk_flow(xdisplay: xenv.XDisplay, target_window: TargetWindow, method: InjectionMethod) -> None:
    """Hold ctrl+alt+space, let go of space first while ctrl+alt stay down: the text arrives once they are up,
    exact, with no leaked space and no Ctrl/Alt shortcut."""
    keyboard = KeyboardState()
    inj = injector(method, keyboard=keyboard, key_timeout=30)
    results: list[InjectionResult] = []
    done = threading.Event()

    def on_stop() -> None:  # listener thread: hand the work to a worker, never block here
        def work() -> None:
            results.append(inj.inject(UNICODE))
            done.set()
        threading.Thread(target=work).start()

    listener, _ = listening("ctrl+alt+space", keyboard, on_up=on_stop)
    try:
        xdisplay.key_down("ctrl+alt+space")
        xdisplay.key_up("space")
        assert not done.wait(0.5)   # ctrl and alt are still down: nothing may be sent yet
        xdisplay.key_up("alt", "ctrl")
        assert done.wait(30)
        assert results[0].ok, results[0]
        assert target_window.wait_text(UNICODE) == UNICODE
        # No Ctrl/Alt shortcut reached the window (the user's own Ctrl and Alt presses do, and so does our Ctrl+V).
        ctrl, alt, modifier_keys, key_v = 0x04000000, 0x08000000, {"16777248", "16777249", "16777251"}, "86"
        shortcuts = [line for line in target_window.key_log()
                     if int(line.split()[2]) & (ctrl | alt) and line.split()[1] not in modifier_keys
                     and not (line.split()[1] == key_v and int(line.split()[2]) == ctrl)]
        assert shortcuts == []
    finally:
        listener.stop()
        assert listener.join(5)


@pytest.mark.e2e
@pytest.mark.parametrize(("hotkey", "keys"), [("f9", "F9"), ("ctrl+alt+space", "ctrl+alt+space")])
def test_hotkey_pressed_during_typing_is_seen_and_no_character_is_lost(
        xdisplay: xenv.XDisplay, target_window: TargetWindow, hotkey: str, keys: str) -> None:
    """The user starts the next dictation while the last one is still being typed: the press must start it
    (not be taken for our own synthetic keys), and typing pauses while the grabbed key is down instead of
    sending the rest of the text into the grab."""
    keyboard = KeyboardState()
    listener, sink = listening(hotkey, keyboard)
    text = "the quick brown fox jumps over the lazy dog " * 3
    try:
        inj = injector(InjectionMethod.TYPE, keyboard=keyboard, key_delay=0.02)
        thread, results = _inject_in_thread(inj, text)
        assert xenv.wait_for(lambda: len(target_window.text()) >= 10, 20)   # typing is under way
        xdisplay.key_down(keys)
        assert sink.wait_for("down"), "a hotkey press during typing was ignored"
        xdisplay.key_up(*reversed(keys.split("+")))
        assert sink.wait_for("up")
        thread.join(60)
        assert results and results[0].ok, results
        assert target_window.wait_text(text) == text
    finally:
        listener.stop()
        assert listener.join(5)
