"""The tray app's composition root: builds every part, wires them together, and owns the staged shutdown.

Which thread runs what is listed once, in docs/threads.md. In short: the GUI thread runs Qt, the dictation
pipeline and every widget; everything else (models, microphone, hotkey, typing, control socket) runs on threads
of its own and reaches the GUI thread only through queued signals. Nothing on the GUI thread waits for them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from swictation_gui import log
from swictation_gui.audio.cues import SoundCues, cue_player
from swictation_gui.core.appconfig import AppConfig, changed_parts, model_for, session_config
from swictation_gui.core.dictation import Dictation
from swictation_gui.core.events import EventLog
from swictation_gui.core.status import NO_MODEL_YET, ModelState
from swictation_gui.errors import SwictationError
from swictation_gui.recognition.cuda_probe import CudaProbe
from swictation_gui.recognition.factory import deferred
from swictation_gui.recognition.worker import RecognizerWorker
from swictation_gui.settings import Settings
from swictation_gui.settings.schema import ModelChoice
from swictation_gui.ui.feedback import LevelMonitor, TrayFeedback
from swictation_gui.ui.first_run_controller import FirstRunController
from swictation_gui.ui.live_parts import LiveParts, PlatformParts, new_capture
from swictation_gui.ui.mic_preview import MicPreview
from swictation_gui.ui.model_commands import BUSY, MODEL_NAMES, immediate_answer, ready_answer
from swictation_gui.ui.pipeline_slots import PipelineSlots
from swictation_gui.ui.qt_timers import QtTimers
from swictation_gui.ui.thread_inputs import Reply, ThreadInputs
from swictation_gui.ui.tray import Tray
from swictation_gui.ui.windows import Windows

SHUTDOWN_JOIN_S = 3.0  # bound on waiting for threads at quit (a model still loading is left to os._exit)


class Application(QObject):
    """Owns every part of the running app (GUI thread)."""

    capture_event = Signal(object, object, str)  # (capture, CaptureEvent, message) from a capture worker thread

    def __init__(self, config: AppConfig, events: EventLog, platform: PlatformParts | None = None) -> None:
        super().__init__()
        self.config, self.events = config, events
        s = config.effective
        self._shutting_down = self._done = False
        self.recognizer_idle = True  # False when a model was still loading at shutdown (see main)
        self._device = ""
        self._pending_model: tuple[ModelChoice, str | None] | None = None  # a switch waiting for its model
        self._model_reply: Reply | None = None  # `swictation-gui model …` waiting for the outcome of a load
        self.timers = QtTimers(self)
        self.tray = Tray()
        self.tray.set_notifications_enabled(s.notifications)
        self.cuda_probe = CudaProbe()
        self.recognizer = RecognizerWorker()
        self.windows = Windows(config.store.path, self.cuda_probe, lambda: self.config.effective, self.recognizer)
        self.platform = platform or PlatformParts()
        self.cues = SoundCues(s.sound_cues, player=cue_player(self.platform.sd_module))
        self.inputs = ThreadInputs()
        self.feedback = TrayFeedback(self.tray, self.cues, events, lambda r: self.levels.set_recording(r))
        self.mic_preview = MicPreview(self.platform.sd_module)  # a page's microphone that is not applied yet
        self._meter_device: object = False  # what a page's meter shows: a device, None (default), False (none)
        self.levels = LevelMonitor(lambda: self.dictation.capture.level(), self.feedback.show_level,
                                   self.windows.set_level, self._meter_level)
        capture = new_capture(s, self.capture_event.emit, self.platform.sd_module)
        self.dictation = Dictation(self.timers, self.recognizer, self.feedback, events, capture, session_config(s),
                                   s.tail_ms / 1000, s.progressive)
        self.parts = LiveParts(self.dictation, self.inputs, self.feedback, events, self.capture_event.emit,
                               self.platform)
        self.slots = PipelineSlots(self.dictation, self.parts, self.tray)
        self.first_run = FirstRunController(self.windows, lambda: self.config.effective, lambda: self.config.model,
                                            events, lambda: self.recognizer.running)
        self._wire()

    def _wire(self) -> None:
        """Connect every signal to its GUI-thread slot (each receiver is a slot of a QObject on this thread)."""
        r = self.recognizer
        r.ready.connect(self._on_ready)
        r.swapped.connect(self._on_ready)
        r.load_failed.connect(self._on_load_failed)
        r.swap_failed.connect(self._on_swap_failed)
        p = self.slots
        r.transcribed.connect(p.transcribed)
        r.failed.connect(p.recognition_failed)
        self.inputs.hotkey.connect(p.hotkey)
        self.inputs.injected.connect(p.injected)
        self.capture_event.connect(p.capture_event)
        self.inputs.command.connect(self._on_command)
        t = self.tray
        t.quit_requested.connect(self.shutdown)
        t.toggle_requested.connect(p.toggle)
        t.settings_requested.connect(self._open_settings)
        t.copy_last_requested.connect(p.copy_last)
        t.paste_last_requested.connect(p.paste_last)
        t.history_requested.connect(p.open_history)
        t.open_log_requested.connect(self.windows.open_log)
        t.about_requested.connect(self._open_about)
        t.model_requested.connect(self._switch_model)
        t.download_requested.connect(self.first_run.open_wizard)
        t.model_folder_requested.connect(self.windows.choose_model_folder)
        t.models_requested.connect(lambda: self._open_settings("model"))
        self.windows.settings_accepted.connect(self.apply_settings)
        self.windows.mic_test.connect(self._mic_test_changed)
        self.mic_preview.problem.connect(self.windows.set_mic_problem)
        self.windows.hotkey_capture.connect(self._hotkey_capture_changed)
        self.cuda_probe.finished.connect(self.first_run.on_cuda_probed)
        self.first_run.use_settings.connect(self.apply_settings)
        self.first_run.reload_model.connect(self._load_model)

    def start(self) -> None:
        """Show the tray and start everything that takes time on its own thread; returns at once."""
        s = self.config.effective
        self.tray.show()
        self._show_info()
        self.events.emit("starting", tray=self.tray.available, pid=os.getpid())
        self.cuda_probe.start()
        if self.first_run.catalogue_model_missing():  # no model yet, the normal first state: the wizard opens
            self._model_failed(NO_MODEL_YET, True)      # once the CUDA check answers; nothing to load or blame
        else:
            self._load_model()
        self.dictation.capture.open()
        self.parts.start(s)

    @Slot()
    def _load_model(self, model: str | None = None, cpu_engine: str | None = None) -> bool:
        """Load ``model`` (default: the configured one); the serving one serves until it is warm. False if busy."""
        model = model or self.config.model
        cpu_engine = cpu_engine or str(self.config.effective.cpu_engine)
        if not self.recognizer.load(deferred(model, self.config.engine, self.config.device, cpu_engine), model):
            self.feedback.notify(BUSY, "warning")
            return False
        if self.dictation.model_state is not ModelState.READY:
            self.dictation.model_loading()
        return True

    def _show_info(self) -> None:
        s = self.config.effective
        running = self.recognizer.running  # what really serves (or is loading), not what the settings say
        shown = running or (self.config.model if self.recognizer.loading else "")
        self.tray.set_info(shown, self._device if running else "", s.hotkey, str(s.hotkey_mode))
        self.tray.set_model(running)

    @Slot(str)
    def _on_ready(self, device: str) -> None:
        if self._done:
            return  # a model that finished loading after quit
        self._device = device
        self.dictation.model_ready()
        if self._pending_model is not None:  # a model switch is saved only now that the new model is warm
            self._commit(self.config.effective.replace(model=self._pending_model[0],
                                                       custom_model_dir=self._pending_model[1]))
            self._pending_model = None
        self._answer_model(ready_answer(self.config.model, device))
        self._show_info()
        capture = self.dictation.capture
        self.events.emit("ready", device=device, mic=capture.available is True, rate=capture.last_rate)

    @Slot(str)
    def _on_swap_failed(self, message: str) -> None:
        self._model_failed(message, None)

    @Slot(str, bool)
    def _on_load_failed(self, message: str, missing: bool) -> None:
        self._model_failed(message, missing)

    def _model_failed(self, message: str, missing: bool | None) -> None:
        """A switch (``missing`` None: the old model keeps serving) or the first load failed; a missing model is the
        normal first state (the setup wizard offers one), so only other failures are notified."""
        if self._done:
            return  # a model that finished loading after quit
        self._pending_model = None  # the running model and settings.json stay as they were
        self._answer_model(f"error {message}")
        self._show_info()
        if missing is not None:
            self.dictation.model_failed(message, missing)
            self.events.emit("load_failed", message=message, missing=missing)
        if not missing:
            self.feedback.notify(message, "error")

    def _answer_model(self, answer: str) -> None:
        """Tell a waiting `swictation-gui model …` how its switch ended (once)."""
        reply, self._model_reply = self._model_reply, None
        if reply is not None:
            reply(answer)

    @Slot(str, object)
    def _on_command(self, command: str, reply: Reply | None = None) -> None:
        """A control-socket command, or "quit" from SIGINT/SIGTERM; ``reply`` answers a model switch when it ends."""
        self.events.emit("command", command=command)
        actions: dict[str, Callable[[], None]] = {
            "toggle": self.dictation.toggle, "start": self.dictation.start, "stop": self.dictation.stop,
            "quit": self.shutdown, "settings": self._open_settings, "paste-last": self.slots.paste_last,
            "history": self.slots.open_history}
        if command.startswith("model:"):  # the only deferred command: it comes with a reply
            self._switch_model(command.removeprefix("model:"), reply)
        elif command in actions:
            actions[command]()

    @Slot()
    def _open_settings(self, page: str = "") -> None:
        self.windows.open_settings(self.config.effective, page)

    @Slot()
    def _open_about(self) -> None:
        self.windows.open_about(self._device)

    @Slot(str)
    def _switch_model(self, key: str, reply: Reply | None = None) -> None:
        """Tray "Model ▸ …" or `swictation-gui model`: switch live; the old model keeps serving until the new one is
        warm. ``reply`` (the command line's) is answered once the switch has ended, or at once when none starts."""
        if reply is not None:
            answer = immediate_answer(key, quitting=self._shutting_down, busy=self.recognizer.loading or
                                      self._model_reply is not None, chosen=str(self.config.effective.model),
                                      ready=self.dictation.model_state is ModelState.READY, device=self._device)
            if answer is not None:
                reply(answer)
                return
            self._model_reply = reply  # answered by _on_ready or _model_failed
        if key in MODEL_NAMES and key != self.config.effective.model:
            self.apply_settings(self.config.effective.replace(model=ModelChoice(key)))
        elif reply is not None:  # chosen but not loaded (not installed yet, or it failed): try again
            self._load_model()

    @Slot(object)
    def _mic_test_changed(self, device: object) -> None:
        """A page's meter shows a device (name or None) or closed (False). Our microphone is metered through its
        capture, held open meanwhile; any other device through a preview stream of its own until it is applied."""
        self._meter_device = device
        ours = self.config.effective.input_device or None
        mine = device is not False and (device or None) == ours
        if device is False or mine or self._shutting_down:
            self.mic_preview.stop()
        else:
            self.mic_preview.show(device if isinstance(device, str) else None)
        self.levels.set_dialog(device is not False)
        self.parts.hold_for_meter(mine)

    def _meter_level(self) -> float:
        """The level a visible meter shows: the preview's device, else our microphone (GUI thread)."""
        return self.mic_preview.level() if self.mic_preview.active else self.dictation.capture.level()

    @Slot(bool)
    def _hotkey_capture_changed(self, capturing: bool) -> None:
        """While the dialog records a new hotkey, the global one must not start dictations."""
        if capturing:
            self.parts.stop_hotkey()
        elif self.parts.hotkey is None and not self._shutting_down:
            self.parts.start_hotkey(self.config.effective)

    @Slot(object)
    def apply_settings(self, new: object) -> None:
        """Save what the user changed (never this run's command-line overrides); rebuild only what changed."""
        assert isinstance(new, Settings)
        old = self.config.effective
        parts = changed_parts(old, new)
        self.events.emit("settings_applied", parts=sorted(parts))
        if "model" in parts:
            if self._load_model(model_for(new), str(new.cpu_engine)):  # saved (and ticked) once warm
                self._pending_model = (new.model, new.custom_model_dir)
            new = new.replace(model=old.model, custom_model_dir=old.custom_model_dir)
        self._commit(new)
        self.parts.apply(parts, old, new)
        if new.input_device != old.input_device and self._meter_device is not False:
            self._mic_test_changed(self._meter_device)  # the previewed device is ours now (or no longer)
        self._show_info()

    def _commit(self, new: Settings) -> None:
        """Make ``new`` the running settings and save what the user changed (never the command-line overrides)."""
        unchanged = self.config.file_settings
        self.config, to_save = self.config.with_user_change(new)
        if to_save == unchanged:
            return
        try:
            self.config.store.save(to_save)
        except SwictationError as exc:
            self.feedback.notify(str(exc), "error")

    @Slot()
    def shutdown(self) -> None:
        """Begin the staged shutdown (idempotent; GUI thread): leave any nested loop first."""
        if self._shutting_down:
            return
        self._shutting_down = True
        self.events.emit("shutting_down")
        QTimer.singleShot(0, self._quit)

    def _quit(self) -> None:
        self.shutdown_now()
        app = QApplication.instance()
        if app is not None:
            app.exit(0)

    def shutdown_now(self) -> None:
        """Stop every part (idempotent, GUI thread), each stage even if an earlier one failed: input first (hotkey,
        microphone), then output (typing, sounds), then the models and the windows."""
        if self._done:
            return
        self._done = self._shutting_down = True
        stages: list[tuple[str, Callable[[], object]]] = [
            ("pending dictations", self.dictation.shutdown),  # first: a stopping hotkey then ends no recording
            ("hotkey, microphone and typing", self.parts.stop),
            ("level meter", self.levels.stop),
            ("microphone preview", self.mic_preview.stop),
            ("models", self.recognizer.close),
            ("threads", lambda: self.parts.join(SHUTDOWN_JOIN_S)),
            ("sound cues", self.cues.close),
            ("windows", self.windows.close_all),
            ("tray", self.tray.hide),
        ]
        log.run_each(stages, log.init, "Shutdown stage %r failed; continuing")
        self.recognizer_idle = self.recognizer.join(SHUTDOWN_JOIN_S)
        self.events.emit("stopped")
