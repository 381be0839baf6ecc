"""Four pages of the settings dialog; each loads from and writes into a Settings copy (GUI thread).

The Model page is ``ui/models_page.py`` and the Microphone page ``ui/microphone_page.py`` (the onboarding wizard
uses it too).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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

from swictation_gui.errors import HotkeyError
from swictation_gui.platform.base import HotkeyMode, InjectionMethod
from swictation_gui.platform.keys import parse_cancel_key
from swictation_gui.settings.schema import INT_RANGES, Settings, cancel_key_problem
from swictation_gui.ui.hotkey_edit import HotkeyEdit, hotkey_warning

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
        self.evdev = QCheckBox("Read the keyboards directly (evdev, for Wayland desktops)")
        self.evdev.setObjectName("evdev_hotkey")
        layout.addWidget(self.evdev)
        layout.addWidget(_note("This reads every key you type on every keyboard (/dev/input), so it is off unless "
                               "you turn it on. It works on every Wayland desktop, and needs your user in the "
                               "'input' group (sudo usermod -aG input $USER, then log in again). When it is on and "
                               "can read the keyboards, it is used instead of the desktop's shortcut."))
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
        self.evdev.setChecked(settings.evdev_hotkey)

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        return settings.replace(
            hotkey=self.edit.hotkey(),
            hotkey_mode=HotkeyMode.TOGGLE if self.toggle.isChecked() else HotkeyMode.HOLD,
            min_press_ms=self.min_press.value(), max_record_seconds=self.max_seconds.value(),
            evdev_hotkey=self.evdev.isChecked())


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
        self.pre_roll.setToolTip("Audio kept from just before the key went down, so your first word is not cut. Only "
                                 "while the microphone is already open: with Settings → Microphone → Keep the "
                                 "microphone open, or within a moment of the previous dictation.")
        form.addRow("Keep audio from before the press:", self.pre_roll)
        self.tail = _spin("tail_ms", " ms", 50)
        self.tail.setToolTip("After you let go, recording goes on only while a word is still being spoken, at most "
                             "this long, so your last word is not cut; after silence it stops at once.")
        form.addRow("While a word goes on after release, wait up to:", self.tail)
        self.progressive = QCheckBox("Recognize while I speak (less waiting after long dictations)")
        self.progressive.setObjectName("progressive")
        self.progressive.setToolTip("Each stretch of speech that ends in a pause is recognized while you still hold "
                                    "the key, so only the last one is left when you let go.")
        form.addRow("", self.progressive)
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
        self.progressive.setChecked(settings.progressive)
        self.trailing_space.setChecked(settings.trailing_space)
        self.sound_cues.setChecked(settings.sound_cues)

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        return settings.replace(
            injection_method=InjectionMethod(self.method.currentData()), pre_roll_ms=self.pre_roll.value(),
            tail_ms=self.tail.value(), progressive=self.progressive.isChecked(),
            trailing_space=self.trailing_space.isChecked(),
            sound_cues=self.sound_cues.isChecked())


class GeneralPage(QWidget):
    """Start at login, notifications, the recording indicator, the cancel key, and where the settings live."""

    def __init__(self, settings_path: str | None) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.start_at_login = QCheckBox("Start swictation-gui when I log in")
        self.start_at_login.setObjectName("start_at_login")
        self.notifications = QCheckBox("Show information and warning notifications (errors are always shown)")
        self.notifications.setObjectName("notifications")
        self.overlay = QCheckBox("Show a small recording indicator at the bottom of the screen")
        self.overlay.setObjectName("overlay")
        for box in (self.start_at_login, self.notifications, self.overlay):
            layout.addWidget(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Cancel a recording with:"))
        self.cancel_key = QLineEdit()
        self.cancel_key.setObjectName("cancel_key")
        self.cancel_key.setPlaceholderText("no key")
        self.cancel_key.setMaximumWidth(120)
        row.addWidget(self.cancel_key)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(_note("The key is taken only while you record, so it works as usual in other programs the "
                               "rest of the time. Leave it empty for no cancel key."))
        self.cancel_error = _note()
        self.cancel_error.setObjectName("cancelKeyError")
        self.cancel_error.setStyleSheet(_BAD_STYLE)
        self.cancel_error.hide()
        layout.addWidget(self.cancel_error)
        self.cancel_key.textChanged.connect(lambda text: self._show_problem(_cancel_key_error(text)))
        if settings_path:
            layout.addSpacing(12)
            layout.addWidget(_note(f"Settings are stored in {settings_path}"))
        layout.addStretch(1)

    def _show_problem(self, problem: str | None) -> None:
        self.cancel_error.setText(f"✖ {problem}" if problem else "")
        self.cancel_error.setVisible(bool(problem))

    def load(self, settings: Settings) -> None:
        """Show ``settings``."""
        self.start_at_login.setChecked(settings.start_at_login)
        self.notifications.setChecked(settings.notifications)
        self.overlay.setChecked(settings.overlay)
        self.cancel_key.setText(settings.cancel_key or "")

    def problem(self, settings: Settings) -> str | None:
        """Why the cancel key as typed cannot be used with ``settings`` (its hotkey); None when it can."""
        error = _cancel_key_error(self.cancel_key.text())
        if error is None:
            error = cancel_key_problem(settings.replace(cancel_key=parse_cancel_key(self.cancel_key.text())))
        self._show_problem(error)
        return error

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values; an unusable cancel key keeps the one ``settings`` has."""
        s = settings.replace(start_at_login=self.start_at_login.isChecked(),
                             notifications=self.notifications.isChecked(), overlay=self.overlay.isChecked())
        if _cancel_key_error(self.cancel_key.text()) is None:
            s = s.replace(cancel_key=parse_cancel_key(self.cancel_key.text()))
        return s


def _cancel_key_error(text: str) -> str | None:
    try:
        parse_cancel_key(text)
    except HotkeyError as exc:
        return str(exc)
    return None
