"""The parts that follow the settings while the app runs: microphone, hotkey listener and text output (GUI thread).

Each is built from the settings, replaced when its settings change, and stopped at shutdown, without the GUI
thread ever waiting for a device: the capture and the hotkey listener do their device work on threads of their
own and report back through ``ThreadInputs``/the capture's event signal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swictation_gui import log, paths
from swictation_gui.audio.capture import Capture
from swictation_gui.audio.capture_worker import METER
from swictation_gui.core.appconfig import session_config, text_config
from swictation_gui.core.dictation import Dictation
from swictation_gui.core.events import EventLog
from swictation_gui.core.injection_runner import InjectionRunner
from swictation_gui.errors import SwictationError
from swictation_gui.history.store import HistoryStore
from swictation_gui.platform import autostart
from swictation_gui.platform.base import HotkeyListener, TextInjector
from swictation_gui.platform.keyboard_state import KeyboardState
from swictation_gui.settings import Settings
from swictation_gui.text.stage import TextConfig, TextStage
from swictation_gui.ui.cancel_key import CancelKeyControl, usable_cancel_key
from swictation_gui.ui.feedback import TrayFeedback
from swictation_gui.ui.paste_hotkey import PasteLastHotkey
from swictation_gui.ui.thread_inputs import ThreadInputs

CaptureEventPoster = Callable[[Capture, object, str], None]

PROGRESSIVE_RING_S = 60.0
"""With progressive recognition the ring holds this much audio at most (it is copied out every 0.2 s)."""


def make_hotkey(s: Settings, keyboard: KeyboardState) -> HotkeyListener:
    """The hotkey listener for this desktop, from the fallback chain (X11 grab; on Wayland the opt-in evdev reader,
    the GlobalShortcuts portal, compositor bindings or the XWayland grab, each falling back to the next)."""
    from swictation_gui.platform import portal, session
    from swictation_gui.platform.bindings import BindingListener
    from swictation_gui.platform.evdev import EvdevHotkeyListener
    from swictation_gui.platform.hotkey import X11HotkeyListener

    info = session.detect()
    chain = session.chains(info, evdev=s.evdev_hotkey)[0] if info.wayland else []
    usable = [link.name for link in chain if link.status != "skipped"]
    listener: HotkeyListener = (BindingListener(s.hotkey, info.compositor) if "compositor-bindings" in usable
                                else X11HotkeyListener(s.hotkey, keyboard, cancel_key=usable_cancel_key(s)))
    if "globalshortcuts-portal" in usable:
        listener = portal.PortalHotkeyListener(s.hotkey, fallback=listener)
    chosen = session.active(chain)
    if chosen is not None and chosen.name == "evdev":  # opt-in and readable: it is the one the chain marks active
        listener = EvdevHotkeyListener(s.hotkey, cancel_key=usable_cancel_key(s), fallback=listener)
    return listener


def make_injector(s: Settings, keyboard: KeyboardState) -> TextInjector:
    """The text injector for this desktop, from the fallback chain."""
    from swictation_gui.platform.injection import create_injector

    return create_injector(s.injection_method, keyboard=keyboard)


def new_capture(s: Settings, post_event: CaptureEventPoster, sd_module: Any = None) -> Capture:
    """A capture for ``s`` whose events go to ``post_event`` (called on the capture's worker thread); ``sd_module``
    replaces ``sounddevice`` (a named fake in tests)."""
    def on_event(event: object, message: str) -> None:  # capture worker thread
        post_event(capture, event, message)

    # Progressive recognition copies audio out of the ring as it comes, so the ring need not hold a long dictation.
    ring_s = min(float(s.max_record_seconds), PROGRESSIVE_RING_S) if s.progressive else float(s.max_record_seconds)
    capture = Capture(s.input_device, s.pre_roll_ms / 1000, ring_s, on_event=on_event,
                      sd_module=sd_module, keep_open=s.keep_mic_open)
    return capture


@dataclass(frozen=True)
class PlatformParts:
    """How the desktop-specific parts are made; the app passes the real ones, an in-process test its fakes."""

    hotkey: Callable[[Settings, KeyboardState], HotkeyListener] = make_hotkey
    injector: Callable[[Settings, KeyboardState], TextInjector] = make_injector
    sd_module: Any = None  # None: the real sounddevice (PortAudio)


class LiveParts:
    """Builds, replaces and stops the settings-dependent parts (GUI thread)."""

    def __init__(self, dictation: Dictation, inputs: ThreadInputs, feedback: TrayFeedback, events: EventLog,
                 post_capture_event: CaptureEventPoster, platform: PlatformParts | None = None) -> None:
        self.dictation = dictation
        self.inputs = inputs
        self.feedback = feedback
        self.events = events
        self.keyboard = KeyboardState()  # shared by the hotkey listener and the injector
        self._post_capture_event = post_capture_event
        self.platform = platform or PlatformParts()
        self.hotkey: HotkeyListener | None = None
        self._generation = 0
        self._retired: list[HotkeyListener] = []
        self._old_captures: list[Capture] = []
        self._hotkey_settings: Settings | None = None
        self._stopped = False
        self._metered = False  # a level meter (Settings, onboarding) shows our microphone
        self.cancel_key = CancelKeyControl(dictation, events, feedback.cancelled)
        feedback.recording_watchers.append(self.cancel_key.set_recording)
        self.text_stage = TextStage(TextConfig())
        self.history = HistoryStore()
        self.paste_hotkey = PasteLastHotkey(
            lambda key, keyboard: self.platform.hotkey(Settings(hotkey=key, cancel_key=None), keyboard),
            lambda: self.inputs.post_command("paste-last"), self.feedback.notify)

    def start(self, s: Settings) -> None:
        """Start the text stage, the text output, the hotkey and the cancel key, and show the overlay when ``s``
        wants it."""
        self.feedback.overlay.set_enabled(s.overlay)
        self.apply_text(s)
        self.start_injector(s)
        self.start_hotkey(s)

    def apply_text(self, s: Settings) -> None:
        """The text stage and history settings of ``s``, applied at once (the next dictation uses them)."""
        self.text_stage.configure(text_config(s))
        if not self._stopped:
            self.paste_hotkey.set(s.paste_last_hotkey)
        self.history.set_limit(s.history_size)
        if s.history_persist:
            problem = self.history.persist(paths.history_file(), s.history_retention_days)
            if problem:
                self.feedback.notify(problem, "warning")
        elif self.history.persistent_path is not None or paths.history_file().exists():
            self.history.stop_persisting()
            paths.history_file().unlink(missing_ok=True)

    def _remember(self, text: str, window: str, spoken_s: float) -> None:
        """Injector thread: a delivered dictation goes into the history (the store is thread-safe)."""
        self.history.add(text, window, spoken_s)

    def apply(self, parts: set[str], old: Settings, s: Settings) -> None:
        """Apply the settings ``s`` live: the tunables at once, and rebuild the parts named in ``parts``
        ("capture", "injector", "hotkey")."""
        self.dictation.session.config = session_config(s)
        self.apply_text(s)
        self.dictation.tail_s = s.tail_ms / 1000
        self.dictation.progressive = s.progressive
        self.feedback.cues.set_enabled(s.sound_cues)
        self.feedback.tray.set_notifications_enabled(s.notifications)
        self.feedback.overlay.set_enabled(s.overlay)
        if s.start_at_login != old.start_at_login:
            try:
                autostart.set_enabled(s.start_at_login)
            except SwictationError as exc:
                self.feedback.notify(str(exc), "error")
        if "capture" in parts:
            self.replace_capture(s)
        else:
            self.dictation.capture.set_keep_open(s.keep_mic_open)
        if "injector" in parts:
            self.start_injector(s)
        if "hotkey" in parts:
            self.start_hotkey(s)

    # ----------------------------------------------------------------- microphone

    def replace_capture(self, s: Settings) -> None:
        """Close the microphone and open the one ``s`` asks for (returns at once)."""
        old = self.dictation.capture
        if self.dictation.session.recording:
            self.dictation.session.release()  # keep what was said on the old microphone
        self.dictation.capture = new_capture(s, self._post_capture_event, self.platform.sd_module)
        if self._metered:
            self.dictation.capture.hold(METER)
        if not old.close(timeout=0):  # its worker closes the stream by itself; joined at shutdown
            self._old_captures = [c for c in self._old_captures if not c.close(timeout=0)] + [old]
        self.dictation.capture.open()

    def hold_for_meter(self, metered: bool) -> None:
        """A level meter shows our microphone (True) or no longer: hold it open meanwhile (and across a change)."""
        if metered != self._metered:
            self._metered = metered
            capture = self.dictation.capture
            (capture.hold if metered else capture.release)(METER)

    # ----------------------------------------------------------------- text output

    def start_injector(self, s: Settings) -> None:
        """Build the injector for ``s``; one injector thread keeps every text in order across a change."""
        try:
            injector = self.platform.injector(s, self.keyboard)
        except (SwictationError, ImportError) as exc:
            self._setup_failed(self.dictation.set_output_error, f"Text output could not be set up: {exc}")
            return
        self.dictation.set_output_error("")
        runner = self.dictation.runner
        if runner is not None:
            runner.set_injector(injector)
            return
        runner = InjectionRunner(injector, self.inputs.post_injected, self.text_stage, self._remember)
        runner.start()
        self.dictation.runner = runner

    # ----------------------------------------------------------------- hotkey

    def start_hotkey(self, s: Settings) -> None:
        """Replace the hotkey listener (returns at once; it reports ready or failed through ``on_hotkey``), and
        set up the cancel key that goes with it."""
        self.stop_hotkey()
        if self._stopped:
            return
        self.cancel_key.configure(s)
        self._hotkey_settings = s
        try:
            listener = self.platform.hotkey(s, self.keyboard)
        except (SwictationError, ImportError) as exc:
            self._setup_failed(self.dictation.set_hotkey_error, f"The hotkey could not be set up: {exc}")
            return
        self._generation += 1
        self.hotkey = listener
        listener.start(self.inputs.sink(self._generation))

    def stop_hotkey(self) -> None:
        """Stop the listener without waiting for its threads; a recording it started ends and is transcribed."""
        if self.hotkey is None:
            return
        self.hotkey.stop()
        self._retired = [r for r in self._retired if not r.join(0)] + [self.hotkey]
        self.hotkey = None
        self._generation += 1  # whatever the old one still sends is ignored
        self.dictation.hotkey_lost()

    def on_hotkey(self, generation: int, event: str, message: str) -> None:
        """A listener's event on the GUI thread; a replaced listener's late events are dropped."""
        if generation != self._generation or self.hotkey is None:
            return
        if event == "down":
            self.dictation.chord_down()
        elif event == "up":
            self.dictation.chord_up()
        elif event == "interrupted":
            self.dictation.interrupted()
        elif event == "cancel_key":
            self.cancel_key.on_pressed()
        elif event == "ready":
            self.dictation.set_hotkey_error("")
            s = self._hotkey_settings
            self.events.emit("listening", hotkey=s.hotkey if s else "", mode=str(s.hotkey_mode) if s else "")
        elif event == "failed":
            self.stop_hotkey()
            self._setup_failed(self.dictation.set_hotkey_error, f"The hotkey could not be set up: {message}")

    def _setup_failed(self, record: Callable[[str], None], message: str) -> None:
        record(message)
        self.feedback.notify(message, "error")
        self.events.emit("error", kind="platform", message=message)

    # ----------------------------------------------------------------- shutdown

    def stop(self) -> None:
        """Stop everything without waiting (idempotent)."""
        self._stopped = True
        self.stop_hotkey()
        self.paste_hotkey.stop()
        self.cancel_key.stop()
        self.feedback.overlay.set_enabled(False)
        self.dictation.capture.close(timeout=0)
        if self.dictation.runner is not None:
            self.dictation.runner.stop()
        self.history.close()

    def join(self, timeout: float) -> bool:
        """Wait, bounded, for the injector (finishing the text it is typing) and the listeners' threads."""
        deadline = time.monotonic() + timeout
        done = True
        if self.dictation.runner is not None:
            done &= self.dictation.runner.join(max(0.0, deadline - time.monotonic()))
        for listener in self._retired:
            done &= listener.join(max(0.0, deadline - time.monotonic()))
        done &= self.cancel_key.join(max(0.0, deadline - time.monotonic()))
        done &= self.paste_hotkey.join(max(0.0, deadline - time.monotonic()))
        for capture in (*self._old_captures, self.dictation.capture):
            done &= capture.close(timeout=max(0.0, deadline - time.monotonic()))
        if not done:
            log.init.warning("Some threads were still busy at shutdown")
        return done
