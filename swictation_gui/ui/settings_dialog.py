"""The settings dialog: edits a copy of the settings and emits it on OK or Apply; nothing applies before."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import requests
from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QVBoxLayout, QWidget

from swictation_gui.models.catalogue import CATALOGUE, ModelSpec
from swictation_gui.settings.schema import Settings
from swictation_gui.ui.microphone_page import MicrophonePage
from swictation_gui.ui.models_page import CudaReport, ModelsPage
from swictation_gui.ui.providers import InputDeviceProvider, default_input_devices
from swictation_gui.ui.settings_pages import GeneralPage, HotkeyPage, OutputPage
from swictation_gui.ui.text_page import HistoryPage, TextPage, WordsPage

PAGES = ("model", "microphone", "hotkey", "output", "text", "words", "history", "general")
"""Page names for :meth:`SettingsDialog.show_page`, in tab order."""


class SettingsDialog(QDialog):
    """Model, Microphone, Hotkey, Output, Text, Words, History and General pages over an edited :class:`Settings`.

    The dialog never applies anything itself: OK and Apply emit ``settings_accepted`` with the
    edited settings and the app saves and applies them live. Cancel discards the copy. The Model page
    acts at once instead (download, remove, Use: see ``ui.models_page``); OK and Apply never change the
    model (the emitted settings keep the model fields they started with).

    Args:
        settings: The settings to start from.
        cuda_report: The app's CUDA check answer so far (None until it answers); GUI thread.
        input_devices: Lists the microphones (GUI thread).
        settings_path: Shown on the General page so users can find the file.
        model_specs, models_root, session: Which models the Model page offers, where they are installed,
            and the requests session to download with (tests point them at 127.0.0.1).

    Signals:
        settings_accepted(object): A :class:`Settings` chosen with OK or Apply (GUI thread).
        microphone_test_requested(object): The Microphone page is visible with this device (a name, or
            None for the default): the app should open it and call :meth:`set_level` (GUI thread).
        microphone_test_stopped(): The Microphone page was left or the dialog closed (GUI thread).
        hotkey_capture_changed(bool): The hotkey field started (True) or stopped recording keys: the app
            should pause its global hotkey meanwhile, so pressing the new keys does not start dictation.
    """

    settings_accepted = Signal(object)
    microphone_test_requested = Signal(object)
    microphone_test_stopped = Signal()
    hotkey_capture_changed = Signal(bool)

    def __init__(self, settings: Settings, *,
                 cuda_report: CudaReport = lambda: None,
                 input_devices: InputDeviceProvider = default_input_devices, settings_path: Path | None = None,
                 model_specs: Sequence[ModelSpec] = CATALOGUE, models_root: Path | None = None,
                 session: requests.Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Swictation Settings")
        self._input_devices = input_devices
        self._original = settings
        self._testing = False
        self.model_page = ModelsPage(cuda_report, specs=model_specs, root=models_root, session=session)
        self.microphone_page = MicrophonePage()
        self.hotkey_page = HotkeyPage()
        self.output_page = OutputPage()
        self.text_page = TextPage()
        self.words_page = WordsPage()
        self.history_page = HistoryPage()
        self.general_page = GeneralPage(str(settings_path) if settings_path else None)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        for page, title in ((self.model_page, "Model"), (self.microphone_page, "Microphone"),
                            (self.hotkey_page, "Hotkey"), (self.output_page, "Output"),
                            (self.text_page, "Text"), (self.words_page, "Words"),
                            (self.history_page, "History"), (self.general_page, "General")):
            self.tabs.addTab(page, title)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.Apply
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.buttons = buttons
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
        apply_button.clicked.connect(self.apply)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.tabs.currentChanged.connect(self._update_test)
        self.microphone_page.device_changed.connect(self._device_changed)
        self.hotkey_page.edit.recording_changed.connect(self.hotkey_capture_changed)
        self.set_settings(settings)
        self.resize(640, 540)

    def set_settings(self, settings: Settings) -> None:
        """Show ``settings`` on every page, replacing any unsaved edits (GUI thread)."""
        self._original = settings
        self.model_page.load_folder(settings.custom_model_dir)
        self.model_page.cpu_engine.load(settings)
        self.microphone_page.set_devices(list(self._input_devices()), settings.input_device)
        self.microphone_page.load(settings)
        self.hotkey_page.load(settings)
        self.output_page.load(settings)
        self.text_page.load(settings)
        self.words_page.load(settings)
        self.history_page.load(settings)
        self.general_page.load(settings)

    def current_settings(self) -> Settings:
        """The edited copy as it stands now (GUI thread)."""
        s = self.model_page.cpu_engine.store(self._original)
        s = self.microphone_page.store(s)
        s = self.hotkey_page.store(s)
        s = self.output_page.store(s)
        s = self.text_page.store(s)
        s = self.words_page.store(s)
        s = self.history_page.store(s)
        return self.general_page.store(s)

    def show_page(self, name: str) -> None:
        """Switch to a page by name (one of :data:`PAGES`) (GUI thread)."""
        self.tabs.setCurrentIndex(PAGES.index(name))

    def refresh(self) -> None:
        """Re-read model availability and the microphone list, keeping edits (GUI thread)."""
        device = self.microphone_page.device()
        self.model_page.refresh()
        self.microphone_page.set_devices(list(self._input_devices()), device)

    @Slot(float)
    def set_level(self, level: float) -> None:
        """Feed the Microphone page's meter with a peak amplitude 0..1 (GUI thread)."""
        self.microphone_page.meter.set_level(level)

    @Slot()
    def apply(self) -> bool:
        """Emit the edited settings without closing (GUI thread); False (and the General page shown with the
        reason) when the cancel key cannot be used."""
        settings = self.current_settings()
        if self.general_page.problem(settings):
            self.show_page("general")
            return False
        self._original = settings
        self.settings_accepted.emit(settings)
        return True

    @Slot()
    def accept(self) -> None:
        """Emit the edited settings and close (GUI thread); stays open while the cancel key cannot be used."""
        if self.apply():
            super().accept()

    @Slot()
    def restore_defaults(self) -> None:
        """Show the defaults on every page; nothing is applied until OK or Apply (GUI thread)."""
        keep = self._original
        self.set_settings(Settings(model=keep.model, custom_model_dir=keep.custom_model_dir))
        self._original = keep

    def _device_changed(self, device: object) -> None:
        if self._testing:
            self.microphone_test_requested.emit(device)

    def _update_test(self) -> None:
        wanted = self.isVisible() and self.tabs.currentWidget() is self.microphone_page
        if wanted and not self._testing:
            self._testing = True
            self.microphone_test_requested.emit(self.microphone_page.device())
        elif not wanted and self._testing:
            self._testing = False
            self.microphone_page.meter.set_level(0.0)
            self.microphone_test_stopped.emit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Start the microphone test if its page is shown (GUI thread)."""
        super().showEvent(event)
        self._update_test()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        """Stop the microphone test (GUI thread)."""
        super().hideEvent(event)
        self._update_test()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing the window is Cancel (GUI thread)."""
        super().closeEvent(event)
        self._update_test()
