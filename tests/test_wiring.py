"""The whole app wired in-process: the real session, capture, recognizer threads and Qt signals, with named fakes
only at the edges. Runs in seconds, without X or PulseAudio.

Named fakes:
    * ``tests/fakes/sounddevice.py`` (FAKE PortAudio): replays speech through the real capture callback.
    * ``FakeHotkey`` (FAKE hotkey listener): its own thread calls the real ``HotkeySink`` as pynput's would.
    * ``RecordingInjector`` (FAKE text output): records what would have been typed, on the real injector thread.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from swictation_gui.app import Application
from swictation_gui.core.appconfig import AppConfig
from swictation_gui.core.events import EventLog
from swictation_gui.core.session import Outcome
from swictation_gui.core.status import AppStatus, ModelState
from swictation_gui.platform.base import HotkeyMode, HotkeySink, InjectionResult
from swictation_gui.settings import ModelChoice, Settings, SettingsStore
from swictation_gui.ui.live_parts import PlatformParts
from tests.fakes import sounddevice as fake_sd
from tests.fixtures.synth_models import band_phrase


class FakeHotkey:
    """FAKE hotkey listener: ``press``/``release`` are delivered to the sink from the listener's own thread."""

    instances: ClassVar[list[FakeHotkey]] = []

    def __init__(self) -> None:
        self._events: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.stopped = threading.Event()
        FakeHotkey.instances.append(self)

    def start(self, sink: HotkeySink) -> None:
        def run() -> None:
            sink.ready()
            while (event := self._events.get()) is not None:
                getattr(sink, event)()

        self._thread = threading.Thread(target=run, name="fake-hotkey", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self._events.put(None)

    def join(self, timeout: float) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    def press(self) -> None:
        self._events.put("chord_down")

    def release(self) -> None:
        self._events.put("chord_up")


class RecordingInjector:
    """FAKE text output: records each text and the thread it ran on; ``gate`` can hold an injection midway."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.threads: set[str] = set()
        self.gate = threading.Event()
        self.gate.set()

    def inject(self, text: str) -> InjectionResult:
        self.threads.add(threading.current_thread().name)
        self.gate.wait(10)
        self.texts.append(text)
        return InjectionResult(True, "type")


@pytest.fixture
def fake_mic() -> Iterator[None]:
    fake_sd.config.input = None
    fake_sd.config.open_hang_s = 0.0
    fake_sd.config.open_fail = 0
    fake_sd.drop_speech()  # nothing left over from an earlier test
    yield
    fake_sd.drop_speech()


def make_app(tmp_path: Path, model: Path, injector: RecordingInjector, **settings: object) -> Application:
    FakeHotkey.instances.clear()
    base = Settings(model=ModelChoice.CUSTOM, custom_model_dir=str(model), sound_cues=False,
                    pre_roll_ms=200, tail_ms=100)
    config = AppConfig(base.replace(**settings), SettingsStore(tmp_path / "settings.json"))
    parts = PlatformParts(hotkey=lambda s, keyboard: FakeHotkey(), injector=lambda s, keyboard: injector,
                          sd_module=fake_sd)
    return Application(config, EventLog(None), parts)


@pytest.fixture
def running(qtbot: QtBot, tmp_path: Path, band_model: Path, fake_mic: None) -> Iterator[tuple[Application,
                                                                                             RecordingInjector]]:
    injector = RecordingInjector()
    app = make_app(tmp_path, band_model, injector)
    app.start()
    qtbot.waitUntil(lambda: app.dictation.model_state is ModelState.READY and app.dictation.capture.available,
                    timeout=30_000)
    qtbot.waitUntil(lambda: app.dictation.status.status is AppStatus.READY, timeout=5_000)
    yield app, injector
    app.shutdown_now()


def dictate(qtbot: QtBot, hotkey: FakeHotkey, words: list[str]) -> None:
    hotkey.press()
    fake_sd.speak(band_phrase(words))
    qtbot.waitUntil(lambda: fake_sd.speech_pending() == 0, timeout=10_000)
    hotkey.release()


def test_hold_to_talk_types_the_words_once(qtbot: QtBot, running: tuple[Application, RecordingInjector]) -> None:
    app, injector = running
    assert not app.levels.active, "no level polling while idle"
    hotkey = FakeHotkey.instances[-1]
    hotkey.press()
    qtbot.waitUntil(lambda: app.levels.active, timeout=5_000)  # the tray's level ring while recording
    fake_sd.speak(band_phrase(["do", "re", "mi"]))
    qtbot.waitUntil(lambda: fake_sd.speech_pending() == 0, timeout=10_000)
    hotkey.release()
    qtbot.waitUntil(lambda: injector.texts == ["do re mi "], timeout=15_000)
    assert not app.levels.active
    assert injector.threads == {"injector"}
    qtbot.waitUntil(lambda: len(app.dictation.session.history) == 1, timeout=5_000)  # the result reaches the GUI
    assert app.dictation.session.history[-1].outcome is Outcome.INJECTED


def test_presses_while_typing_keep_every_utterance_in_order(
        qtbot: QtBot, running: tuple[Application, RecordingInjector]) -> None:
    """Dictate again while the previous text is still being typed, for several rounds: each arrives once, in
    order."""
    _, injector = running
    hotkey = FakeHotkey.instances[-1]
    phrases = [["do"], ["re", "mi"], ["fa"], ["sol", "la"], ["re"]]
    for i, words in enumerate(phrases):
        if i % 2 == 0:
            injector.gate.clear()  # the previous text is still being "typed" while the next dictation runs
        dictate(qtbot, hotkey, words)
        injector.gate.set()
    expected = [" ".join(w) + " " for w in phrases]
    qtbot.waitUntil(lambda: len(injector.texts) == len(phrases), timeout=30_000)
    assert injector.texts == expected


def test_toggle_mode_socket_start_is_stopped_by_one_hotkey_press(
        qtbot: QtBot, tmp_path: Path, band_model: Path, fake_mic: None) -> None:
    injector = RecordingInjector()
    app = make_app(tmp_path, band_model, injector, hotkey="f9", hotkey_mode=HotkeyMode.TOGGLE)
    try:
        app.start()
        qtbot.waitUntil(lambda: app.dictation.model_state is ModelState.READY and app.dictation.capture.available,
                        timeout=30_000)
        app.inputs.post_command("start")  # as the control socket's thread does
        qtbot.waitUntil(lambda: app.dictation.session.recording, timeout=5_000)
        fake_sd.speak(band_phrase(["la"]))
        qtbot.waitUntil(lambda: fake_sd.speech_pending() == 0, timeout=10_000)
        hotkey = FakeHotkey.instances[-1]
        hotkey.press()
        hotkey.release()
        qtbot.waitUntil(lambda: injector.texts == ["la "], timeout=15_000)
    finally:
        app.shutdown_now()


def test_a_settings_change_mid_recording_transcribes_what_was_said(
        qtbot: QtBot, running: tuple[Application, RecordingInjector]) -> None:
    """Replacing the listener while a recording runs ends it cleanly: its audio is transcribed, not lost."""
    app, injector = running
    first = FakeHotkey.instances[-1]
    old_generation = app.parts._generation
    first.press()
    fake_sd.speak(band_phrase(["fa", "sol"]))
    qtbot.waitUntil(lambda: fake_sd.speech_pending() == 0, timeout=10_000)
    app.apply_settings(app.config.effective.replace(hotkey="f9"))
    assert first.stopped.is_set() and FakeHotkey.instances[-1] is not first
    qtbot.waitUntil(lambda: injector.texts == ["fa sol "], timeout=15_000)
    assert not app.dictation.session.recording
    late = threading.Thread(target=lambda: app.inputs.sink(old_generation).chord_down())  # the old listener
    late.start()
    late.join()
    fresh = threading.Thread(target=lambda: app.inputs.hotkey.emit(app.parts._generation, "ready", ""))
    with qtbot.waitSignal(app.inputs.hotkey, timeout=5_000):  # queued after the late event: both delivered
        fresh.start()
    fresh.join()
    assert not app.dictation.session.recording, "a replaced listener's late event started a recording"


def test_shutdown_ends_every_thread_it_started(qtbot: QtBot, tmp_path: Path, band_model: Path,
                                              fake_mic: None) -> None:
    before = {t.ident for t in threading.enumerate()}
    injector = RecordingInjector()
    app = make_app(tmp_path, band_model, injector)
    app.start()
    qtbot.waitUntil(lambda: app.dictation.model_state is ModelState.READY and app.dictation.capture.available,
                    timeout=30_000)
    dictate(qtbot, FakeHotkey.instances[-1], ["re"])
    qtbot.waitUntil(lambda: injector.texts == ["re "], timeout=15_000)
    app.shutdown_now()
    assert app.recognizer_idle
    left = [t.name for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert left == []


def test_quit_while_the_model_is_still_loading_is_bounded(qtbot: QtBot, tmp_path: Path, band_model: Path,
                                                           fake_mic: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model load cannot be interrupted: shutdown must still end in bounded time, report the busy model (the
    runner then leaves with os._exit) and never wait on it from the GUI thread beyond its bound."""
    import time

    from swictation_gui import app as app_module

    gate = threading.Event()

    def slow_factory(model: str, engine: str = "auto", device: str = "auto", cpu_engine: str = "auto") -> object:
        def build() -> object:
            gate.wait(30)
            raise RuntimeError("never loads")
        return build

    monkeypatch.setattr(app_module, "deferred", slow_factory)
    app = make_app(tmp_path, band_model, RecordingInjector())
    app.start()
    qtbot.waitUntil(lambda: app.dictation.capture.available, timeout=10_000)
    assert app.dictation.status.status is AppStatus.LOADING
    t0 = time.monotonic()
    app.shutdown_now()
    elapsed = time.monotonic() - t0
    app.shutdown_now()  # idempotent
    gate.set()
    assert app.recognizer_idle is False
    assert app.recognizer.join(10.0)
    QApplication.processEvents()  # deliver the late load_failed: it must not show anything after quit
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert elapsed < 2 * app_module.SHUTDOWN_JOIN_S + 2


def test_a_model_switch_is_saved_only_once_the_new_model_is_warm(
        qtbot: QtBot, running: tuple[Application, RecordingInjector], tmp_path: Path, unicode_model: Path) -> None:
    """A failed switch leaves the running model and settings.json as they were; a good one is saved when warm."""
    import json

    app, injector = running
    settings_file = tmp_path / "settings.json"
    before = settings_file.read_text() if settings_file.exists() else None
    broken = tmp_path / "not-a-model"
    broken.mkdir()
    app.apply_settings(app.config.effective.replace(custom_model_dir=str(broken)))
    qtbot.waitUntil(lambda: not app.recognizer.loading, timeout=30_000)
    assert (settings_file.read_text() if settings_file.exists() else None) == before
    assert app.config.effective.custom_model_dir != str(broken)
    dictate(qtbot, FakeHotkey.instances[-1], ["do"])
    qtbot.waitUntil(lambda: injector.texts == ["do "], timeout=15_000)  # the old model still serves

    def saved_folder() -> object:
        return json.loads(settings_file.read_text()).get("custom_model_dir") if settings_file.exists() else None

    with qtbot.waitSignal(app.recognizer.swapped, timeout=60_000):
        app.apply_settings(app.config.effective.replace(custom_model_dir=str(unicode_model)))
        assert saved_folder() != str(unicode_model), "saved before the model was warm"
    qtbot.waitUntil(lambda: saved_folder() == str(unicode_model), timeout=5_000)
    assert app.config.model == str(unicode_model)


def test_the_model_command_is_answered_once_the_switch_has_ended(
        qtbot: QtBot, running: tuple[Application, RecordingInjector], tmp_path: Path, band_model: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`swictation-gui model …`: the control thread posts the command with a reply; the GUI thread answers it only
    when the new model is warm, or with the reason it is not (not installed, fails to load, another switch runs)."""
    import json

    from swictation_gui import app as app_module

    app, injector = running
    answers: queue.Queue[tuple[str, str]] = queue.Queue()

    def reply(answer: str) -> None:
        answers.put((answer, threading.current_thread().name))

    def command(name: str) -> str:
        """Post ``name`` from another thread, as the control socket does, and wait for the app's answer."""
        threading.Thread(target=app.inputs.post_command, args=(name, reply)).start()
        qtbot.waitUntil(lambda: not answers.empty(), timeout=30_000)
        answer, thread = answers.get()
        assert thread == threading.main_thread().name  # answered from the GUI thread
        return answer

    settings_file = tmp_path / "settings.json"
    before = settings_file.read_text() if settings_file.exists() else None
    answer = command("model:cpu")  # not installed under the test home
    assert answer.startswith("error ") and "not installed" in answer, answer
    assert app.config.effective.model is ModelChoice.CUSTOM
    assert (settings_file.read_text() if settings_file.exists() else None) == before

    real = app_module.deferred
    gate = threading.Event()

    def factory(model: str, engine: str = "auto", device: str = "auto", cpu_engine: str = "auto") -> object:
        if model == "gpu":  # a switch that takes a while and then fails
            def build() -> object:
                gate.wait(30)
                raise RuntimeError("the GPU model is broken")
            return build
        return real(str(band_model) if model == "cpu" else model, engine, device, cpu_engine)

    monkeypatch.setattr(app_module, "deferred", factory)
    assert command("model:cpu") == "ok now using the CPU int8 model (CPU)"
    assert app.config.effective.model is ModelChoice.CPU
    assert json.loads(settings_file.read_text())["model"] == "cpu"
    assert command("model:cpu") == "ok the CPU int8 model is already in use (CPU)"

    threading.Thread(target=app.inputs.post_command, args=("model:gpu", reply)).start()
    qtbot.waitUntil(lambda: app.recognizer.loading, timeout=5_000)
    assert command("model:cpu") == f"error {app_module.BUSY}"
    assert answers.empty()  # the GPU switch is still running: its answer waits
    gate.set()
    qtbot.waitUntil(lambda: not answers.empty(), timeout=30_000)
    answer, _ = answers.get()
    assert answer.startswith("error ") and "the GPU model is broken" in answer, answer
    assert app.config.effective.model is ModelChoice.CPU
    assert json.loads(settings_file.read_text())["model"] == "cpu"
    dictate(qtbot, FakeHotkey.instances[-1], ["mi"])
    qtbot.waitUntil(lambda: injector.texts == ["mi "], timeout=15_000)  # the CPU model still serves


def test_a_cpu_engine_change_reloads_the_model_with_that_engine(
        qtbot: QtBot, running: tuple[Application, RecordingInjector], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from swictation_gui import app as app_module
    from swictation_gui.settings.schema import CpuEngine

    app, injector = running
    real = app_module.deferred
    built: list[tuple[str, str]] = []

    def recording(model: str, engine: str = "auto", device: str = "auto", cpu_engine: str = "auto") -> object:
        build = real(model, engine, device, cpu_engine)

        def wrapped() -> object:
            recognizer = build()
            built.append((cpu_engine, recognizer.name))
            return recognizer
        return wrapped

    monkeypatch.setattr(app_module, "deferred", recording)
    app.apply_settings(app.config.effective.replace(cpu_engine=CpuEngine.ONNXRUNTIME))
    qtbot.waitUntil(lambda: bool(built) and not app.recognizer.loading
                    and app.dictation.model_state is ModelState.READY, timeout=30_000)
    assert built == [("onnxruntime", "onnxruntime")]
    assert '"cpu_engine": "onnxruntime"' in (tmp_path / "settings.json").read_text()
    dictate(qtbot, FakeHotkey.instances[-1], ["do"])
    qtbot.waitUntil(lambda: injector.texts == ["do "], timeout=15_000)  # our engine serves the dictation
