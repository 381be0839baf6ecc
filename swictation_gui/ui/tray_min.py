"""A minimal tray icon (state colour, tooltip, Quit): the app's fallback when ``ui/tray.py`` cannot be imported.

It offers the subset of ``ui.tray.Tray``'s interface that ``app.py`` uses.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

STATE_COLOURS = {
    "loading": "#9e9e9e",
    "ready": "#2e7d32",
    "recording": "#d32f2f",
    "transcribing": "#f9a825",
    "error": "#6a1b9a",
    "no_model": "#6a1b9a",
}

STATE_TEXT = {
    "loading": "Loading the model…",
    "ready": "Ready: hold the hotkey and speak",
    "recording": "Recording…",
    "transcribing": "Transcribing…",
    "error": "Needs attention",
    "no_model": "No model installed",
}


def _icon(colour: str) -> QIcon:
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(3, 3, 26, 26)
    painter.end()
    return QIcon(pixmap)


class MinimalTray(QObject):
    """Tray icon showing loading/ready/recording/transcribing/error. GUI thread only.

    Signals:
        quit_requested: The user chose Quit.
        toggle_requested, copy_last_requested, paste_last_requested: never emitted (API parity).
    """

    quit_requested = Signal()
    toggle_requested = Signal()
    copy_last_requested = Signal()
    paste_last_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons = {state: _icon(colour) for state, colour in STATE_COLOURS.items()}
        self._tray = QSystemTrayIcon(self._icons["loading"], self)
        self._menu = QMenu()
        self._status = QAction(STATE_TEXT["loading"], self._menu)
        self._status.setEnabled(False)
        self._menu.addAction(self._status)
        self._menu.addSeparator()
        quit_action = QAction("Quit", self._menu)
        quit_action.triggered.connect(self.quit_requested)
        self._menu.addAction(quit_action)
        self._tray.setContextMenu(self._menu)
        self._state = "loading"
        self.set_state("loading")

    @property
    def available(self) -> bool:
        """True when a system tray host exists (the icon is then visible)."""
        return QSystemTrayIcon.isSystemTrayAvailable()

    def state(self) -> str:
        """The state last shown."""
        return self._state

    def show(self) -> None:
        """Show the icon (GUI thread)."""
        self._tray.show()

    def hide(self) -> None:
        """Remove the icon (GUI thread)."""
        self._tray.hide()

    def set_state(self, state: str, detail: str = "") -> None:
        """Show ``state`` (one of STATE_COLOURS) with an optional detail line (GUI thread)."""
        self._state = state
        self._tray.setIcon(self._icons.get(state, self._icons["error"]))
        text = STATE_TEXT.get(state, state)
        if detail:
            text = f"{text}\n{detail}"
        self._status.setText(text.splitlines()[0] if not detail else f"{STATE_TEXT.get(state, state)}: {detail}")
        self._tray.setToolTip(f"swictation-gui\n{text}")

    def set_info(self, model: str, device: str, hotkey: str, mode: str = "hold") -> None:
        """Model, device and hotkey for the tooltip (GUI thread)."""
        self._tray.setToolTip(f"swictation-gui\n{STATE_TEXT.get(self._state, self._state)}\n"
                              f"Model: {model}\nRunning on: {device}\nHotkey: {hotkey} ({mode})")

    def set_last_transcript(self, text: str | None) -> None:
        """Not shown by the minimal tray."""

    def notify(self, title: str, message: str, level: str = "info") -> None:
        """A balloon/notification (GUI thread)."""
        icon = QSystemTrayIcon.MessageIcon.Warning if level != "info" else QSystemTrayIcon.MessageIcon.Information
        if self._tray.isVisible() and QSystemTrayIcon.supportsMessages():
            self._tray.showMessage(title, message, icon, 8000)
