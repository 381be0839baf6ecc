"""First run: open the setup wizard when no usable model is set, and use the model it installs (GUI thread)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui.core.appconfig import model_for
from swictation_gui.core.events import EventLog
from swictation_gui.models import catalogue
from swictation_gui.recognition.base import DeviceReport
from swictation_gui.settings import Settings
from swictation_gui.settings.schema import ModelChoice
from swictation_gui.ui.windows import Windows

if TYPE_CHECKING:  # the wizard's modules load when it first opens
    from swictation_gui.ui.wizard import SetupWizard

PAGE_NAMES = ("model", "microphone", "hotkey", "try")
"""The wizard's pages by id (``ui.wizard.MODEL`` … ``ui.wizard.TRY``), as the "wizard_page" event names them."""


def usable(settings: Settings) -> bool:
    """Whether ``settings`` name a model that is there: an installed catalogue model or an existing folder."""
    if settings.model is ModelChoice.CUSTOM:
        return bool(settings.custom_model_dir) and Path(settings.custom_model_dir or "").expanduser().is_dir()
    spec = catalogue.spec_for_key(str(settings.model))
    return spec is not None and catalogue.installed_dir(spec).is_dir()


class FirstRunController(QObject):
    """Opens the setup wizard once the CUDA check has answered (so that its default model fits the hardware).

    Signals:
        use_settings(Settings): settings that select the model just installed (the app loads it and saves the
            choice once it is warm), or the microphone and hotkey chosen in the wizard (applied and saved).
        reload_model(): the chosen model did not change but is installed now: load it.
    """

    use_settings = Signal(object)
    reload_model = Signal()

    def __init__(self, windows: Windows, settings: Callable[[], Settings], model: Callable[[], str],
                 events: EventLog, running: Callable[[], str | None] = lambda: None) -> None:
        super().__init__()
        self._windows = windows
        self._settings = settings
        self._model = model
        self._running = running
        self._events = events
        self._wizard: SetupWizard | None = None
        windows.model_installed.connect(self.on_model_installed)
        windows.use_model.connect(self.use_model)

    def catalogue_model_missing(self) -> bool:
        """The chosen model is a catalogue model that is not installed: there is nothing to load yet (a custom
        folder is always tried, so that a wrong one is named)."""
        return self._settings().model is not ModelChoice.CUSTOM and not usable(self._settings())

    @Slot(object)
    def on_cuda_probed(self, report: object) -> None:
        """The CUDA check answered: when no usable model is set, open the wizard (no model yet is the normal first
        state, not an error)."""
        if not usable(self._settings()):
            self._events.emit("first_run", cuda=isinstance(report, DeviceReport) and report.active == "cuda")
            self.open_wizard()

    @Slot()
    def open_wizard(self) -> None:
        """Tray "Download or add a model…" or a first run: show the setup wizard."""
        wizard = self._windows.open_wizard(self._settings(), usable(self._settings()))
        if wizard is not self._wizard:  # a new one: report its pages and its end (events for tests and logs)
            self._wizard = wizard
            wizard.currentIdChanged.connect(self._wizard_page)
            wizard.settings_chosen.connect(self._wizard_chose)
            wizard.finished.connect(self._wizard_finished)
            self._wizard_page(wizard.currentId())

    @Slot(object)
    def _wizard_chose(self, store: object) -> None:
        """The wizard's microphone and hotkey, put onto the settings in effect now (the model may have changed
        since the wizard opened), go the normal way: applied live and saved."""
        assert callable(store)
        self.use_settings.emit(store(self._settings()))

    @Slot(int)
    def _wizard_page(self, page_id: int) -> None:
        if 0 <= page_id < len(PAGE_NAMES):
            self._events.emit("wizard_page", page=PAGE_NAMES[page_id])

    @Slot(int)
    def _wizard_finished(self, result: int) -> None:
        self._wizard = None
        self._events.emit("wizard_closed", finished=result == 1)

    @Slot(object)
    def on_model_installed(self, location: object) -> None:
        """The dialog installed (or adopted) a model: select it, and load it even if the choice is unchanged."""
        assert isinstance(location, catalogue.ModelLocation)
        self._select(location.spec.key if location.spec is not None else str(location.folder), reload=True)

    @Slot(str)
    def use_model(self, model: str) -> None:
        """Settings → Model "Use" or tray "Use a model folder…": switch to ``model`` ("gpu", "cpu" or a folder);
        nothing happens when it already runs."""
        self._select(model, reload=False)

    def _select(self, model: str, reload: bool) -> None:
        current = self._settings()
        if model in (ModelChoice.GPU.value, ModelChoice.CPU.value):
            new = current.replace(model=ModelChoice(model))
        else:
            new = current.replace(model=ModelChoice.CUSTOM, custom_model_dir=model)
        if model_for(new) != self._model():
            self.use_settings.emit(new)  # the app saves the choice once the model is warm
        elif reload or self._running() != model:
            self.reload_model.emit()  # the choice stays; (re)load the model it names
