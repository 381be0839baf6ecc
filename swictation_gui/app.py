"""The tray app's composition root: builds every part, wires them together, and owns the staged shutdown.

Threads: the GUI thread runs Qt, the session, the capture's polling and the tray; the recognizer
worker has its own QThread; pynput calls the hotkey callbacks on its listener thread (they only
emit signals); PortAudio calls the capture callback (it only copies); injection runs on the
injector thread. Nothing on the GUI thread waits for any of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from swictation_gui import log
from swictation_gui.audio.capture import Capture
from swictation_gui.audio.cues import SoundCues
from swictation_gui.audio.ring import FloatArray
from swictation_gui.core import autostart, ipc
from swictation_gui.core.appconfig import AppConfig, build_parser, changed_parts, load_config, model_for, session_config
from swictation_gui.core.dictation import Dictation
from swictation_gui.core.events import EventLog
from swictation_gui.core.injection_runner import InjectionRunner
from swictation_gui.core.session import Phase
from swictation_gui.core.stop_signals import StopSignals
from swictation_gui.errors import SwictationError
from swictation_gui.models import catalogue
from swictation_gui.platform.base import HotkeyListener, HotkeyMode, InjectionResult, TextInjector
from swictation_gui.platform.keyboard_state import KeyboardState
from swictation_gui.platform.keys import parse_hotkey
from swictation_gui.recognition.base import Recognizer, Transcript
from swictation_gui.recognition.worker import RecognizerWorker
from swictation_gui.settings import Settings
from swictation_gui.settings.schema import ModelChoice
from swictation_gui.ui.icons import TrayState
from swictation_gui.ui.tray import Tray
from swictation_gui.ui.windows import CudaProbe, Windows

TAKE_POLL_MS = 5          # while a take waits for its tail
CAPTURE_POLL_MS = 200     # microphone health and reconnect
LEVEL_POLL_MS = 50        # input level for the tray and the settings dialog


class _Bridge(QObject):
    """Carries calls from foreign threads (pynput, injector) to the GUI thread as queued signals."""

    hotkey = Signal(object, str, str)   # (the sink that emitted it, HotkeySink method name, failure message)
    injected = Signal(int, object)
    transcribe_requested = Signal(int, object)
    command = Signal(str)
    swap_requested = Signal(object)


class _QtTimer:
    """A cancellable single-shot timer for the session (GUI thread)."""

    def __init__(self, parent: QObject, seconds: float, callback: Callable[[], None]) -> None:
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(callback)
        self._timer.start(max(0, int(seconds * 1000)))

    def cancel(self) -> None:
        """Stop the timer (GUI thread)."""
        self._timer.stop()
        self._timer.deleteLater()


class _HotkeySink:
    """``HotkeySink`` that forwards each chord event to the GUI thread as a queued signal (listener threads)."""

    def __init__(self, bridge: _Bridge) -> None:
        self._bridge = bridge

    def chord_down(self) -> None:
        self._bridge.hotkey.emit(self, "chord_down", "")

    def chord_up(self) -> None:
        self._bridge.hotkey.emit(self, "chord_up", "")

    def interrupted(self) -> None:
        self._bridge.hotkey.emit(self, "interrupted", "")

    def ready(self) -> None:
        self._bridge.hotkey.emit(self, "ready", "")

    def failed(self, message: str) -> None:
        self._bridge.hotkey.emit(self, "failed", message)


def _make_hotkey(s: Settings, keyboard: KeyboardState) -> HotkeyListener:
    from swictation_gui.platform.hotkey import X11HotkeyListener

    return X11HotkeyListener(s.hotkey, keyboard)


def _make_injector(s: Settings, keyboard: KeyboardState) -> TextInjector:
    from swictation_gui.platform.injection import create_injector

    return create_injector(s.injection_method, keyboard=keyboard)


class Application(QObject):
    """Owns every part of the running app and implements the pipeline's ``Host`` with Qt (GUI thread)."""

    def __init__(self, config: AppConfig, events: EventLog) -> None:
        super().__init__()
        self.config = config
        self.events = events
        self.settings = s = config.settings
        self._shutting_down = False
        self._done = False
        self._mic_test = False
        self._device = ""
        self._bridge = _Bridge()
        self.tray = Tray()
        self.tray.set_notifications_enabled(s.notifications)
        self.cuda_probe = CudaProbe()
        self.windows = Windows(config.store.path, self.cuda_probe)
        self.cues = SoundCues(s.sound_cues)
        self.hotkey: HotkeyListener | None = None
        self._hotkey_sink: _HotkeySink | None = None
        self._chord_interrupted = False
        self._tap_armed = False
        self.keyboard = KeyboardState()   # shared by the hotkey listener and the injector
        self.dictation = Dictation(self, events, self._new_capture(s), session_config(s), s.tail_ms / 1000)
        self.session = self.dictation.session
        self._take_timer = self._timer(TAKE_POLL_MS, self.dictation.poll_takes)
        self._capture_timer = self._timer(CAPTURE_POLL_MS, lambda: self.dictation.capture.poll())
        self._level_timer = self._timer(LEVEL_POLL_MS, self._show_level)
        # Recognizer worker on its own thread.
        self._worker = RecognizerWorker(self._recognizer_factory(config.model))
        self._thread = QThread(self)
        self._thread.setObjectName("recognizer")
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.start)
        self._worker.ready.connect(self._on_ready)
        self._worker.swapped.connect(self._on_ready)
        self._worker.load_failed.connect(self._on_load_failed)
        self._worker.swap_failed.connect(self._on_swap_failed)
        self._worker.transcribed.connect(self._on_transcribed)
        self._worker.failed.connect(self._on_recognition_failed)
        self._bridge.transcribe_requested.connect(self._worker.transcribe)
        self._bridge.swap_requested.connect(self._worker.swap)
        # Foreign threads (pynput, injector, control socket) → GUI thread. Every receiver is a slot of
        # this QObject: PySide6 runs a plain Python callable on the emitting thread.
        self._bridge.hotkey.connect(self._on_hotkey)
        self._bridge.injected.connect(self._on_injected)
        self._bridge.command.connect(self._on_command)
        self.tray.quit_requested.connect(self.shutdown)
        self.tray.toggle_requested.connect(self.dictation.toggle)
        self.tray.settings_requested.connect(self._open_settings)
        self.tray.copy_last_requested.connect(self._copy_last)
        self.tray.paste_last_requested.connect(self._paste_last)
        self.tray.open_log_requested.connect(self._open_log)
        self.tray.about_requested.connect(self._open_about)
        self.tray.model_requested.connect(self._switch_model)
        self.windows.settings_accepted.connect(self.apply_settings)
        self.windows.mic_test.connect(self._mic_test_changed)
        self.windows.hotkey_capture.connect(self._hotkey_capture_changed)
        self.windows.model_installed.connect(self._on_model_installed)
        self.cuda_probe.finished.connect(self._on_cuda_probed)

    def _timer(self, interval_ms: int, callback: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(interval_ms)
        timer.timeout.connect(callback)
        return timer

    def _new_capture(self, s: Settings) -> Capture:
        return Capture(s.input_device, s.pre_roll_ms / 1000, float(s.max_record_seconds),
                       on_event=lambda event, message: self.dictation.on_capture_event(event, message))

    def _recognizer_factory(self, model: str) -> Callable[[], Recognizer]:
        engine, device = self.config.engine, self.config.device

        def build() -> Recognizer:
            from swictation_gui.models.catalogue import resolve
            from swictation_gui.recognition import factory

            return factory.create(resolve(model), engine=engine, device=device)
        return build

    # ----------------------------------------------------------------- start-up

    def start(self) -> None:
        """Show the tray, start loading the model, open the microphone and listen for the hotkey."""
        s = self.settings
        self.tray.show()
        self.tray.set_state(TrayState.LOADING)
        self.tray.set_info(self.config.model, "", s.hotkey, str(s.hotkey_mode))
        self.tray.set_model(self.config.model)
        self.events.emit("starting", tray=self.tray.available, pid=os.getpid())
        self.cuda_probe.start()
        self._thread.start()
        self._open_capture()
        self._capture_timer.start()
        self._start_injector(s)
        self._start_hotkey(s)

    def _open_capture(self) -> None:
        try:
            self.dictation.capture.open()
        except SwictationError as exc:
            log.audio.warning("%s", exc)  # the capture event already told the user; polling keeps retrying

    def _start_injector(self, s: Settings) -> None:
        try:
            # The injector itself waits until the hotkey is up before sending anything.
            injector = _make_injector(s, self.keyboard)
        except (SwictationError, ImportError) as exc:
            self._platform_failed(f"Text output could not be set up: {exc}")
            return
        if self.dictation.runner is not None:
            self.dictation.runner.set_injector(injector)   # one thread keeps the texts in order
            return
        runner = InjectionRunner(injector, self._bridge.injected.emit)
        runner.start()
        self.dictation.runner = runner

    def _start_hotkey(self, s: Settings) -> None:
        """Replace the hotkey listener (returns at once; it reports ready or failed through ``_on_hotkey``)."""
        self._stop_hotkey()
        try:
            self.hotkey = _make_hotkey(s, self.keyboard)
        except (SwictationError, ImportError) as exc:
            self._platform_failed(f"The hotkey could not be set up: {exc}")
            return
        self._hotkey_sink = _HotkeySink(self._bridge)
        self.hotkey.start(self._hotkey_sink)

    def _stop_hotkey(self) -> None:
        """Stop the listener without waiting for its threads; its queued events are ignored from now on."""
        if self.hotkey is not None:
            self.hotkey.stop()
        self.hotkey = None
        self._hotkey_sink = None

    def _platform_failed(self, message: str) -> None:
        self.dictation.setup_error = message
        self.notify(message, "error")
        self.tray.set_state(TrayState.ERROR, message)
        self.events.emit("error", kind="platform", message=message)

    # ----------------------------------------------------------------- Host (GUI thread)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> _QtTimer:
        """A cancellable single-shot timer."""
        return _QtTimer(self, seconds, callback)

    def poll_takes(self, active: bool) -> None:
        """Run the take poll only while a take waits for its tail."""
        if active:
            self._take_timer.start()
        else:
            self._take_timer.stop()

    def request_transcription(self, seq: int, audio: Callable[[], FloatArray]) -> None:
        """Queue the audio for the recognizer thread."""
        self._bridge.transcribe_requested.emit(seq, audio)

    def show_state(self, state: str, detail: str) -> None:
        """Mirror the pipeline's state in the tray."""
        self.tray.set_state(TrayState(state), detail)

    def notify(self, message: str, level: str = "warning") -> None:
        """Tell the user (tray notification) and log it."""
        log.ui.warning("%s", message)
        self.tray.notify("Swictation", message, level)
        self.events.emit("notify", level=level, message=message)

    def recording_changed(self, recording: bool) -> None:
        """Sound cue, and the tray's level ring while recording."""
        if recording:
            self.cues.play_start()
        else:
            self.cues.play_stop()
        self._update_level_timer()

    # ----------------------------------------------------------------- results (GUI thread)

    @Slot(object)
    def _on_cuda_probed(self, report: object) -> None:
        """First run: no model installed for the configured choice, so offer to download one."""
        spec = catalogue.spec_for_key(self.config.model)
        if spec is not None and not catalogue.installed_dir(spec).is_dir():
            self.events.emit("first_run", model=spec.key)
            self.windows.open_first_run()

    @Slot(object)
    def _on_model_installed(self, location: object) -> None:
        """The first-run dialog installed (or adopted) a model: use it, and save that choice."""
        assert isinstance(location, catalogue.ModelLocation)
        if location.spec is not None:
            new = self.settings.replace(model=ModelChoice(location.spec.key))
        else:
            new = self.settings.replace(model=ModelChoice.CUSTOM, custom_model_dir=str(location.folder))
        same = model_for(new) == self.config.model
        self.apply_settings(new)
        if same:  # the choice did not change, but the model is there now: load it
            self._bridge.swap_requested.emit(self._recognizer_factory(self.config.model))

    @Slot(str)
    def _switch_model(self, key: str) -> None:
        """Tray "Model ▸ …": switch live; the old model keeps serving until the new one is warm."""
        if key in ("gpu", "cpu") and key != self.settings.model:
            self.apply_settings(self.settings.replace(model=ModelChoice(key)))

    @Slot(str)
    def _on_ready(self, device: str) -> None:
        self._device = device
        self.dictation.model_ready = True
        self.tray.set_info(self.config.model, device, self.settings.hotkey, str(self.settings.hotkey_mode))
        self.dictation.refresh()
        capture = self.dictation.capture
        self.events.emit("ready", device=device, mic=capture.is_open, rate=capture.rate)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self.tray.set_state(TrayState.NO_MODEL if "not installed" in message else TrayState.ERROR, message)
        self.notify(message, "error")
        self.events.emit("load_failed", message=message)

    @Slot(str)
    def _on_swap_failed(self, message: str) -> None:
        self.notify(message, "error")

    @Slot(object, str, str)
    def _on_hotkey(self, sink: object, event: str, message: str) -> None:
        """A chord event from the current listener, mapped onto the dictation by mode (hold: down starts, up
        stops; toggle: down toggles, or a clean tap for a modifier-only hotkey). A modifier-only hotkey used in a
        shortcut while recording cancels the dictation."""
        if sink is not self._hotkey_sink:
            return   # from a listener replaced meanwhile
        s = self.settings
        hold = HotkeyMode(s.hotkey_mode) is HotkeyMode.HOLD
        modifier_only = parse_hotkey(s.hotkey).is_modifier_only
        if event == "ready":
            if self.dictation.runner is not None:   # else the injector's error stays shown
                self.dictation.setup_error = ""
                self.dictation.refresh()
                self.events.emit("listening", hotkey=s.hotkey, mode=str(s.hotkey_mode))
        elif event == "failed":
            self._stop_hotkey()
            self._platform_failed(f"The hotkey could not be set up: {message}")
        elif event == "chord_down":
            self._chord_interrupted = False
            self._tap_armed = not hold and modifier_only
            if hold:
                self.dictation.press()
            elif not modifier_only:
                self.dictation.toggle()
        elif event == "interrupted":
            self._chord_interrupted, self._tap_armed = True, False
            if modifier_only and self.session.phase == Phase.RECORDING:
                log.hotkey.info("%s was used in a shortcut; dictation cancelled", s.hotkey)
                self.session.cancel()
        elif event == "chord_up":
            if hold and not (modifier_only and self._chord_interrupted):
                self.dictation.release()
            elif self._tap_armed:
                self._tap_armed = False
                self.dictation.toggle()

    @Slot(int, str)
    def _on_recognition_failed(self, seq: int, message: str) -> None:
        self.session.recognition_failed(seq, message)

    @Slot(int, object)
    def _on_transcribed(self, seq: int, transcript: object) -> None:
        assert isinstance(transcript, Transcript)
        self.dictation.transcribed(seq, transcript)

    @Slot(int, object)
    def _on_injected(self, seq: int, result: object) -> None:
        assert isinstance(result, InjectionResult)
        self.dictation.injected(seq, result)
        self.tray.set_last_transcript(self.dictation.last_text())  # also after a failure: "Paste again"

    def stop_requested(self) -> None:
        """Signals thread: SIGINT/SIGTERM; the shutdown runs on the GUI thread."""
        self._bridge.command.emit("quit")

    def on_control(self, command: str) -> None:
        """Control-socket thread: forward a command to the GUI thread."""
        self._bridge.command.emit(command)

    @Slot(str)
    def _on_command(self, command: str) -> None:
        self.events.emit("command", command=command)
        recording = self.session.phase == Phase.RECORDING
        if command == "toggle" or (command == "start" and not recording) or (command == "stop" and recording):
            self.dictation.toggle()
        elif command == "quit":
            self.shutdown()
        elif command == "settings":
            self._open_settings()
        elif command.startswith("model:"):
            self._switch_model(command.removeprefix("model:"))

    def _update_level_timer(self) -> None:
        if self.session.phase == Phase.RECORDING or self._mic_test:
            self._level_timer.start()
        else:
            self._level_timer.stop()

    def _show_level(self) -> None:
        level = self.dictation.capture.level()
        if self.session.phase == Phase.RECORDING:
            self.tray.set_level(level)
        if self._mic_test:
            self.windows.set_level(level)

    @Slot()
    def _copy_last(self) -> None:
        """Tray "Last transcript ▸ Copy" (the clipboard is owned by this process's event loop)."""
        text = self.dictation.last_text()
        if text:
            QApplication.clipboard().setText(text)

    @Slot()
    def _paste_last(self) -> None:
        """Tray "Last transcript ▸ Paste again" (sequence 0: not a session utterance)."""
        text = self.dictation.last_text()
        if text and self.dictation.runner is not None:
            self.dictation.runner.submit(0, text)

    # ----------------------------------------------------------------- settings

    @Slot()
    def _open_settings(self) -> None:
        """Show the settings dialog (one at a time)."""
        self.windows.open_settings(self.settings)

    @Slot()
    def _open_log(self) -> None:
        self.windows.open_log()

    @Slot()
    def _open_about(self) -> None:
        self.windows.open_about(self._device)

    @Slot(object)
    def _mic_test_changed(self, device: object) -> None:
        """The dialog's microphone page is showing (a device name or None) or closed (False): meter the open
        microphone when it is that device."""
        self._mic_test = device is not False and (device or None) == (self.settings.input_device or None)
        self._update_level_timer()

    @Slot(bool)
    def _hotkey_capture_changed(self, capturing: bool) -> None:
        """While the dialog records a new hotkey, the global one must not start dictations."""
        if capturing and self.hotkey is not None:
            self._stop_hotkey()
        elif not capturing and self.hotkey is None and not self._shutting_down:
            self._start_hotkey(self.settings)

    @Slot(object)
    def apply_settings(self, new: object) -> None:
        """Save ``new`` and rebuild only the parts it changes (GUI thread)."""
        assert isinstance(new, Settings)
        old, self.settings = self.settings, new
        try:
            self.config.store.save(new)
        except SwictationError as exc:
            self.notify(str(exc), "error")
        parts = changed_parts(old, new)
        self.events.emit("settings_applied", parts=sorted(parts))
        self.session.config = session_config(new)
        self.dictation.tail_s = new.tail_ms / 1000
        self.cues.set_enabled(new.sound_cues)
        self.tray.set_notifications_enabled(new.notifications)
        if new.start_at_login != old.start_at_login:
            try:
                autostart.set_enabled(new.start_at_login)
            except SwictationError as exc:
                self.notify(str(exc), "error")
        if "capture" in parts:
            self.dictation.capture.close()
            self.dictation.capture = self._new_capture(new)
            self._open_capture()
        if "injector" in parts:
            self._start_injector(new)
        if "hotkey" in parts:
            self._start_hotkey(new)
        if "model" in parts:
            self.config = replace(self.config, model=model_for(new))
            self._bridge.swap_requested.emit(self._recognizer_factory(self.config.model))
        self.tray.set_info(self.config.model, self._device, new.hotkey, str(new.hotkey_mode))
        self.tray.set_model(self.config.model)

    # ----------------------------------------------------------------- shutdown

    @Slot()
    def shutdown(self) -> None:
        """Begin the staged shutdown (idempotent; GUI thread): leave any nested loop first."""
        if self._shutting_down:
            return
        self._shutting_down = True
        self.events.emit("shutting_down")
        QTimer.singleShot(0, self._shutdown_stage2)

    def _shutdown_stage2(self) -> None:
        self.shutdown_now()
        app = QApplication.instance()
        if app is not None:
            app.exit(0)

    def shutdown_now(self) -> None:
        """Stop every part (idempotent, GUI thread): hotkey, microphone, injector, recognizer, tray."""
        if self._done:
            return
        self._done = True
        self._shutting_down = True
        hotkey = self.hotkey
        self._stop_hotkey()
        self.dictation.stopping = True
        for timer in (self._capture_timer, self._take_timer, self._level_timer):
            timer.stop()
        self.dictation.capture.close()
        self.session.shutdown()
        if self.dictation.runner is not None:
            self.dictation.runner.stop()
            self.dictation.runner.join(2.0)   # finish the text being typed, briefly
        if hotkey is not None:
            hotkey.join(2.0)                  # its thread releases the key grab
        self._thread.quit()
        if not self._thread.wait(10_000):
            log.init.warning("The recognizer is still busy; exiting anyway")
        self._worker.wait_for_swap(2.0)
        self.cues.close()
        self.windows.close_all()
        self.tray.hide()
        self.events.emit("stopped")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tray app until Quit, SIGINT or SIGTERM; returns the exit code."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    events = EventLog(sys.stderr if args.log_json else None, args.log_transcripts)
    try:
        config, warnings = load_config(args)
    except (SwictationError, ValueError) as exc:
        print(f"swictation-gui: {exc}", file=sys.stderr)
        events.emit("fatal", message=str(exc))
        return 2
    if not _has_display():
        msg = ("No graphical display was found (DISPLAY and WAYLAND_DISPLAY are not set). "
               "Start swictation-gui from your desktop session.")
        print(f"swictation-gui: {msg}", file=sys.stderr)
        events.emit("fatal", message=msg)
        return 1
    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qapp, QApplication)
    qapp.setQuitOnLastWindowClosed(False)
    qapp.setApplicationName("swictation-gui")
    target: list[Callable[[str], None]] = []
    control = ipc.ControlServer(lambda command: target[0](command) if target else None)
    try:
        control.start()
    except ipc.AlreadyRunningError:
        print("swictation-gui is already running; opening its settings.", file=sys.stderr)
        events.emit("already_running")
        try:
            ipc.send_command("settings")
        except ipc.IpcError as exc:
            print(f"swictation-gui: {exc}", file=sys.stderr)
        return 0
    except ipc.IpcError as exc:
        log.init.warning("No remote control this time: %s", exc)
    app = Application(config, events)
    target.append(app.on_control)
    stop_signals = StopSignals(app.stop_requested)
    stop_signals.install()
    for warning in warnings:
        app.notify(warning)
    app.start()
    code = qapp.exec()
    app.shutdown_now()
    control.stop()
    stop_signals.uninstall()
    events.emit("exit", code=code)
    return int(code)


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
