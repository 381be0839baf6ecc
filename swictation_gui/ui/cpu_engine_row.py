"""Settings → Model: the CPU engine setting and the self-test's verdict for the CPU model (GUI thread)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from swictation_gui.models.catalogue import CPU_MODEL
from swictation_gui.recognition import engine_choice
from swictation_gui.settings.schema import CpuEngine, Settings

CPU_ENGINE_TEXTS = {
    CpuEngine.AUTO: "Automatic (ours where verified equal to sherpa-onnx and faster)",
    CpuEngine.SHERPA: "sherpa-onnx (the reference)",
    CpuEngine.ONNXRUNTIME: "onnxruntime (ours)",
}


class CpuEngineRow(QWidget):
    """A combo for ``Settings.cpu_engine`` and one line saying what "auto" picked for the CPU model and why."""

    def __init__(self, root: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._root = root
        self.combo = QComboBox()
        self.combo.setObjectName("cpu_engine")
        for engine, text in CPU_ENGINE_TEXTS.items():
            self.combo.addItem(text, engine)
        self.note = QLabel()
        self.note.setObjectName("cpu_engine_verdict")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("CPU engine:", self.combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.addLayout(form)
        layout.addWidget(self.note)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the cached verdict (one small file; nothing is run). No line until there is a verdict."""
        root = self._root
        folder = str(root / CPU_MODEL.name) if root is not None else CPU_MODEL.key
        text = engine_choice.describe_for(folder, only_verdicts=True)
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def load(self, settings: Settings) -> None:
        """Show ``settings.cpu_engine``."""
        self.combo.setCurrentIndex(max(0, self.combo.findData(settings.cpu_engine)))

    def store(self, settings: Settings) -> Settings:
        """``settings`` with the chosen CPU engine."""
        return settings.replace(cpu_engine=CpuEngine(self.combo.currentData() or CpuEngine.AUTO))
