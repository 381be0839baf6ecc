"""The injector thread used by the session: order, exceptions turned into failures, non-blocking stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from swictation_gui.core.injection_runner import NOT_DELIVERED, InjectionRunner
from swictation_gui.platform.base import InjectionResult
from swictation_gui.text.stage import TextConfig, TextStage


class Recording:
    def __init__(self, fail_on: str = "") -> None:
        self.texts: list[str] = []
        self.threads: set[str] = set()
        self.fail_on = fail_on

    def inject(self, text: str) -> InjectionResult:
        self.threads.add(threading.current_thread().name)
        if text == self.fail_on:
            raise RuntimeError("boom")
        self.texts.append(text)
        return InjectionResult(True, "type")


def test_jobs_run_in_order_on_the_injector_thread_and_exceptions_become_failures() -> None:
    injector = Recording(fail_on="bad")
    results: list[tuple[int, bool, str]] = []
    done = threading.Event()

    def on_result(seq: int, result: InjectionResult) -> None:
        results.append((seq, result.ok, result.message))
        if seq == 4:
            done.set()

    runner = InjectionRunner(injector, on_result)
    runner.start()
    for seq, text in enumerate(["one", "two", "bad", "four"], 1):
        runner.submit(seq, text)
    assert done.wait(10)
    runner.stop()
    assert injector.texts == ["one", "two", "four"]
    assert [(s, ok) for s, ok, _ in results] == [(1, True), (2, True), (3, False), (4, True)]
    assert "boom" in results[2][2]
    assert injector.threads == {"injector"}


class Blocking(Recording):
    """An injector whose first text takes until ``go`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()
        self.began = threading.Event()

    def inject(self, text: str) -> InjectionResult:
        self.began.set()
        self.go.wait(10)
        return super().inject(text)


def test_stop_returns_at_once_finishes_the_current_text_and_drops_the_rest() -> None:
    injector = Blocking()
    results: list[int] = []
    runner = InjectionRunner(injector, lambda seq, _r: results.append(seq))
    runner.start()
    runner.submit(1, "current")
    runner.submit(2, "queued")
    assert injector.began.wait(5)
    began = time.monotonic()
    runner.stop()
    runner.stop()   # idempotent
    assert time.monotonic() - began < 0.05, "stop never waits for the injector"
    assert not runner.join(0.1)   # still typing "current"
    injector.go.set()
    assert runner.join(5)
    assert injector.texts == ["current"] and results == [1]


def test_join_without_start() -> None:
    runner = InjectionRunner(Recording(), lambda _s, _r: None)
    runner.stop()
    assert runner.join(0.1)


def test_set_injector_applies_from_the_next_text() -> None:
    first, second = Blocking(), Recording()
    done = threading.Event()
    def on_result(seq: int, _result: InjectionResult) -> None:
        if seq == 2:
            done.set()

    runner = InjectionRunner(first, on_result)
    runner.start()
    runner.submit(1, "one")
    assert first.began.wait(5)
    runner.set_injector(second)
    runner.submit(2, "two")
    first.go.set()
    assert done.wait(5)
    runner.stop()
    assert runner.join(5)
    assert first.texts == ["one"] and second.texts == ["two"]


class FakeKeyInjector(Recording):
    """A named fake injector that also sends keys (BackSpace/Return) and reports a window and key presses."""

    def __init__(self) -> None:
        super().__init__()
        self.window = "kate #0x1"
        self.presses: int | None = 0
        self.sent: list[str] = []

    def inject(self, text: str) -> InjectionResult:
        self.sent.append(text)
        return super().inject(text)

    def press_key(self, keysym_name: str, count: int) -> InjectionResult:
        self.sent.append(f"<{keysym_name}×{count}>")
        return InjectionResult(True, "type")

    def focused_window(self) -> str:
        return self.window

    def user_presses(self) -> int | None:
        return self.presses


def _run_all(runner: InjectionRunner, texts: list[str], between: Callable[[int], None] | None = None) -> list[str]:
    results: list[str] = []
    for seq, text in enumerate(texts, 1):
        done = threading.Event()
        runner._on_result = lambda _s, r, d=done: (results.append(r.message), d.set())  # type: ignore[method-assign]
        runner.submit(seq, text, 1.5)
        assert done.wait(5)
        if between:
            between(seq)
    return results


def test_the_text_stage_shapes_each_text_and_sends_keys_as_one_unit_in_order() -> None:
    injector = FakeKeyInjector()
    delivered: list[tuple[str, str, float]] = []
    stage = TextStage(TextConfig(spoken_commands=True, trailing_space=False))
    runner = InjectionRunner(injector, lambda _s, _r: None, stage, lambda *a: delivered.append(a))
    runner.start()
    messages = _run_all(runner, ["Hello there", "General Kenobi.", "scratch that", "Send it. Press enter."])
    runner.stop()
    assert injector.sent == ["Hello there", " general Kenobi.", "<BackSpace×16>", " send it.", "<Return×1>"]
    assert messages == ["", "", "", ""]
    assert delivered == [("Hello there", "kate #0x1", 1.5), ("general Kenobi.", "kate #0x1", 1.5),
                         ("send it.", "kate #0x1", 1.5)]


def test_scratch_that_is_refused_after_a_user_key_press_or_without_a_keyboard_watch() -> None:
    injector = FakeKeyInjector()
    runner = InjectionRunner(injector, lambda _s, _r: None, TextStage(TextConfig(spoken_commands=True)))
    runner.start()

    def press(seq: int) -> None:
        if seq == 1:
            injector.presses = 1  # the user typed in the window after the first dictation

    messages = _run_all(runner, ["One.", "Scratch that."], press)
    injector.presses = None
    messages += _run_all(runner, ["Two.", "Scratch that."])
    runner.stop()
    assert injector.sent == ["One. ", "Two. "]
    assert "a key was pressed" in messages[1] and "cannot tell" in messages[3]


def test_a_plain_injector_gets_shaped_text_but_no_keys() -> None:
    injector = Recording()
    runner = InjectionRunner(injector, lambda _s, _r: None, TextStage(TextConfig(spoken_commands=True,
                                                                                 auto_submit=True)))
    runner.start()
    messages = _run_all(runner, ["Hi", "press enter"])
    runner.stop()
    assert injector.texts == ["Hi"]
    assert messages[1] == "This session cannot send keys (BackSpace, Enter)."


class FakeCaretInjector(FakeKeyInjector):
    """A named fake injector whose focused application also reports the text before its caret (AT-SPI)."""

    def __init__(self, before: str | None) -> None:
        super().__init__()
        self.before = before
        self.asked = 0

    def text_before_caret(self) -> str | None:
        self.asked += 1
        return self.before


def test_the_text_before_the_caret_is_asked_on_the_injector_thread_and_joined_to_only_when_joining() -> None:
    injector = FakeCaretInjector("Hello there.")
    runner = InjectionRunner(injector, lambda _s, _r: None, TextStage(TextConfig(trailing_space=False)))
    runner.start()
    _run_all(runner, ["General Kenobi."])
    injector.before = None  # the application stopped answering: the remembered piece counts again
    _run_all(runner, ["You are"])
    runner.stop()
    assert injector.sent == [" General Kenobi.", " You are"]
    assert injector.asked == 2
    plain = FakeCaretInjector("Hello there.")
    runner = InjectionRunner(plain, lambda _s, _r: None, TextStage(TextConfig(join=False)))
    runner.start()
    _run_all(runner, ["General Kenobi."])
    runner.stop()
    assert plain.sent == ["General Kenobi. "] and plain.asked == 0


class FailingKeyInjector(FakeKeyInjector):
    """A named fake injector whose window takes no text (the delivery fails)."""

    def inject(self, text: str) -> InjectionResult:
        self.sent.append(text)
        return InjectionResult(False, "type", "the window took nothing")


def test_a_failed_delivery_keeps_the_shaped_text_for_paste_again() -> None:
    """"Paste again" and paste-last resend the history entry verbatim, so it must be the shaped text."""
    delivered: list[tuple[str, str, float]] = []
    stage = TextStage(TextConfig(spoken_commands=True, remove_fillers=True, trailing_space=False))
    runner = InjectionRunner(FailingKeyInjector(), lambda _s, _r: None, stage, lambda *a: delivered.append(a))
    runner.start()
    messages = _run_all(runner, ["um, send it period"])
    runner.stop()
    assert messages == ["the window took nothing"]
    assert delivered == [("send it.", NOT_DELIVERED, 1.5)]  # not the raw "um, send it period"
