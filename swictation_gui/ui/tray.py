"""The tray icon and its menu (or a small window where no tray exists); it only shows and emits.

The tray decides nothing: every menu action is a signal that ``app.py`` connects, and the app
pushes state back with ``set_state``, ``set_level``, ``set_info``, ``set_last_transcript`` and
``notify``. Every method runs on the GUI thread.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSystemTrayIcon,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from swictation_gui.ui import icons
from swictation_gui.ui.hotkey_edit import pretty
from swictation_gui.ui.icons import TrayState

_log = logging.getLogger("swictation.ui")

STATE_TEXT = {
    TrayState.LOADING: "Loading the model…",
    TrayState.READY: "Ready",
    TrayState.RECORDING: "Listening…",
    TrayState.TRANSCRIBING: "Transcribing…",
    TrayState.ERROR: "Needs attention",
    TrayState.NO_MODEL: "No model yet",
}
_LEVELS = {"info": QSystemTrayIcon.MessageIcon.Information, "warning": QSystemTrayIcon.MessageIcon.Warning,
           "error": QSystemTrayIcon.MessageIcon.Critical}
_RANK = {"info": 0, "warning": 1, "error": 2}
MIN_SHOW_MS = 4000  # each notification stays up at least this long before the next replaces it
BALLOON_MS = 8000


@dataclass(frozen=True)
class Notification:
    """One message as shown: ``level`` is "info", "warning" or "error"."""

    title: str
    message: str
    level: str = "info"


def merge(pending: list[Notification]) -> Notification:
    """Several notifications that waited for their turn, as one (the most severe level wins)."""
    if len(pending) == 1:
        return pending[0]
    titles = {n.title for n in pending}
    title = titles.pop() if len(titles) == 1 else "Swictation"
    lines = [n.message if n.title == title else f"{n.title}: {n.message}" for n in pending]
    level = max((n.level for n in pending), key=lambda lv: _RANK.get(lv, 0))
    return Notification(title, "\n".join(dict.fromkeys(lines)), level)


class FallbackWindow(QWidget):
    """A small status window used when the desktop has no system tray.

    Closing it only hides it; "Quit" in its menu quits.
    """

    def __init__(self, menu: QMenu) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("trayFallback")
        self.setWindowTitle("Swictation")
        self.setWindowIcon(icons.app_icon())
        self.icon_label = QLabel()
        self.status_label = QLabel()
        self.status_label.setObjectName("fallbackStatus")
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.toggle_button = QPushButton("Start dictation")
        menu_button = QToolButton()
        menu_button.setText("Menu")
        menu_button.setMenu(menu)
        menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        top = QHBoxLayout()
        top.addWidget(self.icon_label)
        top.addWidget(self.status_label, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.toggle_button)
        buttons.addWidget(menu_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self.message_label.hide()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Hide instead of closing: the app keeps running (GUI thread)."""
        event.ignore()
        self.hide()


class Tray(QObject):
    """Tray icon, tooltip, menu and notifications.

    Args:
        force_fallback: Use the small window even if a tray exists (tests, screenshots).

    Signals (all emitted on the GUI thread):
        toggle_requested(): "Start/Stop dictation" (or a middle click on the icon).
        copy_last_requested(): "Last transcript ▸ Copy".
        paste_last_requested(): "Last transcript ▸ Paste again".
        history_requested(): "History…".
        model_requested(str): "gpu" or "cpu" chosen in the Model submenu.
        model_folder_requested(): "Model ▸ Use a model folder…" (the app asks for a folder and switches to it).
        models_requested(): "Model ▸ Manage models…" (opens Settings → Model).
        download_requested(): "Model ▸ Download or add a model…" (opens the download dialog).
        settings_requested(): "Settings…".
        open_log_requested(): "Open log".
        about_requested(): "About".
        quit_requested(): "Quit".
    """

    toggle_requested = Signal()
    copy_last_requested = Signal()
    paste_last_requested = Signal()
    history_requested = Signal()
    model_requested = Signal(str)
    model_folder_requested = Signal()
    models_requested = Signal()
    download_requested = Signal()
    settings_requested = Signal()
    open_log_requested = Signal()
    about_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None, *, force_fallback: bool = False) -> None:
        super().__init__(parent)
        self._state = TrayState.LOADING
        self._level = 0.0
        self._detail = ""
        self._info = ("", "", "", "")
        self._notifications = True
        self._pending: list[Notification] = []
        self.shown: deque[Notification] = deque(maxlen=50)  # what was put on screen, newest last
        self.min_show_ms = MIN_SHOW_MS
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self._show_next)
        self.menu = self._build_menu()
        self.available = QSystemTrayIcon.isSystemTrayAvailable() and not force_fallback
        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.window: FallbackWindow | None = None
        if not self.available:
            _log.warning("No system tray on this desktop; showing a small window instead")
            self.window = FallbackWindow(self.menu)
            self.window.toggle_button.clicked.connect(self.toggle_requested)
        self._refresh()

    def _build_menu(self) -> QMenu:
        menu = QMenu()
        menu.setObjectName("trayMenu")
        self.status_action = menu.addAction("")
        self.status_action.setEnabled(False)
        menu.addSeparator()
        self.toggle_action = menu.addAction("Start dictation")
        self.toggle_action.triggered.connect(self.toggle_requested)
        last = menu.addMenu("Last transcript")
        self.last_menu = last
        self.copy_action = last.addAction("Copy")
        self.copy_action.triggered.connect(self.copy_last_requested)
        self.paste_action = last.addAction("Paste again")
        self.paste_action.triggered.connect(self.paste_last_requested)
        self.history_action = menu.addAction("History…")
        self.history_action.triggered.connect(self.history_requested)
        model = menu.addMenu("Model")
        self.model_menu = model
        group = QActionGroup(model)
        group.setExclusive(True)
        self.model_actions: dict[str, QAction] = {}
        for key, title in (("gpu", "GPU — Parakeet-TDT 110M fp32"), ("cpu", "CPU — Parakeet-TDT 0.6B int8")):
            action = model.addAction(title)
            action.setCheckable(True)
            group.addAction(action)
            action.triggered.connect(lambda _checked=False, k=key: self.model_requested.emit(k))
            self.model_actions[key] = action
        self.custom_action = model.addAction("Custom folder")  # ticked (and shown) while a folder model runs
        self.custom_action.setCheckable(True)
        self.custom_action.setEnabled(False)
        self.custom_action.setVisible(False)
        group.addAction(self.custom_action)
        model.addSeparator()
        self.folder_action = model.addAction("Use a model folder…")
        self.folder_action.triggered.connect(self.model_folder_requested)
        self.download_action = model.addAction("Download or add a model…")
        self.download_action.triggered.connect(self.download_requested)
        self.manage_action = model.addAction("Manage models…")
        self.manage_action.triggered.connect(self.models_requested)
        menu.addSeparator()
        self.settings_action = menu.addAction("Settings…")
        self.settings_action.triggered.connect(self.settings_requested)
        self.log_action = menu.addAction("Open log")
        self.log_action.triggered.connect(self.open_log_requested)
        self.about_action = menu.addAction("About")
        self.about_action.triggered.connect(self.about_requested)
        menu.addSeparator()
        self.quit_action = menu.addAction("Quit")
        self.quit_action.triggered.connect(self.quit_requested)
        self.set_last_transcript(None)
        return menu

    def show(self) -> None:
        """Show the tray icon, or the fallback window."""
        if self.window is not None:
            self.window.show()
        else:
            self.icon.show()

    def hide(self) -> None:
        """Hide the icon and the fallback window, and close its error boxes (before quitting)."""
        self._hold.stop()
        self.icon.hide()
        if self.window is not None:
            for box in self.window.findChildren(QMessageBox):
                box.close()
            self.window.hide()

    def state(self) -> TrayState:
        """The state shown now."""
        return self._state

    @Slot(object)
    def set_state(self, state: TrayState, detail: str = "") -> None:
        """Show ``state``; ``detail`` (for example an error message) goes into the tooltip."""
        self._state = TrayState(state)
        self._detail = detail
        if self._state is not TrayState.RECORDING:
            self._level = 0.0
        self.toggle_action.setText("Stop dictation" if self._state is TrayState.RECORDING else "Start dictation")
        self.toggle_action.setEnabled(self._state in (TrayState.READY, TrayState.RECORDING))
        self._refresh()

    @Slot(float)
    def set_level(self, level: float) -> None:
        """Input peak 0..1 while recording; repaints only when the shown step changes."""
        old = icons.level_step(self._level)
        self._level = level
        if self._state is TrayState.RECORDING and icons.level_step(level) != old:
            self._apply_icon()

    def set_info(self, model: str, device: str, hotkey: str, mode: str = "hold") -> None:
        """Model name, where it really runs (``DeviceReport.describe()``), and the hotkey, for the tooltip."""
        self._info = (model, device, hotkey, mode)
        self._refresh()

    def set_model(self, running: str | None) -> None:
        """Tick the model that runs now: "gpu", "cpu", or a folder (shown by its name); nothing when none runs."""
        folder = running if running and running not in self.model_actions else None
        for name, action in self.model_actions.items():
            action.setChecked(name == running)
        self.custom_action.setVisible(folder is not None)
        self.custom_action.setChecked(folder is not None)
        self.custom_action.setText(f"Custom folder: {Path(folder).name or folder}" if folder else "Custom folder")

    def set_last_transcript(self, text: str | None) -> None:
        """Enable the Last transcript actions when there is one; its start is shown in the menu."""
        has = bool(text)
        self.copy_action.setEnabled(has)
        self.paste_action.setEnabled(has)
        shown = (text[:40] + "…" if text and len(text) > 40 else text) or "none yet"
        self.last_menu.setTitle(f"Last transcript: “{shown}”" if has else "Last transcript")
        self.last_menu.setEnabled(has)

    def tooltip(self) -> str:
        """The tooltip text as it stands."""
        model, device, hotkey, mode = self._info
        lines = [f"Swictation — {STATE_TEXT[self._state]}"]
        if self._detail:
            lines.append(self._detail)
        if model:
            lines.append(f"Model: {model}")
        if device:
            lines.append(f"Running on: {device}")
        if hotkey:
            verb = "Hold" if mode == "hold" else "Press"
            lines.append(f"{verb} {pretty(hotkey)} to dictate")
        return "\n".join(lines)

    def set_notifications_enabled(self, enabled: bool) -> None:
        """The "notifications" setting: when off, information and warnings are only logged; errors are
        always shown."""
        self._notifications = enabled

    @Slot(str, str, str)
    def notify(self, title: str, message: str, level: str = "info") -> None:
        """Tell the user something actionable: a tray balloon, or the fallback window (errors pop up).

        ``level`` is "info", "warning" or "error". Logged once here. Each notification stays up at least
        ``min_show_ms``; those arriving meanwhile wait and are then shown together as one, so none is lost.
        With notifications off, only errors are shown.
        """
        log_level = {"error": logging.ERROR, "warning": logging.WARNING}.get(level, logging.INFO)
        _log.log(log_level, "Notification: %s: %s", title, message)
        if not self._notifications and level != "error":
            return
        self._pending.append(Notification(title, message, level))
        if not self._hold.isActive():
            self._show_next()

    def pending(self) -> list[Notification]:
        """Notifications waiting for the one on screen to have been up long enough."""
        return list(self._pending)

    def _show_next(self) -> None:
        """Put everything that waited on screen as one notification, and hold it there (GUI thread)."""
        if not self._pending:
            return
        note = merge(self._pending)
        self._pending.clear()
        self.shown.append(note)
        self._hold.start(self.min_show_ms)
        if self.window is None:
            self.icon.showMessage(note.title, note.message, _LEVELS.get(note.level, _LEVELS["info"]), BALLOON_MS)
            return
        self.window.message_label.setText(f"<b>{note.title}</b><br>{note.message}".replace("\n", "<br>"))
        self.window.message_label.show()
        if note.level == "error":
            box = QMessageBox(QMessageBox.Icon.Critical, note.title, note.message, QMessageBox.StandardButton.Ok,
                              self.window)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.MiddleClick:
            self.toggle_requested.emit()
        elif reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.menu.popup(QCursor.pos())

    def _apply_icon(self) -> None:
        current = icons.icon(self._state, self._level)
        self.icon.setIcon(current)
        if self.window is not None:
            self.window.icon_label.setPixmap(current.pixmap(32, 32))

    def _refresh(self) -> None:
        self._apply_icon()
        tip = self.tooltip()
        self.icon.setToolTip(tip)
        self.status_action.setText(STATE_TEXT[self._state])
        if self.window is not None:
            self.window.status_label.setText(tip)
            self.window.toggle_button.setText(self.toggle_action.text())
            self.window.toggle_button.setEnabled(self.toggle_action.isEnabled())
