"""The recognizer worker on a real QThread with real sherpa-onnx on synthetic models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, QThread, Signal
from pytestqt.qtbot import QtBot

from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition import factory
from swictation_gui.recognition.base import Recognizer, Transcript
from swictation_gui.recognition.worker import RecognizerWorker
from tests.fixtures.synth_models import band_phrase


class Requester(QObject):
    """Sends requests across threads the way the app does: signals connected to the worker's slots."""

    transcribe = Signal(int, object)
    swap = Signal(object)

    def __init__(self, worker: RecognizerWorker) -> None:
        super().__init__()
        self.transcribe.connect(worker.transcribe)
        self.swap.connect(worker.swap)


def make_factory(folder: Path) -> object:
    def build() -> Recognizer:
        return factory.create(resolve(str(folder)), engine="sherpa", device="cpu")
    return build


@pytest.fixture
def worker_thread(qtbot: QtBot, band_model: Path) -> Iterator[tuple[RecognizerWorker, QThread]]:
    worker = RecognizerWorker(make_factory(band_model))  # type: ignore[arg-type]
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.start)
    with qtbot.waitSignal(worker.ready, timeout=60_000):
        thread.start()
    yield worker, thread
    thread.quit()
    assert thread.wait(10_000)


def test_transcribes_in_order(qtbot: QtBot, worker_thread: tuple[RecognizerWorker, QThread]) -> None:
    worker, _ = worker_thread
    results: list[tuple[int, str]] = []
    threads: set[object] = set()

    def got(seq: int, t: Transcript) -> None:  # a plain callable runs on the emitting (worker) thread
        threads.add(QThread.currentThread())
        results.append((seq, t.text))

    worker.transcribed.connect(got)
    phrases = [["do", "re"], ["mi"], ["fa", "sol", "la"]]
    requester = Requester(worker)
    for seq, words in enumerate(phrases, 1):
        requester.transcribe.emit(seq, band_phrase(words))
    qtbot.waitUntil(lambda: len(results) == 3, timeout=30_000)
    assert results == [(1, "do re"), (2, "mi"), (3, "fa sol la")]
    assert threads == {worker_thread[1]}, "recognition runs on the worker thread, never the GUI thread"


def test_load_failure_is_reported_and_requests_fail(qtbot: QtBot, tmp_path: Path) -> None:
    worker = RecognizerWorker(make_factory(tmp_path / "missing"))  # type: ignore[arg-type]
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.start)
    try:
        with qtbot.waitSignal(worker.load_failed, timeout=30_000) as blocker:
            thread.start()
        assert blocker.args and str(blocker.args[0])
        requester = Requester(worker)
        with qtbot.waitSignal(worker.failed, timeout=10_000) as failed:
            requester.transcribe.emit(7, band_phrase(["do"]))
        assert failed.args[0] == 7 and "Nothing was transcribed" in failed.args[1]
    finally:
        thread.quit()
        assert thread.wait(10_000)


def test_swap_keeps_old_model_on_failure_and_switches_on_success(
        qtbot: QtBot, worker_thread: tuple[RecognizerWorker, QThread], unicode_model: Path, tmp_path: Path) -> None:
    worker, _ = worker_thread
    requester = Requester(worker)

    def ask(seq: int) -> Transcript:
        with qtbot.waitSignal(worker.transcribed, timeout=20_000) as got:
            requester.transcribe.emit(seq, band_phrase(["do", "mi"]))
        assert got.args[0] == seq
        result = got.args[1]
        assert isinstance(result, Transcript)
        return result

    with qtbot.waitSignal(worker.swap_failed, timeout=30_000):
        requester.swap.emit(make_factory(tmp_path / "nothing-here"))
    assert ask(1).text == "do mi"
    with qtbot.waitSignal(worker.swapped, timeout=30_000):
        requester.swap.emit(make_factory(unicode_model))
    assert ask(2).text == "café — naïve ß 日本語 😀"
