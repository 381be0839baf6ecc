"""First run: offer a model download when the chosen model is not installed, and use the one installed (GUI thread)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui.core.appconfig import model_for
from swictation_gui.core.events import EventLog
from swictation_gui.models import catalogue
from swictation_gui.settings import Settings
from swictation_gui.settings.schema import ModelChoice
from swictation_gui.ui.windows import Windows


class FirstRunController(QObject):
    """Opens the first-run dialog once the CUDA check has answered (so it can recommend the right model).

    Signals:
        use_settings(Settings): settings that select the model just installed; the app loads it and saves the
            choice once it is warm.
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
        windows.model_installed.connect(self.on_model_installed)
        windows.use_model.connect(self.use_model)

    @Slot(object)
    def on_cuda_probed(self, report: object) -> None:
        """The CUDA check answered: if the configured catalogue model is missing, offer to download one."""
        spec = catalogue.spec_for_key(self._model())
        if spec is not None and not catalogue.installed_dir(spec).is_dir():
            self._events.emit("first_run", model=spec.key)
            self._windows.open_first_run()

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
