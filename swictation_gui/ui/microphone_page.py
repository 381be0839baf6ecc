"""The Microphone page (Settings, onboarding): the microphone by its real name, a live meter, keep-open (GUI thread)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from swictation_gui.audio.sources import InputChoice, pulse_source
from swictation_gui.settings.schema import Settings
from swictation_gui.ui.level_meter import LevelMeter

HINT = "Speak: the bar should move. If it stays empty, choose another microphone or check that it is not muted."
KEEP_OPEN_TEXT = "Keep the microphone open (instant start with pre-roll)"
KEEP_OPEN_NOTE = ("Off: the microphone opens when you press the hotkey and closes a moment after you finish, so the "
                  "desktop's microphone indicator stays off and Bluetooth headsets keep their best sound. "
                  "On: it stays open, recording starts instantly, and audio from just before the press (pre-roll, "
                  "Settings → Output) is kept; the microphone-in-use indicator then stays on.")


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class MicrophonePage(QWidget):
    """Input device picker (PulseAudio/PipeWire sources by their descriptions), a live level meter, and keep-open.

    Signals:
        device_changed(object): The chosen device (what ``Settings.input_device`` stores), or None for the system
            default (GUI thread).
    """

    device_changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.combo = QComboBox()
        self.combo.setObjectName("input_device")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(28)
        form.addRow("Microphone:", self.combo)
        self.meter = LevelMeter()
        form.addRow("Level:", self.meter)
        layout.addLayout(form)
        self.hint = _note(HINT)
        layout.addWidget(self.hint)
        layout.addSpacing(8)
        self.keep_open = QCheckBox(KEEP_OPEN_TEXT)
        self.keep_open.setObjectName("keep_mic_open")
        layout.addWidget(self.keep_open)
        self.keep_open_note = _note(KEEP_OPEN_NOTE)
        self.keep_open_note.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(self.keep_open_note)
        layout.addStretch(1)
        self.combo.currentIndexChanged.connect(lambda _i: self.device_changed.emit(self.device()))

    def set_devices(self, devices: Sequence[InputChoice | str], current: str | None) -> None:
        """Fill the list; a saved device that is absent stays selected, marked "not connected"."""
        choices = [d if isinstance(d, InputChoice) else InputChoice(d, d) for d in devices]
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("System default", None)
        for choice in choices:
            self.combo.addItem(choice.label, choice.spec)
        if current is not None and all(c.spec != current for c in choices):
            self.combo.addItem(f"{pulse_source(current) or current} (not connected)", current)
        index = self.combo.findData(current) if current is not None else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)

    def show_problem(self, message: str) -> None:
        """Say why the chosen microphone shows no level (``message``), or "" for the usual hint (GUI thread)."""
        if message:
            self.meter.set_level(0.0)
        self.hint.setText(f"✖ {message}" if message else HINT)

    def device(self) -> str | None:
        """The chosen device (as ``Settings.input_device`` stores it), None for the system default."""
        data = self.combo.currentData()
        return data if isinstance(data, str) else None

    def load(self, settings: Settings) -> None:
        """Show ``settings``' keep-open choice (the list comes from :meth:`set_devices`)."""
        self.keep_open.setChecked(settings.keep_mic_open)

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        return settings.replace(input_device=self.device(), keep_mic_open=self.keep_open.isChecked())
