"""The "Open log" window: the recent log lines from memory, with Copy and Open folder buttons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from swictation_gui import log, paths
from swictation_gui.ui import icons


class LogWindow(QWidget):
    """Shows the in-memory log tail (works even when no log file could be written). GUI thread only.

    Args:
        lines: Returns the log lines to show (defaults to ``log.tail.lines``).
        folder: The log folder that "Open folder" opens (defaults to ``paths.log_dir()``).
    """

    def __init__(self, lines: Callable[[], list[str]] | None = None, folder: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logWindow")
        self.setWindowTitle("Swictation log")
        self.setWindowIcon(icons.app_icon())
        self._lines = lines or log.tail.lines
        self._folder = folder or paths.log_dir()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox()
        self.refresh_button = QPushButton("Refresh")
        self.copy_button = QPushButton("Copy all")
        self.folder_button = QPushButton("Open log folder")
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        for button in (self.refresh_button, self.copy_button, self.folder_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy_all)
        self.folder_button.clicked.connect(self.open_folder)
        close.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(820, 440)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Reload the lines and scroll to the newest."""
        self.text.setPlainText("\n".join(self._lines()) or "(nothing logged yet)")
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())

    @Slot()
    def copy_all(self) -> None:
        """Put the whole log on the clipboard (for bug reports)."""
        QGuiApplication.clipboard().setText(self.text.toPlainText())

    @Slot()
    def open_folder(self) -> bool:
        """Open the log folder in the file manager; False when the desktop cannot."""
        self._folder.mkdir(parents=True, exist_ok=True)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._folder)))
