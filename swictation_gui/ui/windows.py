"""The app's windows (settings, setup wizard, log, about) and the model availability they show; GUI thread only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog

from swictation_gui.recognition.cuda_probe import CudaProbe
from swictation_gui.recognition.worker import RecognizerWorker
from swictation_gui.settings import Settings
from swictation_gui.ui.model_commands import BUSY


class Windows(QObject):
    """Creates each window on first use and keeps one of each (GUI thread only).

    Signals:
        settings_accepted(Settings): the user pressed OK/Apply in the settings dialog.
        mic_test(object): the dialog's (or wizard's) microphone page wants a level for this device (None: default),
            or ``False`` when it no longer does.
        hotkey_capture(bool): the dialog is recording a new hotkey (pause the global one meanwhile).
        model_installed(ModelLocation): the setup wizard installed or adopted a model.
        use_model(str): Settings → Model "Use", or the tray's "Use a model folder…": switch to this model ("gpu",
            "cpu" or a folder); the settings dialog's Model page hears how it ended from the recognizer.

    Args:
        settings_path: Shown in the settings dialog and About.
        probe: The app's CUDA check (the Model page says whether the GPU model can run here).
        current: The app's settings now; OK/Apply in the settings dialog keep its model fields (only Use switches).
        recognizer: Tells which model runs now and how a switch ended (the Model page shows that).
    """

    settings_accepted = Signal(object)
    mic_test = Signal(object)
    hotkey_capture = Signal(bool)
    model_installed = Signal(object)
    use_model = Signal(str)

    def __init__(self, settings_path: Path, probe: CudaProbe, current: Callable[[], Settings] | None = None,
                 recognizer: RecognizerWorker | None = None) -> None:
        super().__init__()
        self._settings_path = settings_path
        self._probe = probe
        self._current = current
        self._recognizer = recognizer
        self.model_options: dict[str, Any] = {}  # model_specs / models_root / session for the Model page (tests)
        if recognizer is not None:  # connected before the app's slots: the page follows what really runs
            recognizer.ready.connect(self._model_loaded)
            recognizer.swapped.connect(self._model_loaded)
            recognizer.load_failed.connect(self._first_load_failed)
            recognizer.swap_failed.connect(self._model_failed)
        probe.finished.connect(self._probe_answered)
        self.settings_dialog: Any = None
        self.wizard: Any = None
        self._log_window: Any = None
        self._about: Any = None

    def open_settings(self, settings: Settings, page: str = "") -> None:
        """Show the settings dialog with ``settings`` (one at a time), on ``page`` if given."""
        if self.settings_dialog is None:
            from swictation_gui.ui.settings_dialog import SettingsDialog

            dialog = SettingsDialog(settings, cuda_report=lambda: self._probe.report,
                                    settings_path=self._settings_path, **self.model_options)
            dialog.settings_accepted.connect(self._settings_accepted)
            dialog.microphone_test_requested.connect(self.mic_test)
            dialog.microphone_test_stopped.connect(self._mic_test_stopped)
            dialog.hotkey_capture_changed.connect(self.hotkey_capture)
            dialog.model_page.use_requested.connect(self._use_model)
            self.settings_dialog = dialog
        if self._recognizer is not None:
            self.settings_dialog.model_page.set_running(self._recognizer.running, self._recognizer.running_device)
        self.settings_dialog.set_settings(settings)
        if page:
            self.settings_dialog.show_page(page)
        self._raise(self.settings_dialog)

    @Slot(object)
    def _settings_accepted(self, settings: Settings) -> None:
        """OK/Apply: everything but the model, which only Use (or the tray) switches."""
        current = self._current() if self._current is not None else None
        if current is not None:
            settings = settings.replace(model=current.model, custom_model_dir=current.custom_model_dir)
        self.settings_accepted.emit(settings)

    @Slot(str)
    def _use_model(self, model: str) -> None:
        """The Model page's Use: ask the app; if it started no load, tell the page why at once."""
        loads = self._recognizer.loads if self._recognizer is not None else 0
        self.use_model.emit(model)  # the app's slot runs now (same thread)
        if self._recognizer is not None and self._recognizer.loads == loads and self.settings_dialog is not None:
            self.settings_dialog.model_page.switch_not_started(BUSY if self._recognizer.loading else "")

    def choose_model_folder(self) -> None:
        """Tray → Model → Use a model folder…: ask for a folder and switch to it (checked by loading it)."""
        folder = QFileDialog.getExistingDirectory(None, "Choose a model folder (with tokens.txt)")
        if folder:
            self.use_model.emit(folder)

    @Slot(str)
    def _model_loaded(self, device: str) -> None:
        if self.wizard is not None:
            self.wizard.set_model_ready(True)
        if self.settings_dialog is not None and self._recognizer is not None:
            self.settings_dialog.model_page.model_loaded(device, self._recognizer.running)

    @Slot(str, bool)
    def _first_load_failed(self, message: str, _missing: bool) -> None:
        self._model_failed(message)

    @Slot(str)
    def _model_failed(self, message: str) -> None:
        if self.settings_dialog is not None and self._recognizer is not None:
            page = self.settings_dialog.model_page
            page.set_running(self._recognizer.running, self._recognizer.running_device)
            page.switch_failed(message)

    @Slot(object)
    def _probe_answered(self, _report: object) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.model_page.refresh()

    @Slot()
    def _mic_test_stopped(self) -> None:
        self.mic_test.emit(False)

    def set_level(self, level: float) -> None:
        """Feed the level meter of the settings dialog and of the setup wizard."""
        for window in (self.settings_dialog, self.wizard):
            if window is not None:
                window.set_level(level)

    @Slot(str)
    def set_mic_problem(self, message: str) -> None:
        """The microphone a page meters could not be opened (``message``), or works ("")."""
        if self.settings_dialog is not None:
            self.settings_dialog.microphone_page.show_problem(message)
        if self.wizard is not None:
            self.wizard.microphone_page.page.show_problem(message)

    def open_wizard(self, settings: Settings, usable: bool) -> Any:
        """Show the setup wizard (one at a time); its model defaults to the GPU model only when the CUDA check
        really ran a CUDA session. ``usable``: a model is set up already (the model page needs no install).
        Returns the wizard (a ``SetupWizard``)."""
        if self.wizard is None:
            from swictation_gui.ui.wizard import SetupWizard

            report = self._probe.report
            cuda = report is not None and report.active == "cuda"
            reason = "the check has not answered yet" if report is None else report.reason
            wizard = SetupWizard(settings, cuda, reason, usable=usable)
            wizard.installed.connect(self.model_installed)
            wizard.microphone_test_requested.connect(self.mic_test)
            wizard.microphone_test_stopped.connect(self._mic_test_stopped)
            wizard.hotkey_capture_changed.connect(self.hotkey_capture)
            wizard.finished.connect(self._wizard_closed)
            wizard.set_model_ready(self._recognizer is not None and self._recognizer.running is not None)
            self.wizard = wizard
        self._raise(self.wizard)
        return self.wizard

    @Slot()
    def _wizard_closed(self) -> None:
        if self.wizard is not None:
            self.wizard.deleteLater()
            self.wizard = None

    def open_log(self) -> None:
        """Show the recent log lines."""
        if self._log_window is None:
            from swictation_gui.ui.log_window import LogWindow

            self._log_window = LogWindow()
        self._raise(self._log_window)

    def open_about(self, device: str) -> None:
        """Show the About box."""
        from swictation_gui.ui.about import show_about

        self._about = show_about(None, self._settings_path, device)

    @staticmethod
    def _raise(window: Any) -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    def close_all(self) -> None:
        """Close every window (shutdown)."""
        if self.settings_dialog is not None:
            self.settings_dialog.model_page.shutdown()  # a download stops; what it fetched is kept for a resume
        for window in (self.settings_dialog, self.wizard, self._log_window, self._about):
            if window is not None and shiboken6.isValid(window):  # a closed About box deletes itself
                window.close()
