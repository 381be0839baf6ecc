"""The setup wizard shown when no usable model is set: model, microphone, hotkey, and a try-it box (GUI thread).

The wizard applies nothing itself. It emits what the user chose and the app applies it through its normal
path (``Application.apply_settings``, which saves it): the installed model through ``installed``, the
microphone and hotkey through ``settings_chosen`` when the user moves on from the hotkey page (so that the
try-it page already uses them) and again on Finish. ``settings_chosen`` carries a function that puts these
choices onto the settings in effect at that moment, so that nothing else (the model just installed, above
all) is overwritten with what it was when the wizard opened. The microphone meter and the hotkey pause go through the
same signals as the Settings dialog's. Cancel stops a running download (its partial file is kept for a
resume); whatever was already applied stays applied and saved, so the app and settings.json agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import requests
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QWidget, QWizard

from swictation_gui.models.catalogue import CATALOGUE, ModelSpec
from swictation_gui.settings import Settings
from swictation_gui.ui.providers import InputDeviceProvider, default_input_devices
from swictation_gui.ui.wizard.model_page import ModelPage
from swictation_gui.ui.wizard.pages import HotkeyPage, MicrophonePage, TryPage

MODEL, MICROPHONE, HOTKEY, TRY = range(4)
"""Page ids, in order."""


class SetupWizard(QWizard):
    """Model → Microphone → Hotkey → Try it. Lives on the GUI thread.

    Args:
        settings: The settings in effect (the microphone and hotkey pages start from them).
        cuda_available: Whether the CUDA check really ran a CUDA session (decides the default model).
        cuda_reason: The check's reason, shown on the model page.
        usable: A model is already set up (reopened from the tray): the model page needs no install.
        input_devices: Lists the microphones (GUI thread).
        root, specs, session: Where models go, which are offered, and the HTTP session (tests).

    Signals:
        installed(ModelLocation): a model is installed (or an installed one or a folder passed its check).
        settings_chosen(Callable[[Settings], Settings]): puts the microphone and hotkey chosen onto the settings
            in effect (apply and save the result).
        microphone_test_requested(object): the microphone page shows this device (a name, or None for the
            default): feed :meth:`set_level`.
        microphone_test_stopped(): the microphone page was left or the wizard closed.
        hotkey_capture_changed(bool): the hotkey field records keys (pause the global hotkey meanwhile).
    """

    installed = Signal(object)
    settings_chosen = Signal(object)
    microphone_test_requested = Signal(object)
    microphone_test_stopped = Signal()
    hotkey_capture_changed = Signal(bool)

    def __init__(self, settings: Settings, cuda_available: bool, cuda_reason: str = "", *, usable: bool = False,
                 input_devices: InputDeviceProvider = default_input_devices, root: Path | None = None,
                 specs: Sequence[ModelSpec] = CATALOGUE, session: requests.Session | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.setWindowTitle("Swictation setup")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self._settings = settings
        self._testing = False
        self.model_page = ModelPage(cuda_available, cuda_reason, usable=usable, root=root, specs=specs,
                                    session=session)
        self.microphone_page = MicrophonePage()
        self.hotkey_page = HotkeyPage()
        self.try_page = TryPage()
        for page_id, page in ((MODEL, self.model_page), (MICROPHONE, self.microphone_page),
                              (HOTKEY, self.hotkey_page), (TRY, self.try_page)):
            self.setPage(page_id, page)
        self.microphone_page.page.set_devices(list(input_devices()), settings.input_device)
        self.microphone_page.page.load(settings)
        self.hotkey_page.page.load(settings)
        self.try_page.show_settings(settings)
        self.try_page.set_model_ready(False)
        self.model_page.installed.connect(self.installed)
        self.microphone_page.page.device_changed.connect(self._device_changed)
        self.hotkey_page.page.edit.recording_changed.connect(self.hotkey_capture_changed)
        self.currentIdChanged.connect(self._page_changed)
        self.model_page.text_changed.connect(self.fit, Qt.ConnectionType.QueuedConnection)
        self.setMinimumWidth(640)

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this wizard's microphone and hotkey choices (GUI thread)."""
        return self.hotkey_page.page.store(self.microphone_page.page.store(settings))

    @Slot(float)
    def set_level(self, level: float) -> None:
        """Feed the microphone meter with a peak amplitude 0..1 (GUI thread)."""
        self.microphone_page.page.meter.set_level(level)

    def set_model_ready(self, ready: bool) -> None:
        """Whether a model serves now; the try-it page says so (GUI thread)."""
        self.try_page.set_model_ready(ready)

    @Slot()
    def fit(self) -> None:
        """Grow the window until the current page's wrapped text fits at the current width (GUI thread)."""
        page = self.currentPage()
        layout = page.layout() if page is not None else None
        if page is None or layout is None or not self.isVisible():
            return
        width = page.width()
        needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.minimumSize().height()
        if needed > page.height():
            self.resize(self.width(), self.height() + needed - page.height())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Fit the first page's text once the window has its size (GUI thread)."""
        super().showEvent(event)
        QTimer.singleShot(0, self.fit)

    @Slot(int)
    def _page_changed(self, page_id: int) -> None:
        if page_id == TRY:  # moving on from the hotkey page: the try-it box uses the real, chosen hotkey
            self.try_page.show_settings(self.store(self._settings))
            self.settings_chosen.emit(self.store)
        self._update_test()
        QTimer.singleShot(0, self.fit)

    def _device_changed(self, device: object) -> None:
        if self._testing:
            self.microphone_test_requested.emit(device)

    def _update_test(self) -> None:
        wanted = self.isVisible() and self.currentId() == MICROPHONE
        if wanted and not self._testing:
            self._testing = True
            self.microphone_test_requested.emit(self.microphone_page.page.device())
        elif not wanted and self._testing:
            self._testing = False
            self.set_level(0.0)
            self.microphone_test_stopped.emit()

    def done(self, result: int) -> None:
        """Finish, Cancel or close: stop the download and the meter; Finish applies the choices (GUI thread)."""
        self.model_page.stop()
        self.hotkey_page.page.edit.cancel_recording()  # the global hotkey resumes
        super().done(result)
        self._update_test()
        if result == QWizard.DialogCode.Accepted:
            self.settings_chosen.emit(self.store)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing the window is Cancel (GUI thread)."""
        super().closeEvent(event)
        self._update_test()
