"""The injector thread used by the session: order, exceptions turned into failures, waiting for the hotkey."""

from __future__ import annotations

import threading

from swictation_gui.core.injection_runner import InjectionRunner
from swictation_gui.platform.base import InjectionResult


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


def test_waits_for_the_hotkey_before_injecting() -> None:
    released = threading.Event()
    asked: list[float] = []

    def keys_released(timeout: float) -> bool:
        asked.append(timeout)
        return released.wait(timeout)

    injector = Recording()
    got = threading.Event()
    runner = InjectionRunner(injector, lambda _s, _r: got.set(), keys_released=keys_released, release_timeout_s=10)
    runner.start()
    runner.submit(1, "text")
    assert not got.wait(0.2), "nothing is injected while the hotkey is held"
    assert injector.texts == []
    released.set()
    assert got.wait(10)
    runner.stop()
    assert injector.texts == ["text"] and asked == [10]
