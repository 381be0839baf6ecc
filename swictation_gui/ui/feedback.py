"""What the user sees and hears of the pipeline: tray state, overlay, notifications, cues, level meter (GUI thread)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from swictation_gui.audio.cues import SoundCues
from swictation_gui.core.events import EventLog
from swictation_gui.core.status import StatusView
from swictation_gui.ui.overlay import RecordingOverlay
from swictation_gui.ui.tray import Tray

LEVEL_POLL_MS = 50


class TrayFeedback:
    """``core.ports.Feedback`` on the tray, the recording overlay and the sound cues (GUI thread).

    ``recording_watchers`` are told each start and end of a recording (the level monitor, the cancel key).
    """

    def __init__(self, tray: Tray, cues: SoundCues, events: EventLog,
                 on_recording: Callable[[bool], None] = lambda recording: None) -> None:
        self.tray = tray
        self.cues = cues
        self.events = events
        self.overlay = RecordingOverlay()
        self.recording_watchers: list[Callable[[bool], None]] = [on_recording]

    def show_status(self, view: StatusView) -> None:
        """Mirror the pipeline's status in the tray icon and tooltip, and in the overlay."""
        self.tray.set_state(view.status, view.detail)
        self.overlay.show_status(view.status)

    def show_level(self, level: float) -> None:
        """A level tick while recording: the tray's meter and the overlay's bar."""
        self.tray.set_level(level)
        self.overlay.set_level(level)

    def cancelled(self) -> None:
        """The cancel key dropped a recording: say so briefly (the overlay, or a notification without it)."""
        if not self.overlay.show_cancelled():
            self.notify("Dictation cancelled; nothing was typed.", "info")

    def notify(self, message: str, level: str = "warning") -> None:
        """One tray notification (the tray writes its one log line) and one event."""
        self.tray.notify("Swictation", message, level)
        self.events.emit("notify", level=level, message=message)

    def recording_changed(self, recording: bool) -> None:
        """Start/stop cue, and the level meter follows."""
        if recording:
            self.cues.play_start()
        else:
            self.cues.play_stop()
        for watcher in self.recording_watchers:
            watcher(recording)


class LevelMonitor(QObject):
    """Polls the microphone level only while someone looks at it: the tray while recording, or the settings
    dialog's meter (GUI thread). Idle, no timer runs. ``level`` is the dictation's microphone (tray, overlay);
    ``dialog_level`` what the dialog's meter shows (default: the same), which may be another, previewed one."""

    def __init__(self, level: Callable[[], float], to_tray: Callable[[float], None],
                 to_dialog: Callable[[float], None], dialog_level: Callable[[], float] | None = None) -> None:
        super().__init__()
        self._level, self._to_tray, self._to_dialog = level, to_tray, to_dialog
        self._dialog_level = dialog_level or level
        self.recording = False
        self.dialog = False
        self._timer = QTimer(self)
        self._timer.setInterval(LEVEL_POLL_MS)
        self._timer.timeout.connect(self._tick)

    def set_recording(self, recording: bool) -> None:
        """A recording started or ended."""
        self.recording = recording
        self._update()

    def set_dialog(self, watching: bool) -> None:
        """The settings dialog's microphone meter is showing our microphone, or no longer."""
        self.dialog = watching
        self._update()

    @property
    def active(self) -> bool:
        """Whether the timer runs."""
        return self._timer.isActive()

    def _update(self) -> None:
        if self.recording or self.dialog:
            self._timer.start()
        else:
            self._timer.stop()

    def _tick(self) -> None:
        if self.recording:
            self._to_tray(self._level())
        if self.dialog:
            self._to_dialog(self._dialog_level())

    def stop(self) -> None:
        """Shutdown."""
        self._timer.stop()
