"""The setup wizard's model page: the model for this hardware, downloaded (cancel, resume) or taken from a file.

The default is the GPU model only when the CUDA check really ran a CUDA session (``cuda_available``); otherwise
the CPU model. The download runs in an :class:`~swictation_gui.ui.install_job.InstallJob` (worker thread). The
address field shows where the archive comes from, so that a user who is offline can fetch it with a browser
elsewhere and pick the file with "Use a downloaded archive…"; it can also be pointed at a mirror (an edited
address has no pinned digest: the archive is then trusted only after its content check and a real test load).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import requests
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from swictation_gui import paths
from swictation_gui.errors import DownloadError
from swictation_gui.models import catalogue
from swictation_gui.models.catalogue import CATALOGUE, Device, ModelLocation, ModelSpec
from swictation_gui.models.download import Progress
from swictation_gui.models.install import part_path
from swictation_gui.models.sources import Source, source_for_file, source_for_spec, source_for_url
from swictation_gui.ui.install_job import OFFLINE_TEXT, InstallJob, progress_text, size_text

_RUNNING = ("downloading", "cancelling", "checking")


def wrapped(text: str = "", name: str = "") -> QLabel:
    """A word-wrapped, selectable label (so that long reasons wrap instead of being clipped)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def recommended(cuda_available: bool, specs: Sequence[ModelSpec] = CATALOGUE) -> ModelSpec:
    """The GPU model when the CUDA check really ran a CUDA session, else the CPU model (else the first of ``specs``)."""
    wanted = Device.CUDA if cuda_available else Device.CPU
    return next((s for s in specs if s.device == wanted), specs[0])


def cuda_sentence(cuda_available: bool, reason: str) -> str:
    """One sentence on what the CUDA check found."""
    if cuda_available:
        return f"CUDA works on this computer ({reason})." if reason else "CUDA works on this computer."
    return f"CUDA is not available here ({reason})." if reason else "CUDA is not available here."


class ModelPage(QWizardPage):
    """Choose and install a model; Next is enabled once one is installed (or one already runs). GUI thread.

    Args:
        cuda_available: Whether the CUDA check really ran a CUDA session (decides the default).
        cuda_reason: The check's one-line reason, shown to the user.
        usable: A model is already installed and chosen (the wizard was reopened): Next needs no install.
        root, specs, session: Where to install, which models to offer, and the HTTP session (tests).

    Signals:
        installed(ModelLocation): a model was installed, or an installed one or a folder passed its check.
        state_changed(str): "idle", "downloading", "cancelling", "checking", "cancelled", "failed", "installed".
        text_changed(): the status text changed (the wizard grows to fit it).
    """

    installed = Signal(object)
    state_changed = Signal(str)
    text_changed = Signal()

    def __init__(self, cuda_available: bool, cuda_reason: str, *, usable: bool = False, root: Path | None = None,
                 specs: Sequence[ModelSpec] = CATALOGUE, session: requests.Session | None = None) -> None:
        super().__init__()
        self.setTitle("1. Speech model")
        self._root = root
        self._specs = list(specs)
        self._usable = usable
        self.state = "idle"
        self.location: ModelLocation | None = None
        self.warnings: list[str] = []
        self._job = InstallJob(root=root, session=session, parent=self)
        self._job.progress.connect(self._on_progress)
        self._job.warning.connect(self.warnings.append)
        self._job.succeeded.connect(self._on_succeeded)
        self._job.failed.connect(self._on_failed)
        self._job.cancelled.connect(self._on_cancelled)

        self.default_spec = recommended(cuda_available, self._specs)
        intro = wrapped("Recognition runs on this computer, so it needs one speech model, downloaded once. "
                        "Nothing you say leaves this computer.")
        self.reason_label = wrapped(f"{cuda_sentence(cuda_available, cuda_reason)} "
                                    f"Recommended: {self.default_spec.display_name}.", "cudaReason")
        self.model_box = QComboBox()
        self.model_box.setObjectName("modelChoice")
        for spec in self._specs:
            mark = " — recommended" if spec is self.default_spec else ""
            self.model_box.addItem(spec.display_name + mark, spec.key)
        self.model_box.setCurrentIndex(self._specs.index(self.default_spec))
        self.size_label = wrapped("", "modelSize")
        self.address = QLineEdit()
        self.address.setObjectName("modelAddress")
        self.address_note = wrapped("Offline? Open this address in a browser on a computer that is online, copy "
                                    "the file here, then choose “Use a downloaded archive…”.")
        rows: list[tuple[str, QWidget, QLabel]] = [("&Model:", self.model_box, self.size_label),
                                                   ("&Address:", self.address, self.address_note)]
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.status_label = wrapped("", "modelStatus")
        self.download_button = QPushButton("&Download and install")
        self.download_button.setObjectName("downloadModel")
        self.cancel_button = QPushButton("S&top download")
        self.archive_button = QPushButton("Use a downloaded ar&chive…")
        self.folder_button = QPushButton("Use a model &folder…")
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.archive_button.clicked.connect(self._pick_archive)
        self.folder_button.clicked.connect(self._pick_folder)
        buttons = QHBoxLayout()
        for button in (self.download_button, self.cancel_button, self.archive_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        for widget in (intro, self.reason_label):
            layout.addWidget(widget)
        for title, field, note in rows:  # not a QFormLayout: it gives wrapped notes room they do not need
            row = QHBoxLayout()
            label = QLabel(title)
            label.setBuddy(field)  # Alt+M, Alt+A
            row.addWidget(label)
            row.addWidget(field, 1)
            layout.addLayout(row)
            layout.addWidget(note)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        self.model_box.currentIndexChanged.connect(self._show_spec)
        self._show_spec()
        self._set_state("idle")

    # ------------------------------------------------------------------ state

    def selected_spec(self) -> ModelSpec:
        """The model chosen in the list."""
        return self._specs[self.model_box.currentIndex()]

    def busy(self) -> bool:
        """True while a download, an archive install or a folder check runs."""
        return self._job.busy()

    def isComplete(self) -> bool:  # noqa: N802 (Qt override)
        """Next is enabled once a model is installed here, or one was usable already."""
        return (self._usable or self.location is not None) and self.state not in _RUNNING

    def _installed_location(self) -> ModelLocation | None:
        spec = self.selected_spec()
        folder = catalogue.installed_dir(spec, self._root)
        return ModelLocation(folder, spec.files, spec) if folder.is_dir() else None

    def _source(self) -> Source:
        """The selected model's download; an edited address is a mirror without a pinned digest (worker thread)."""
        spec = self.selected_spec()
        address = self.address.text().strip()
        return source_for_spec(spec) if address in ("", spec.url) else source_for_url(address)

    @Slot()
    def _show_spec(self) -> None:
        spec = self.selected_spec()
        self.size_label.setText(f"{size_text(spec)}.")
        self.address.setText(spec.url)
        self._set_state("idle", self._idle_text())

    def _idle_text(self) -> str:
        if self._installed_location() is not None:
            return f"{self.selected_spec().display_name} is already installed: “Use it” checks it and selects it."
        if self._usable and self.location is None:
            return "A model is already set up; you may install another one or go on."
        return f"Models are installed in {self._root or paths.models_dir()}."

    def _set_state(self, state: str, text: str | None = None) -> None:
        self.state = state
        if text is not None:
            self.status_label.setText(text)
        running = state in _RUNNING
        for widget in (self.download_button, self.archive_button, self.folder_button, self.model_box, self.address):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(state == "downloading")
        self.cancel_button.setVisible(running)
        if not running:
            self.download_button.setText(self._download_text())
        self.state_changed.emit(state)
        self.completeChanged.emit()
        self.text_changed.emit()

    def _download_text(self) -> str:
        if self._installed_location() is not None:
            return "&Use it"
        try:
            resumable = part_path(self._source(), self._root).is_file()
        except DownloadError:  # an address that is not http(s) is refused when the download starts
            resumable = False
        return "&Resume download" if resumable else "&Download and install"

    # ------------------------------------------------------------------ actions

    @Slot()
    def start_download(self) -> None:
        """Download the selected model (resuming a kept partial download), or check and use it when it is
        installed already. GUI thread."""
        installed = self._installed_location()
        if installed is not None:
            if self._job.check_folder(installed.folder):
                self.progress_bar.setRange(0, 0)
                self._set_state("checking", f"Checking the model in {installed.folder} …")
            return
        name = self.selected_spec().display_name
        self._run(self._source, f"Connecting to download {name} …", "model-download")

    def use_archive(self, path: Path) -> None:
        """Install a .tar.bz2 file (checked and test-loaded like a download; the file is kept). GUI thread."""
        self._run(lambda: source_for_file(path), f"Installing from {path} …", "model-archive")

    def use_folder(self, folder: Path) -> None:
        """Check an unpacked model folder with a real load, then use it in place. GUI thread."""
        if self._job.check_folder(folder):
            self.progress_bar.setRange(0, 0)
            self._set_state("checking", f"Checking the model in {folder} …")

    def _run(self, make_source: Callable[[], Source], text: str, name: str) -> None:
        if self._job.install(make_source, name):
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(0)
            self._set_state("downloading", text)

    @Slot()
    def cancel_download(self) -> None:
        """Stop the download and keep what arrived, so that the next Download resumes it. GUI thread."""
        if self.state == "downloading" and self._job.cancel(keep_partial=True):
            self._set_state("cancelling", "Cancelling …")

    def stop(self) -> None:
        """The wizard closes: stop a running download (its partial file is kept for a resume). GUI thread."""
        self._job.cancel(keep_partial=True)

    @Slot()
    def _pick_archive(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose the model archive", "",
                                                    "Model archives (*.tar.bz2);;All files (*)")
        if path:
            self.use_archive(Path(path))

    @Slot()
    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the model folder (with tokens.txt)")
        if folder:
            self.use_folder(Path(folder))

    # ------------------------------------------------------------------ job results (GUI thread)

    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if self.state != "downloading":
            return
        self.status_label.setText(progress_text(p))
        if p.phase == "check":
            self.progress_bar.setRange(0, 0)  # busy while sherpa-onnx test-loads the model
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int((p.fraction or 0.0) * 1000))

    @Slot(object)
    def _on_succeeded(self, location: ModelLocation) -> None:
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(1000)
        self.location = location
        self._set_state("installed", f"Installed {location.label} in {location.folder}. Press Next.")
        self.installed.emit(location)

    @Slot(str, bool)
    def _on_failed(self, message: str, offline: bool) -> None:
        self.progress_bar.setRange(0, 1000)
        if offline:
            message = (f"{OFFLINE_TEXT} You can also download {self.address.text().strip()} with a browser and "
                       f"choose “Use a downloaded archive…”. ({message})")
        self._set_state("failed", message)

    @Slot()
    def _on_cancelled(self) -> None:
        self.progress_bar.setRange(0, 1000)
        self._set_state("cancelled", "Cancelled; nothing was installed. What arrived is kept: "
                                     "“Resume download” goes on from there.")
