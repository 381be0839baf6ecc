"""Five settings pages (Text: ``text_page.py``); each loads from and writes into a Settings copy (GUI thread)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from swictation_gui.models import catalogue
from swictation_gui.platform.base import HotkeyMode, InjectionMethod
from swictation_gui.settings.schema import INT_RANGES, ModelChoice, Settings
from swictation_gui.ui.hotkey_edit import HotkeyEdit, hotkey_warning
from swictation_gui.ui.level_meter import LevelMeter
from swictation_gui.ui.providers import Availability, ModelAvailabilityProvider

_OK_STYLE = "color: #2e7d32;"
_WARN_STYLE = "color: #b26a00;"
_BAD_STYLE = "color: #c62828;"


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _spin(name: str, suffix: str, step: int) -> QSpinBox:
    spin = QSpinBox()
    low, high = INT_RANGES[name]
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    spin.setObjectName(name)
    return spin


def describe_availability(availability: Availability) -> tuple[str, str]:
    """(text, style) for a model's status line."""
    if availability.installed and availability.runnable:
        return "✔ Installed and ready to run on this machine.", _OK_STYLE
    if availability.installed:
        return f"⚠ Installed, but cannot run as intended here: {availability.reason}", _WARN_STYLE
    return f"✖ {availability.reason or 'Not installed.'}", _BAD_STYLE


class ModelPage(QWidget):
    """GPU fp32 110M, CPU int8 0.6B, or a custom folder, each with its real availability."""

    def __init__(self, availability: ModelAvailabilityProvider) -> None:
        super().__init__()
        self._availability = availability
        layout = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.radios: dict[ModelChoice, QRadioButton] = {}
        self.status: dict[ModelChoice, QLabel] = {}
        texts = {
            ModelChoice.GPU: (catalogue.GPU_MODEL.display_name, "Fastest with an NVIDIA GPU (CUDA). English."),
            ModelChoice.CPU: (catalogue.CPU_MODEL.display_name, "Runs on any processor. 25 European languages."),
            ModelChoice.CUSTOM: ("A model folder of your own", "A sherpa-onnx NeMo transducer folder."),
        }
        for choice, (title, blurb) in texts.items():
            radio = QRadioButton(title)
            radio.setObjectName(f"model_{choice.value}")
            self.group.addButton(radio)
            self.radios[choice] = radio
            layout.addWidget(radio)
            detail = _note(blurb)
            detail.setContentsMargins(24, 0, 0, 0)
            layout.addWidget(detail)
            if choice is ModelChoice.CUSTOM:
                row = QHBoxLayout()
                row.setContentsMargins(24, 0, 0, 0)
                self.folder = QLineEdit()
                self.folder.setObjectName("custom_model_dir")
                self.folder.setPlaceholderText("Folder containing encoder, decoder, joiner and tokens.txt")
                browse = QPushButton("Browse…")
                browse.clicked.connect(self._browse)
                row.addWidget(self.folder)
                row.addWidget(browse)
                layout.addLayout(row)
                self.folder.editingFinished.connect(self.refresh)
            status = _note()
            status.setObjectName(f"model_status_{choice.value}")
            status.setContentsMargins(24, 0, 0, 8)
            self.status[choice] = status
            layout.addWidget(status)
        layout.addStretch(1)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder", self.folder.text())
        if folder:
            self.folder.setText(folder)
            self.radios[ModelChoice.CUSTOM].setChecked(True)
            self.refresh()

    def refresh(self) -> None:
        """Ask the provider again and update every status line."""
        folder = self.folder.text().strip() or None
        for choice, label in self.status.items():
            text, style = describe_availability(self._availability(choice, folder))
            label.setText(text)
            label.setStyleSheet(style)

    def load(self, settings: Settings) -> None:
        """Show ``settings``."""
        self.folder.setText(settings.custom_model_dir or "")
        self.radios[settings.model].setChecked(True)
        self.refresh()

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        choice = next((c for c, r in self.radios.items() if r.isChecked()), settings.model)
        folder = self.folder.text().strip() or None
        if choice is ModelChoice.CUSTOM and folder is None:
            choice = settings.model if settings.model is not ModelChoice.CUSTOM else ModelChoice.GPU
        return settings.replace(model=choice, custom_model_dir=folder)


class MicrophonePage(QWidget):
    """Input device picker and a live level meter.

    Signals:
        device_changed(object): The chosen device name, or None for the system default (GUI thread).
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
        self.hint = _note("Speak: the bar should move. If it stays empty, choose another microphone "
                          "or check that it is not muted.")
        layout.addWidget(self.hint)
        layout.addStretch(1)
        self.combo.currentIndexChanged.connect(lambda _i: self.device_changed.emit(self.device()))

    def set_devices(self, names: Sequence[str], current: str | None) -> None:
        """Fill the list; a saved device that is absent stays selected, marked "not connected"."""
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("System default", None)
        for name in names:
            self.combo.addItem(name, name)
        if current is not None and current not in names:
            self.combo.addItem(f"{current} (not connected)", current)
        index = self.combo.findData(current) if current is not None else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)

    def device(self) -> str | None:
        """The chosen device name, None for the system default."""
        data = self.combo.currentData()
        return data if isinstance(data, str) else None


class HotkeyPage(QWidget):
    """The hotkey capture field, hold/toggle mode, and press timing."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        row = QHBoxLayout()
        self.edit = HotkeyEdit("ctrl_r")
        self.record = QPushButton("Record…")
        self.record.setObjectName("recordHotkey")
        self.record.clicked.connect(self.edit.start_recording)
        self.edit.recording_changed.connect(lambda on: self.record.setEnabled(not on))
        row.addWidget(self.edit, 1)
        row.addWidget(self.record)
        form.addRow("Hotkey:", row)
        self.warning = _note()
        self.warning.setObjectName("hotkeyWarning")
        self.warning.setStyleSheet(_WARN_STYLE)
        form.addRow("", self.warning)
        self.hold = QRadioButton("Hold to talk: recording lasts while the hotkey is held")
        self.toggle = QRadioButton("Toggle: press once to start, again to stop")
        self.hold.setObjectName("mode_hold")
        self.toggle.setObjectName("mode_toggle")
        mode = QVBoxLayout()
        mode.addWidget(self.hold)
        mode.addWidget(self.toggle)
        form.addRow("Mode:", mode)
        self.min_press = _spin("min_press_ms", " ms", 10)
        self.min_press.setToolTip("Shorter presses are ignored, so a brush of the key does nothing.")
        form.addRow("Ignore presses shorter than:", self.min_press)
        self.max_seconds = _spin("max_record_seconds", " s", 10)
        self.max_seconds.setToolTip("A recording stops by itself after this long.")
        form.addRow("Stop recording after:", self.max_seconds)
        layout.addLayout(form)
        layout.addStretch(1)
        self.edit.hotkey_changed.connect(self._update_warning)
        self.edit.rejected.connect(self._show_rejection)

    def _update_warning(self, spec: str) -> None:
        warning = hotkey_warning(spec)
        self.warning.setText(f"⚠ {warning}" if warning else "")
        self.warning.setVisible(bool(warning))

    def _show_rejection(self, message: str) -> None:
        self.warning.setText(f"✖ {message} The previous hotkey is kept.")
        self.warning.setVisible(True)

    def load(self, settings: Settings) -> None:
        """Show ``settings``."""
        self.edit.set_hotkey(settings.hotkey)
        self._update_warning(settings.hotkey)
        (self.hold if settings.hotkey_mode is HotkeyMode.HOLD else self.toggle).setChecked(True)
        self.min_press.setValue(settings.min_press_ms)
        self.max_seconds.setValue(settings.max_record_seconds)

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        return settings.replace(
            hotkey=self.edit.hotkey(),
            hotkey_mode=HotkeyMode.TOGGLE if self.toggle.isChecked() else HotkeyMode.HOLD,
            min_press_ms=self.min_press.value(), max_record_seconds=self.max_seconds.value())


_METHODS = (
    (InjectionMethod.AUTO, "Automatic (recommended)", "Types short text whose characters are all on your keyboard "
                                                     "layout, and pastes the rest (and anything over 300 characters)."),
    (InjectionMethod.TYPE, "Type keystrokes", "Always types, and never touches the clipboard. Characters that are not "
                                              "on your layout are bound to a spare key for a moment, so they arrive "
                                              "exact too."),
    (InjectionMethod.PASTE, "Paste from the clipboard", "Always pastes: fast and exact for any text. Your clipboard is "
                                                        "restored afterwards."),
)


class OutputPage(QWidget):
    """How text is delivered, the recording margins, and sound cues."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.method = QComboBox()
        self.method.setObjectName("injection_method")
        for method, title, _ in _METHODS:
            self.method.addItem(title, method.value)
        self.method_note = _note()
        self.method_note.setStyleSheet("color: palette(placeholder-text);")
        method_box = QVBoxLayout()
        method_box.setSpacing(2)
        method_box.addWidget(self.method)
        method_box.addWidget(self.method_note)
        form.addRow("Insert text by:", method_box)
        self.method.currentIndexChanged.connect(lambda i: self.method_note.setText(_METHODS[i][2]))
        self.pre_roll = _spin("pre_roll_ms", " ms", 50)
        self.pre_roll.setToolTip("Audio kept from just before the key went down, so your first word is not cut.")
        form.addRow("Keep audio from before the press:", self.pre_roll)
        self.tail = _spin("tail_ms", " ms", 50)
        self.tail.setToolTip("Audio still recorded after you let go, so your last word is not cut.")
        form.addRow("Keep recording after release:", self.tail)
        self.trailing_space = QCheckBox("Add a space after each dictation")
        self.trailing_space.setObjectName("trailing_space")
        form.addRow("", self.trailing_space)
        self.sound_cues = QCheckBox("Play a short sound when recording starts and stops")
        self.sound_cues.setObjectName("sound_cues")
        form.addRow("", self.sound_cues)
        layout.addLayout(form)
        layout.addStretch(1)

    def load(self, settings: Settings) -> None:
        """Show ``settings``."""
        self.method.setCurrentIndex(max(self.method.findData(settings.injection_method.value), 0))
        self.method_note.setText(_METHODS[self.method.currentIndex()][2])
        self.pre_roll.setValue(settings.pre_roll_ms)
        self.tail.setValue(settings.tail_ms)
        self.trailing_space.setChecked(settings.trailing_space)
        self.sound_cues.setChecked(settings.sound_cues)

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        return settings.replace(
            injection_method=InjectionMethod(self.method.currentData()), pre_roll_ms=self.pre_roll.value(),
            tail_ms=self.tail.value(), trailing_space=self.trailing_space.isChecked(),
            sound_cues=self.sound_cues.isChecked())


class GeneralPage(QWidget):
    """Start at login, notifications, and where the settings live."""

    def __init__(self, settings_path: str | None) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.start_at_login = QCheckBox("Start swictation-gui when I log in")
        self.start_at_login.setObjectName("start_at_login")
        self.notifications = QCheckBox("Show information and warning notifications (errors are always shown)")
        self.notifications.setObjectName("notifications")
        layout.addWidget(self.start_at_login)
        layout.addWidget(self.notifications)
        history = QFormLayout()
        self.history_size = _spin("history_size", " dictations", 10)
        history.addRow("History keeps the last:", self.history_size)
        self.history_persist = QCheckBox("Keep the history across restarts (a private file in the data folder)")
        self.history_persist.setObjectName("history_persist")
        history.addRow("", self.history_persist)
        self.history_days = _spin("history_retention_days", " days", 1)
        history.addRow("Delete entries from the file after:", self.history_days)
        self.history_persist.toggled.connect(self.history_days.setEnabled)
        layout.addLayout(history)
        if settings_path:
            layout.addSpacing(12)
            layout.addWidget(_note(f"Settings are stored in {settings_path}"))
        layout.addStretch(1)

    def load(self, settings: Settings) -> None:
        """Show ``settings``."""
        self.start_at_login.setChecked(settings.start_at_login)
        self.notifications.setChecked(settings.notifications)
        self.history_size.setValue(settings.history_size)
        self.history_persist.setChecked(settings.history_persist)
        self.history_days.setValue(settings.history_retention_days)
        self.history_days.setEnabled(settings.history_persist)

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        return settings.replace(start_at_login=self.start_at_login.isChecked(),
                                notifications=self.notifications.isChecked(),
                                history_size=self.history_size.value(),
                                history_persist=self.history_persist.isChecked(),
                                history_retention_days=self.history_days.value())
