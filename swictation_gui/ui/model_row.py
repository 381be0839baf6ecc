"""One row of Settings → Model (a model, its facts, progress and buttons) and the sentences it shows (GUI thread)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget

from swictation_gui.models import catalogue
from swictation_gui.models.catalogue import Device, ModelSpec
from swictation_gui.recognition.base import DeviceReport
from swictation_gui.ui.install_job import size_text

OK = "color: #2e7d32;"
WARN = "color: #b26a00;"
BAD = "color: #c62828;"
_MB = 1024 * 1024
BUSY_STATES = ("downloading", "cancelling", "switching")


def shown_path(path: Path | str) -> str:
    """``path`` as shown to the user: under the home folder it starts with "~"."""
    try:
        return f"~/{Path(path).relative_to(Path.home())}"
    except ValueError:
        return str(path)


def installed_text(spec: ModelSpec, installed: bool, folder: Path, partial: int) -> str:
    """The size and install state, as whole sentences."""
    size = size_text(spec)
    size = size[0].upper() + size[1:]
    if installed:
        return f"{size}. Installed in {shown_path(folder)}."
    if partial:
        return f"{size}. Not installed; {partial / _MB:.1f} MB of the download are kept, so Download resumes."
    return f"{size}. Not installed."


def can_run_text(spec: ModelSpec, report: DeviceReport | None) -> tuple[str, str]:
    """(whether ``spec`` can run on this machine and why, style), from the app's CUDA check."""
    if spec.device is not Device.CUDA:
        return "✔ Runs on any processor.", OK
    if report is None:
        return "Checking whether CUDA works on this machine…", WARN
    if report.active == "cuda":
        return "✔ Runs on the GPU here: CUDA works.", OK
    reason = " ".join((report.reason or "no reason given").split()).rstrip(".")
    return f"⚠ Cannot use the GPU here. CUDA is unavailable: {reason}. It would run on the CPU (slower).", WARN


def folder_text(folder: str) -> tuple[str, str]:
    """(a quick look at a custom folder's files, style); the full check is the load that Use starts."""
    if not folder:
        return "Choose a folder that holds the encoder, decoder, joiner and tokens.txt.", ""
    path = Path(folder).expanduser()
    if not path.is_dir():
        return f"✖ There is no folder {path}.", BAD
    files = catalogue.detect_files(path)
    missing = [name for name in files.all() if not (path / name).is_file()]
    if missing:
        return f"✖ Missing in this folder: {', '.join(missing)}.", BAD
    return "✔ The model files are all there. Use loads it (and checks it) before switching.", OK


def _label(text: str = "", *, selectable: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ModelRow(QFrame):
    """One model's row. GUI thread only; ``ModelsPage`` drives it.

    Attributes:
        key: "gpu", "cpu" (a catalogue key) or "custom".
        state: "idle", "downloading", "cancelling" or "switching".
    """

    def __init__(self, key: str, title: str, *, custom: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.state = "idle"
        self.setObjectName(f"model_row_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._actions = (False, False, False)
        self.title_label = QLabel(title)
        font = QFont(self.title_label.font())
        font.setBold(True)
        self.title_label.setFont(font)
        self.running_label = QLabel()
        self.running_label.setObjectName(f"model_running_{key}")
        self.running_label.setStyleSheet(OK)
        self.facts_label = _label()
        self.facts_label.setObjectName(f"model_facts_{key}")
        self.can_run_label = _label()
        self.can_run_label.setObjectName(f"model_can_run_{key}")
        self.message_label = _label()
        self.message_label.setObjectName(f"model_message_{key}")
        self.message_label.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.use_button = QPushButton("Use")
        self.download_button = QPushButton("Download")
        self.cancel_button = QPushButton("Cancel")
        self.remove_button = QPushButton("Remove…")
        self.archive_button = QPushButton("Install from archive…")
        self.folder: QLineEdit | None = None
        self.choose_button: QPushButton | None = None

        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.running_label)
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addLayout(top)
        if custom:
            self.folder = QLineEdit()
            self.folder.setObjectName("custom_model_dir")
            self.folder.setPlaceholderText("Folder containing encoder, decoder, joiner and tokens.txt")
            self.choose_button = QPushButton("Choose folder…")
            folder_row = QHBoxLayout()
            folder_row.addWidget(self.folder, 1)
            folder_row.addWidget(self.choose_button)
            layout.addLayout(folder_row)
        for widget in (self.facts_label, self.can_run_label, self.progress, self.message_label):
            layout.addWidget(widget)
        buttons = QHBoxLayout()
        for button in (self.use_button, self.download_button, self.cancel_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.archive_button)
        layout.addLayout(buttons)
        if custom:
            self.download_button.hide()
            self.remove_button.hide()
        self.cancel_button.hide()

    def busy(self) -> bool:
        """True while it downloads, cancels or switches."""
        return self.state in BUSY_STATES

    def set_facts(self, text: str) -> None:
        """The size/install line (or, for the custom row, the folder in use)."""
        self.facts_label.setText(text)

    def set_can_run(self, text: str, style: str) -> None:
        """Whether it can run here, and why."""
        self.can_run_label.setText(text)
        self.can_run_label.setStyleSheet(style)

    def set_running(self, text: str) -> None:
        """The "in use now" badge ("" when it is not)."""
        self.running_label.setText(text)
        self.running_label.setVisible(bool(text))

    def set_message(self, text: str, style: str = "") -> None:
        """The outcome of the last action ("" hides it)."""
        self.message_label.setText(text)
        self.message_label.setStyleSheet(style)
        self.message_label.setVisible(bool(text))

    def set_progress(self, fraction: float | None, visible: bool = True) -> None:
        """Show progress 0..1, a busy bar for None, or hide the bar."""
        self.progress.setVisible(visible)
        if fraction is None:
            self.progress.setRange(0, 0 if visible else 1000)
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(fraction * 1000))

    def set_actions(self, *, installed: bool, partial: bool, in_use: bool) -> None:
        """Enable the buttons that make sense for this model now."""
        self._actions = (installed, partial, in_use)
        self._apply()

    def set_state(self, state: str) -> None:
        """Change state; buttons follow."""
        self.state = state
        self._apply()

    def _apply(self) -> None:
        installed, partial, in_use = self._actions
        idle = not self.busy()
        self.use_button.setText("In use" if in_use else "Use")
        self.use_button.setEnabled(idle and installed and not in_use)
        if self.folder is None:
            self.download_button.setVisible(not installed)
            self.download_button.setText("Resume download" if partial else "Download")
            self.download_button.setEnabled(idle)
            self.remove_button.setEnabled(idle and (installed or partial))
        else:
            self.folder.setEnabled(idle)
            assert self.choose_button is not None
            self.choose_button.setEnabled(idle)
        self.archive_button.setEnabled(idle)
        self.cancel_button.setVisible(self.state in ("downloading", "cancelling"))
        self.cancel_button.setEnabled(self.state == "downloading")
