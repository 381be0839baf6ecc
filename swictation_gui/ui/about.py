"""The About box: version, what recognizes the speech, and where logs and settings live."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from swictation_gui import __version__, paths
from swictation_gui.ui import icons


def about_text(settings_file: Path | None = None, device: str = "") -> str:
    """The About box body (rich text)."""
    rows = [
        f"<h3>Swictation {__version__}</h3>",
        "<p>Push-to-talk dictation: hold the hotkey, speak, let go, and your words are typed into the "
        "window that has focus.</p>",
        "<p>Speech is recognized on this computer by NVIDIA Parakeet-TDT models through sherpa-onnx; "
        "no audio leaves the machine.</p>",
    ]
    if device:
        rows.append(f"<p>Recognizer running on: {device}</p>")
    rows.append(f"<p>Settings: {settings_file or paths.settings_file()}<br>Logs: {paths.log_dir()}</p>")
    rows.append("<p>Licensed under the Apache License 2.0.</p>")
    return "".join(rows)


def show_about(parent: QWidget | None = None, settings_file: Path | None = None, device: str = "") -> QMessageBox:
    """Open the About box without blocking; returns it (it deletes itself when closed). GUI thread."""
    box = QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setWindowTitle("About Swictation")
    box.setIconPixmap(icons.app_icon().pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text(settings_file, device))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
