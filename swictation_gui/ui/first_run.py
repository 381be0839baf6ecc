"""First-run dialog: offers the right model for this machine and installs it, or adopts a folder the user has.

Usage (GUI thread)::

    dialog = FirstRunDialog(cuda_available=ok, cuda_reason=why)
    dialog.installed.connect(on_model_ready)      # receives a catalogue.ModelLocation
    dialog.exec()                                 # or .show() for a non-modal dialog

The dialog recommends the GPU (fp32 110M) model when ``cuda_available`` is True and the CPU
(int8 0.6B v3) model otherwise, shows its download and disk sizes, and installs it with
``models.install.install`` on a worker thread (``ui.install_job.InstallJob``), which only emits Qt signals
(delivered to the GUI thread through queued connections); only the GUI thread touches widgets.
Cancel stops the download and leaves nothing behind; closing the dialog cancels too. "I already
have the model…" offers a folder, which is validated with ``models.check.check_folder`` (also off
the GUI thread) and used in place, or a .tar.bz2 archive, which is installed like a download
(verified, unpacked, test-loaded; the file itself is kept). When the network is unreachable the
dialog says so plainly: the app keeps working with whatever is installed. On success the dialog emits ``installed`` and
accepts; the caller stores the location in its settings (this module writes no settings).

Signals (all emitted on the GUI thread):
    installed(ModelLocation): a model is installed (or an existing folder passed the check).
    state_changed(str): "idle", "downloading", "cancelling", "checking", "cancelled", "failed",
        "installed"; for the app's status display and for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import requests
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from swictation_gui import paths
from swictation_gui.models.catalogue import CATALOGUE, Device, ModelLocation, ModelSpec
from swictation_gui.models.download import Progress
from swictation_gui.models.install import Source, source_for_file, source_for_spec
from swictation_gui.ui.install_job import OFFLINE_TEXT, InstallJob, progress_text
from swictation_gui.ui.install_job import size_text as _size

__all__ = ["OFFLINE_TEXT", "FirstRunDialog", "recommended"]


def recommended(cuda_available: bool, specs: Sequence[ModelSpec] = CATALOGUE) -> ModelSpec:
    """The GPU model when CUDA really works, else the CPU model (first of ``specs`` as a fallback)."""
    wanted = Device.CUDA if cuda_available else Device.CPU
    return next((s for s in specs if s.device == wanted), specs[0])


class FirstRunDialog(QDialog):
    """Shown when no model is installed. Lives and runs on the GUI thread.

    Args:
        cuda_available: Whether CUDA really works on this machine (decides the recommended model).
        cuda_reason: One line explaining that verdict, shown to the user.
        root: Where to install (default: ``paths.models_dir()``).
        specs: The models to offer (default: the catalogue; tests pass local copies).
        session: The requests session to download with (default: a new one, honouring proxy variables).
    """

    installed = Signal(object)
    state_changed = Signal(str)

    def __init__(self, cuda_available: bool, cuda_reason: str = "", *, root: Path | None = None,
                 specs: Sequence[ModelSpec] = CATALOGUE, session: requests.Session | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("swictation-gui: download a speech model")
        self._specs = list(specs)
        self._job = InstallJob(root=root, session=session, parent=self)
        self._job.progress.connect(self._on_progress)
        self._job.warning.connect(self._on_warning)
        self._job.succeeded.connect(self._on_succeeded)
        self._job.failed.connect(self._on_failed)
        self._job.cancelled.connect(self._on_cancelled)
        self.state = "idle"
        self.warnings: list[str] = []
        self.location: ModelLocation | None = None

        best = recommended(cuda_available, self._specs)
        intro = QLabel("No speech model is installed yet. Recognition runs on this computer, so it needs one "
                       "model (downloaded once).")
        intro.setWordWrap(True)
        reason = (f"CUDA works on this machine ({cuda_reason})." if cuda_available else
                  f"CUDA is not available ({cuda_reason})." if cuda_reason else "CUDA is not available.")
        self.reason_label = QLabel(f"{reason} Recommended: {best.display_name}.")
        self.reason_label.setWordWrap(True)
        self.model_box = QComboBox()
        for spec in self._specs:
            mark = " (recommended)" if spec is best else ""
            self.model_box.addItem(f"{spec.display_name}{mark} — {_size(spec)}", spec.key)
        self.model_box.setCurrentIndex(self._specs.index(best))
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.status_label = QLabel(f"Models are installed in {root or paths.models_dir()}.")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.download_button = QPushButton("Download and install")
        self.download_button.setDefault(True)
        self.existing_button = QPushButton("I already have the model…")
        self.cancel_button = QPushButton("Cancel")
        self.download_button.clicked.connect(self.start_download)
        existing_menu = QMenu(self.existing_button)
        existing_menu.addAction("A model folder…", self._pick_folder)
        existing_menu.addAction("A model archive (.tar.bz2)…", self._pick_archive)
        self.existing_button.setMenu(existing_menu)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)

        buttons = QHBoxLayout()
        buttons.addWidget(self.existing_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        for widget in (intro, self.reason_label, self.model_box, self.progress_bar, self.status_label):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

    # ------------------------------------------------------------------ state

    def selected_spec(self) -> ModelSpec:
        """The model chosen in the list."""
        return self._specs[self.model_box.currentIndex()]

    def busy(self) -> bool:
        """True while a download or a folder check runs."""
        return self._job.busy()

    def _set_state(self, state: str, text: str | None = None) -> None:
        self.state = state
        if text is not None:
            self.status_label.setText(text)
        running = state in ("downloading", "cancelling", "checking")
        self.download_button.setEnabled(not running)
        self.existing_button.setEnabled(not running)
        self.model_box.setEnabled(not running)
        self.cancel_button.setText("Cancel download" if state == "downloading" else "Cancel")
        self.cancel_button.setEnabled(state != "cancelling")
        self.state_changed.emit(state)

    # ------------------------------------------------------------------ download

    @Slot()
    def start_download(self) -> None:
        """Install the selected model on a worker thread. GUI thread."""
        if self.busy():
            return
        spec = self.selected_spec()
        self._run_install(lambda: source_for_spec(spec), f"Connecting to download {spec.display_name} …",
                          "model-download")

    def use_archive(self, path: Path) -> None:
        """Install the .tar.bz2 at ``path`` like a download (verified, test-loaded; the file is kept). GUI thread."""
        if self.busy():
            return
        self._run_install(lambda: source_for_file(path), f"Installing from {path} …", "model-archive")

    def _run_install(self, make_source: Callable[[], Source], text: str, name: str) -> None:
        if self._job.install(make_source, name):
            self.progress_bar.setValue(0)
            self._set_state("downloading", text)

    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if self.state != "downloading":
            return
        self.status_label.setText(progress_text(p))
        if p.phase == "check":
            self.progress_bar.setRange(0, 0)  # busy indicator while sherpa-onnx test-loads the model
            return
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(int((p.fraction or 0.0) * 1000))

    @Slot(str)
    def _on_warning(self, message: str) -> None:
        self.warnings.append(message)

    @Slot(object)
    def _on_succeeded(self, location: ModelLocation) -> None:
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(1000)
        self.location = location
        self._set_state("installed", f"Installed {location.label} in {location.folder}.")
        self.installed.emit(location)
        self.accept()

    @Slot(str, bool)
    def _on_failed(self, message: str, offline: bool) -> None:
        self.progress_bar.setRange(0, 1000)
        self._set_state("failed", f"{OFFLINE_TEXT}\n\n({message})" if offline else message)

    @Slot()
    def _on_cancelled(self) -> None:
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self._set_state("cancelled", "Cancelled; nothing was installed.")

    @Slot()
    def _on_cancel_clicked(self) -> None:
        if self.state == "downloading":
            self.cancel_download()
        else:
            self.reject()

    def cancel_download(self) -> None:
        """Stop the running download; ``state_changed("cancelled")`` follows. GUI thread."""
        if self._job.cancel():
            self._set_state("cancelling", "Cancelling …")

    def reject(self) -> None:
        """Closing the dialog cancels a running download (the worker cleans up in the background)."""
        self._job.cancel()
        super().reject()

    # ------------------------------------------------------------------ existing folder

    @Slot()
    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the model folder (with tokens.txt)")
        if folder:
            self.use_existing_folder(Path(folder))

    @Slot()
    def _pick_archive(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose the model archive", "",
                                                    "Model archives (*.tar.bz2);;All files (*)")
        if path:
            self.use_archive(Path(path))

    def use_existing_folder(self, folder: Path) -> None:
        """Validate ``folder`` with the full model check on a worker thread, then emit ``installed``. GUI thread."""
        if self._job.check_folder(folder):
            self.progress_bar.setRange(0, 0)
            self._set_state("checking", f"Checking the model in {folder} …")
