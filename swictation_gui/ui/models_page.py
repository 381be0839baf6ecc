"""Settings → Model: a row per catalogue model and one for a folder of your own, each with its actions (GUI thread).

Each row shows the model's size, whether it is installed, whether it can run here and why (the app's
CUDA check for the GPU model), and whether it is the model running now: that comes from the
recognizer (``set_running``/``model_loaded``), never from the saved settings. Its actions:

* Download (progress, Cancel; a cancelled or interrupted download keeps its ``.part`` file, and the
  next Download resumes it with an HTTP Range request), through ``ui.install_job.InstallJob``;
* Install from archive… (a local .tar.bz2, checked like ``swictation-gui models download PATH``);
* Remove (asks first; the model in use is refused);
* Use: emits ``use_requested``; the app switches transactionally, the row says "Switching…" until
  the page hears ``model_loaded`` (now running) or ``switch_failed`` (shown; nothing was saved).

The custom row has a folder field, "Choose folder…", Use and Install from archive… (installed
into the models folder, then offered for Use).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import requests
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QFrame, QMessageBox, QScrollArea, QVBoxLayout, QWidget

from swictation_gui import log
from swictation_gui.errors import DownloadError
from swictation_gui.models import catalogue
from swictation_gui.models.catalogue import CATALOGUE, ModelLocation, ModelSpec
from swictation_gui.models.download import Progress
from swictation_gui.models.install import part_path, remove_model
from swictation_gui.models.sources import source_for_file, source_for_spec
from swictation_gui.recognition.base import DeviceReport
from swictation_gui.ui.cpu_engine_row import CpuEngineRow
from swictation_gui.ui.install_job import OFFLINE_TEXT, InstallJob, progress_text
from swictation_gui.ui.model_commands import BUSY
from swictation_gui.ui.model_row import BAD, OK, ModelRow, can_run_text, folder_text, installed_text, shown_path

CudaReport = Callable[[], DeviceReport | None]
"""The app's CUDA check result so far (None until it has answered). GUI thread."""
CUSTOM = "custom"
_MB = 1024 * 1024
ARCHIVE_FILTER = "Model archives (*.tar.bz2);;All files (*)"


class ModelsPage(QWidget):
    """The Model page. Lives on the GUI thread.

    Args:
        cuda_report: The CUDA check's answer so far (``CudaProbe.report``).
        specs: The catalogue models to list (tests pass copies that download from 127.0.0.1).
        root: Where models are installed (default: ``paths.models_dir()``).
        session: The requests session for downloads (default: a new one per download).

    Signals:
        use_requested(str): "Use" was pressed: switch to this model ("gpu", "cpu" or a folder).
        state_changed(str, str): (row key, state) whenever a row's state changes: "idle", "downloading",
            "cancelling", "switching"; for tests and the app's status.
    """

    use_requested = Signal(str)
    state_changed = Signal(str, str)

    def __init__(self, cuda_report: CudaReport = lambda: None, *, specs: Sequence[ModelSpec] = CATALOGUE,
                 root: Path | None = None, session: requests.Session | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cuda_report = cuda_report
        self._specs = {spec.key: spec for spec in specs}
        self._root = root
        self._running: str | None = None
        self._device = ""
        self.rows: dict[str, ModelRow] = {}
        self.jobs: dict[str, InstallJob] = {}
        self.confirm_box: QMessageBox | None = None
        content = QWidget()  # scrolls when messages make the rows taller than the dialog: nothing is ever clipped
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        scroll.viewport().setAutoFillBackground(False)  # the tab's own background shows through
        content.setAutoFillBackground(False)  # (setWidget turned it on)
        self.scroll_area = scroll
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)
        for spec in specs:
            row = ModelRow(spec.key, spec.display_name, custom=False)
            job = InstallJob(root=root, session=session, parent=self)
            self._wire(row, job)
            row.download_button.clicked.connect(lambda _c=False, k=spec.key: self.download(k))
            row.remove_button.clicked.connect(lambda _c=False, k=spec.key: self.ask_remove(k))
            layout.addWidget(row)
        custom = ModelRow(CUSTOM, "A model folder of your own", custom=True)
        self._wire(custom, InstallJob(root=root, session=session, parent=self))
        assert custom.folder is not None and custom.choose_button is not None
        custom.choose_button.clicked.connect(self._choose_folder)
        custom.folder.textChanged.connect(lambda _t: self.refresh())
        layout.addWidget(custom)
        self.cpu_engine = CpuEngineRow(root)
        layout.addWidget(self.cpu_engine)
        layout.addStretch(1)
        self.refresh()

    def _wire(self, row: ModelRow, job: InstallJob) -> None:
        key = row.key
        self.rows[key], self.jobs[key] = row, job
        row.use_button.clicked.connect(lambda _c=False: self.use(key))
        row.archive_button.clicked.connect(lambda _c=False: self._pick_archive(key))
        row.cancel_button.clicked.connect(lambda _c=False: self.cancel(key))
        job.progress.connect(lambda p: self._on_progress(key, p))
        job.succeeded.connect(lambda location: self._on_installed(key, location))
        job.failed.connect(lambda message, offline: self._on_failed(key, message, offline))
        job.cancelled.connect(lambda: self._on_cancelled(key))

    # ------------------------------------------------------------------ what runs

    def load_folder(self, folder: str | None) -> None:
        """Put the saved custom folder in the folder field, unless a folder model runs (that one is shown)."""
        field = self.rows[CUSTOM].folder
        assert field is not None
        running_folder = self._running if self._running and self._running not in self._specs else None
        field.setText(running_folder or folder or "")
        self.refresh()

    def set_running(self, model: str | None, device: str = "") -> None:
        """Show ``model`` ("gpu", "cpu", a folder, or None) as the one running now, on ``device``."""
        self._running, self._device = model, device
        self.refresh()

    def model_loaded(self, device: str, model: str | None = None) -> None:
        """A load ended with ``model`` warm on ``device``: any row that was switching is done."""
        for row in self.rows.values():
            if row.state == "switching":
                row.set_message("")
                self._set_state(row, "idle")
        self.set_running(model, device)

    @Slot(str)
    def switch_failed(self, message: str) -> None:
        """The switch the page asked for failed: say why on the row; nothing was changed."""
        for row in self.rows.values():
            if row.state == "switching":
                row.set_message(f"✖ Could not switch to this model: {message.rstrip('.')}. The model in use and "
                                "your settings were not changed.", BAD)
                self._set_state(row, "idle")
        self.refresh()

    def switch_not_started(self, why: str) -> None:
        """The app started no load (``why`` empty: the model already runs)."""
        for row in self.rows.values():
            if row.state == "switching":
                row.set_message(f"✖ {why}" if why else "", BAD)
                self._set_state(row, "idle")
        self.refresh()

    def running_row(self) -> str | None:
        """The key of the row whose model runs now ("custom" for a folder), None when none runs."""
        if not self._running:
            return None
        return self._running if self._running in self._specs else CUSTOM

    # ------------------------------------------------------------------ display

    def refresh(self) -> None:
        """Re-read the disk and the CUDA answer, and update every row."""
        report = self._cuda_report()
        running = self.running_row()
        self.cpu_engine.refresh()
        for key, row in self.rows.items():
            spec = self._specs.get(key)
            in_use = key == running
            where = f" on {self._device}" if self._device else ""
            if spec is not None:
                folder = catalogue.installed_dir(spec, self._root)
                installed = folder.is_dir()
                partial = self._partial(spec)
                row.set_facts(installed_text(spec, installed, folder, partial))
                text, style = can_run_text(spec, report)
                row.set_can_run(text, style)
                row.set_running(f"● In use now{where}" if in_use else "")
                row.set_actions(installed=installed, partial=partial > 0, in_use=in_use)
            else:
                assert row.folder is not None
                text, style = folder_text(row.folder.text().strip())
                row.set_can_run(text, style)
                row.set_facts(f"In use now: {shown_path(self._running or '')}{where}" if in_use else
                              "No folder model is in use now.")
                row.set_running("● In use now" if in_use else "")
                row.set_actions(installed=bool(row.folder.text().strip()), partial=False,
                                in_use=in_use and row.folder.text().strip() == self._running)

    def _partial(self, spec: ModelSpec) -> int:
        try:
            return part_path(source_for_spec(spec), self._root).stat().st_size
        except OSError:
            return 0

    def _set_state(self, row: ModelRow, state: str) -> None:
        row.set_state(state)
        self.state_changed.emit(row.key, state)

    # ------------------------------------------------------------------ actions

    def use(self, key: str) -> None:
        """Ask the app to switch to this row's model ("switching…" until it answers)."""
        row = self.rows[key]
        if row.busy():
            return
        if any(other.state == "switching" for other in self.rows.values()):
            row.set_message(f"✖ {BUSY}", BAD)
            return
        if key == CUSTOM:
            assert row.folder is not None
            model = row.folder.text().strip()
            if not model:
                row.set_message("✖ Choose a model folder first.", BAD)
                return
        else:
            model = key
        row.set_message("Switching… the model in use keeps working until the new one is ready.")
        self._set_state(row, "switching")
        self.use_requested.emit(model)

    def download(self, key: str) -> None:
        """Download (or resume downloading) and install this row's model on a worker thread."""
        spec, row = self._specs[key], self.rows[key]
        if row.busy() or not self.jobs[key].install(lambda: source_for_spec(spec), f"model-download-{key}"):
            return
        resume = self._partial(spec)
        row.set_message(f"Resuming the download of {spec.display_name} from {resume / _MB:.1f} MB …" if resume
                        else f"Connecting to download {spec.display_name} …")
        row.set_progress(0.0)
        self._set_state(row, "downloading")

    def install_archive(self, key: str, path: Path) -> None:
        """Install the .tar.bz2 at ``path`` for this row (the custom row: whatever model it holds); the file is
        kept. Checked like ``swictation-gui models download PATH``."""
        spec, row = self._specs.get(key), self.rows[key]
        if row.busy() or not self.jobs[key].install(lambda: source_for_file(path, spec=spec), f"model-archive-{key}"):
            return
        row.set_message(f"Installing from {path} …")
        row.set_progress(0.0)
        self._set_state(row, "downloading")

    def cancel(self, key: str) -> None:
        """Stop this row's download; what was downloaded is kept for a resume."""
        if self.jobs[key].cancel(keep_partial=True):
            self.rows[key].set_message("Cancelling …")
            self._set_state(self.rows[key], "cancelling")

    def ask_remove(self, key: str) -> None:
        """Remove this row's model after the user confirms; the model in use is refused."""
        spec, row = self._specs[key], self.rows[key]
        if self.running_row() == key:
            row.set_message("✖ This model is in use now, so it cannot be removed. Use another model first, "
                            "then remove this one.", BAD)
            return
        if row.busy():
            return
        folder = catalogue.installed_dir(spec, self._root)
        box = QMessageBox(QMessageBox.Icon.Question, "Remove the model?",
                          f"Remove {spec.display_name} from {folder}? You can download it again later.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda result: self._removal_answered(key, result))
        self.confirm_box = box
        box.open()

    def _removal_answered(self, key: str, result: int) -> None:
        box, self.confirm_box = self.confirm_box, None
        if box is not None:
            box.deleteLater()
        if result == QMessageBox.StandardButton.Yes.value:
            self.remove(key)

    def remove(self, key: str) -> None:
        """Remove this row's model and any partial download now (no question; the model in use is refused).

        The folder is renamed aside and deleted at once; a model folder holds a handful of files, so this is quick.
        """
        spec, row = self._specs[key], self.rows[key]
        if self.running_row() == key or row.busy():
            return
        folder = catalogue.installed_dir(spec, self._root)
        try:
            if folder.exists() or folder.is_symlink():
                remove_model(folder)
            part_path(source_for_spec(spec), self._root).unlink(missing_ok=True)
        except (DownloadError, OSError) as exc:
            log.ui.warning("Removing %s failed: %s", folder, exc)
            row.set_message(f"✖ {exc}", BAD)
        else:
            row.set_message(f"Removed {spec.display_name}.", OK)
        self.refresh()

    # ------------------------------------------------------------------ pickers

    @Slot()
    def _choose_folder(self) -> None:
        field = self.rows[CUSTOM].folder
        assert field is not None
        folder = QFileDialog.getExistingDirectory(self, "Choose the model folder (with tokens.txt)", field.text())
        if folder:
            field.setText(folder)
            self.refresh()

    def _pick_archive(self, key: str) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose the model archive", str(Path.home()),
                                                    ARCHIVE_FILTER)
        if path:
            self.install_archive(key, Path(path))

    # ------------------------------------------------------------------ job results (GUI thread)

    def _on_progress(self, key: str, p: Progress) -> None:
        row = self.rows[key]
        if row.state != "downloading":
            return
        row.set_message(progress_text(p))
        row.set_progress(None if p.phase == "check" else p.fraction or 0.0)

    def _on_installed(self, key: str, location: ModelLocation) -> None:
        row = self.rows[key]
        if key == CUSTOM and location.spec is None:
            assert row.folder is not None
            row.folder.setText(str(location.folder))
        target = self.rows.get(location.spec.key, row) if location.spec is not None else row
        row.set_progress(None, visible=False)
        self._set_state(row, "idle")
        if target is not row:
            row.set_message("")
        target.set_message(f"✔ Installed in {location.folder}. Press Use to switch to it.", OK)
        self.refresh()

    def _on_failed(self, key: str, message: str, offline: bool) -> None:
        row = self.rows[key]
        row.set_progress(None, visible=False)
        self._set_state(row, "idle")
        row.set_message(f"✖ {OFFLINE_TEXT} ({message})" if offline else f"✖ {message}", BAD)
        self.refresh()

    def _on_cancelled(self, key: str) -> None:
        row = self.rows[key]
        row.set_progress(None, visible=False)
        self._set_state(row, "idle")
        spec = self._specs.get(key)
        kept = self._partial(spec) if spec is not None else 0
        row.set_message(f"Cancelled. {kept / _MB:.1f} MB downloaded so far are kept: Download resumes from there."
                        if kept else "Cancelled; nothing was installed.")
        self.refresh()

    def busy(self) -> bool:
        """True while any row downloads or installs."""
        return any(job.busy() for job in self.jobs.values())

    def shutdown(self) -> None:
        """Stop running downloads, keeping what was downloaded (the dialog is closing for good)."""
        for job in self.jobs.values():
            job.cancel(keep_partial=True)

