"""The app's windows (settings, setup wizard, log, about) and the model availability they show; GUI thread only."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui.models import catalogue
from swictation_gui.recognition.cuda_probe import CudaProbe
from swictation_gui.settings import Settings
from swictation_gui.settings.schema import ModelChoice
from swictation_gui.ui.providers import Availability, default_model_availability


def model_availability(probe: CudaProbe, choice: ModelChoice, custom_dir: str | None) -> Availability:
    """The settings dialog's model availability, with the real CUDA answer for the GPU model (GUI thread).

    The reason is whole sentences, each ending with a full stop and separated by a space.
    """
    base = default_model_availability(choice, custom_dir)
    if choice is ModelChoice.CUSTOM:
        return Availability(base.installed, base.runnable, _sentences(base.reason))
    spec = catalogue.GPU_MODEL if choice is ModelChoice.GPU else catalogue.CPU_MODEL
    missing = "" if base.installed else (f"Not installed: tray → Model → Download or add a model…, or run "
                                         f"swictation-gui models download {spec.key}")
    if choice is not ModelChoice.GPU:
        return Availability(base.installed, base.runnable, _sentences(missing))
    if probe.report is None:
        return Availability(base.installed, base.installed, _sentences(missing, "Checking CUDA…"))
    if probe.report.active != "cuda":
        why = f"CUDA unavailable: {probe.report.reason or 'no reason given'}"
        return Availability(base.installed, False, _sentences(missing, why, "It would run on the CPU (slower)"))
    return Availability(base.installed, base.installed, _sentences(missing))


def _sentences(*parts: str) -> str:
    """The non-empty ``parts``, each ending with a full stop (unless it ends with its own . ! ? …), one space apart."""
    out = []
    for part in parts:
        text = " ".join(part.split())
        if text:
            out.append(text if text[-1] in ".!?…" else f"{text}.")
    return " ".join(out)


class Windows(QObject):
    """Creates each window on first use and keeps one of each (GUI thread only).

    Signals:
        settings_accepted(Settings): the user pressed OK/Apply in the settings dialog.
        mic_test(object): the dialog's (or wizard's) microphone page wants a level for this device (None = default),
            or ``False`` when it no longer does.
        hotkey_capture(bool): the dialog is recording a new hotkey (pause the global one meanwhile).
        model_installed(ModelLocation): the setup wizard installed or adopted a model.
    """

    settings_accepted = Signal(object)
    mic_test = Signal(object)
    hotkey_capture = Signal(bool)
    model_installed = Signal(object)

    def __init__(self, settings_path: Path, probe: CudaProbe) -> None:
        super().__init__()
        self._settings_path = settings_path
        self._probe = probe
        self.settings_dialog: Any = None
        self.wizard: Any = None
        self._model_ready = False
        self._log_window: Any = None
        self._about: Any = None

    def open_settings(self, settings: Settings) -> None:
        """Show the settings dialog with ``settings`` (one at a time)."""
        if self.settings_dialog is None:
            from swictation_gui.ui.settings_dialog import SettingsDialog

            dialog = SettingsDialog(settings, model_availability=functools.partial(model_availability, self._probe),
                                    settings_path=self._settings_path)
            dialog.settings_accepted.connect(self.settings_accepted)
            dialog.microphone_test_requested.connect(self.mic_test)
            dialog.microphone_test_stopped.connect(self._mic_test_stopped)
            dialog.hotkey_capture_changed.connect(self.hotkey_capture)
            self.settings_dialog = dialog
        else:
            self.settings_dialog.set_settings(settings)
        self._raise(self.settings_dialog)

    @Slot()
    def _mic_test_stopped(self) -> None:
        self.mic_test.emit(False)

    def set_level(self, level: float) -> None:
        """Feed the level meter of the settings dialog and of the setup wizard."""
        for window in (self.settings_dialog, self.wizard):
            if window is not None:
                window.set_level(level)

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
            wizard.set_model_ready(self._model_ready)
            self.wizard = wizard
        self._raise(self.wizard)
        return self.wizard

    def set_model_ready(self, ready: bool) -> None:
        """Whether a model serves now (the wizard's try-it page says so)."""
        self._model_ready = ready
        if self.wizard is not None:
            self.wizard.set_model_ready(ready)

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
        for window in (self.settings_dialog, self.wizard, self._log_window, self._about):
            if window is not None and shiboken6.isValid(window):  # a closed About box deletes itself
                window.close()
