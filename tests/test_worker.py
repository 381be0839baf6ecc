"""The recognizer worker and service: real sherpa-onnx on synthetic models, one thread per model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
import time

from pytestqt.qtbot import QtBot

from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition import factory
from swictation_gui.recognition.base import Recognizer, Transcript
from swictation_gui.recognition.worker import RecognizerWorker
from tests.fixtures.synth_models import band_phrase


def make_factory(folder: Path) -> object:
    def build() -> Recognizer:
        return factory.create(resolve(str(folder)), engine="sherpa", device="cpu")
    return build


@pytest.fixture
def worker(qtbot: QtBot, band_model: Path) -> Iterator[RecognizerWorker]:
    w = RecognizerWorker()
    with qtbot.waitSignal(w.ready, timeout=60_000):
        w.load(make_factory(band_model))  # type: ignore[arg-type]
    yield w
    w.close()
    assert w.join(10.0)


class ThreadRecorder:
    """A recognizer wrapper that notes which thread builds, loads and uses it (ownership check)."""

    def __init__(self, inner: Recognizer, seen: list[tuple[str, str]]) -> None:
        self.inner, self.seen = inner, seen
        self.name, self.device = inner.name, inner.device
        self._note("create")

    def _note(self, what: str) -> None:
        self.seen.append((what, threading.current_thread().name))

    def load(self) -> None:
        self._note("load")
        self.inner.load()

    def warm_up(self) -> None:
        self._note("warm_up")
        self.inner.warm_up()

    def transcribe(self, audio: object, rate: int) -> Transcript:
        self._note("transcribe")
        return self.inner.transcribe(audio, rate)  # type: ignore[arg-type]


def recording_factory(folder: Path, seen: list[tuple[str, str]]) -> object:
    def build() -> Recognizer:
        return ThreadRecorder(factory.create(resolve(str(folder)), engine="sherpa", device="cpu"), seen)  # type: ignore[return-value]
    return build


def test_transcribes_in_order_on_the_model_thread(qtbot: QtBot, worker: RecognizerWorker) -> None:
    results: list[tuple[int, str]] = []
    worker.transcribed.connect(lambda seq, t: results.append((seq, t.text)))
    phrases = [["do", "re"], ["mi"], ["fa", "sol", "la"]]
    for seq, words in enumerate(phrases, 1):
        worker.transcribe(seq, lambda w=words: band_phrase(w))  # type: ignore[misc]
    qtbot.waitUntil(lambda: len(results) == 3, timeout=30_000)
    assert results == [(1, "do re"), (2, "mi"), (3, "fa sol la")]


def test_a_model_is_built_loaded_and_used_by_one_thread_only(qtbot: QtBot, band_model: Path,
                                                              unicode_model: Path) -> None:
    """Every model lives on the thread that created it, also across a switch (the old swap loaded on a helper
    thread and then served on the worker thread)."""
    first: list[tuple[str, str]] = []
    second: list[tuple[str, str]] = []
    w = RecognizerWorker()
    try:
        with qtbot.waitSignal(w.ready, timeout=60_000):
            w.load(recording_factory(band_model, first))  # type: ignore[arg-type]
        with qtbot.waitSignal(w.transcribed, timeout=20_000):
            w.transcribe(1, lambda: band_phrase(["do"]))
        with qtbot.waitSignal(w.swapped, timeout=60_000):
            w.load(recording_factory(unicode_model, second))  # type: ignore[arg-type]
        with qtbot.waitSignal(w.transcribed, timeout=20_000) as got:
            w.transcribe(2, lambda: band_phrase(["do"]))
        assert got.args[1].text == "café — naïve ß 日本語 😀"
    finally:
        w.close()
        assert w.join(10.0)
    for seen in (first, second):
        assert {what for what, _ in seen} >= {"create", "load", "warm_up", "transcribe"}, seen
        assert len({thread for _, thread in seen}) == 1, f"one model used from several threads: {seen}"
        assert seen[0][1] != threading.main_thread().name
    assert first[0][1] != second[0][1], "each model has a thread of its own"


def test_load_failure_is_reported_and_requests_fail(qtbot: QtBot, tmp_path: Path) -> None:
    w = RecognizerWorker()
    try:
        with qtbot.waitSignal(w.load_failed, timeout=30_000) as blocker:
            w.load(make_factory(tmp_path / "missing"))  # type: ignore[arg-type]
        assert blocker.args and str(blocker.args[0])
        with qtbot.waitSignal(w.failed, timeout=10_000) as failed:
            w.transcribe(7, lambda: band_phrase(["do"]))
        assert failed.args[0] == 7 and "Nothing was transcribed" in failed.args[1]
    finally:
        w.close()
        assert w.join(10.0)


def test_swap_keeps_old_model_on_failure_and_switches_on_success(
        qtbot: QtBot, worker: RecognizerWorker, unicode_model: Path, tmp_path: Path) -> None:
    def ask(seq: int) -> Transcript:
        with qtbot.waitSignal(worker.transcribed, timeout=20_000) as got:
            worker.transcribe(seq, lambda: band_phrase(["do", "mi"]))
        assert got.args[0] == seq
        result = got.args[1]
        assert isinstance(result, Transcript)
        return result

    with qtbot.waitSignal(worker.swap_failed, timeout=30_000):
        worker.load(make_factory(tmp_path / "nothing-here"))  # type: ignore[arg-type]
    assert ask(1).text == "do mi"
    with qtbot.waitSignal(worker.swapped, timeout=30_000):
        worker.load(make_factory(unicode_model))  # type: ignore[arg-type]
    assert ask(2).text == "café — naïve ß 日本語 😀"


def test_requests_made_while_the_first_model_loads_are_served_when_it_is_warm(
        qtbot: QtBot, band_model: Path) -> None:
    gate = threading.Event()

    def slow() -> Recognizer:
        gate.wait(10)
        return factory.create(resolve(str(band_model)), engine="sherpa", device="cpu")

    w = RecognizerWorker()
    results: list[tuple[int, str]] = []
    w.transcribed.connect(lambda seq, t: results.append((seq, t.text)))
    try:
        w.load(slow)
        w.transcribe(1, lambda: band_phrase(["la"]))
        gate.set()
        qtbot.waitUntil(lambda: results == [(1, "la")], timeout=30_000)
    finally:
        w.close()
        assert w.join(10.0)


def test_shutdown_while_a_model_loads_is_bounded_and_never_waits_on_the_load(qtbot: QtBot) -> None:
    """A load cannot be interrupted: close() returns at once and join() reports the busy thread in bounded time
    (the app then exits without tearing onnxruntime down under it)."""
    gate = threading.Event()

    def stuck() -> Recognizer:
        gate.wait(30)
        raise RuntimeError("never loads")

    w = RecognizerWorker()
    w.load(stuck)
    t0 = time.monotonic()
    w.close()
    assert w.join(0.5) is False
    assert time.monotonic() - t0 < 2.0
    gate.set()
    assert w.join(10.0) is True


def test_a_second_switch_while_one_loads_is_refused(qtbot: QtBot, worker: RecognizerWorker,
                                                    band_model: Path) -> None:
    gate = threading.Event()

    def slow() -> Recognizer:
        gate.wait(10)
        return factory.create(resolve(str(band_model)), engine="sherpa", device="cpu")

    failures: list[str] = []
    worker.swap_failed.connect(failures.append)
    assert worker.load(slow) is True
    assert worker.load(slow) is False, "a second load while one runs is refused (the caller tells the user)"
    with qtbot.waitSignal(worker.swapped, timeout=30_000):
        gate.set()
    assert failures == [], "a refusal is not a failed switch: the switch in progress must still be saved"


def test_a_failed_retry_of_a_failed_first_load_is_not_reported_as_a_switch(qtbot: QtBot, tmp_path: Path) -> None:
    """No model runs after a failed first load, so a failed retry must not say "the current one stays in use"."""
    w = RecognizerWorker()
    switch_failures: list[str] = []
    w.swap_failed.connect(switch_failures.append)
    try:
        with qtbot.waitSignal(w.load_failed, timeout=30_000):
            w.load(make_factory(tmp_path / "missing"))  # type: ignore[arg-type]
        with qtbot.waitSignal(w.load_failed, timeout=30_000) as second:
            w.load(make_factory(tmp_path / "still-missing"))  # type: ignore[arg-type]
        assert "still-missing" in second.args[0]
        assert switch_failures == []
    finally:
        w.close()
        assert w.join(10.0)
