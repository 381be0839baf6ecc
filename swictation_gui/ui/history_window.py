"""The History window: recent dictations with search, copy, insert again, delete and clear all (GUI thread)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from swictation_gui.history.store import Entry, HistoryStore

INSERT_DELAY_MS = 300
"""After "Insert again" the window hides first, so the text goes to the window that had the focus before."""


def _when(at: float) -> str:
    today = time.strftime("%Y-%m-%d")
    day = time.strftime("%Y-%m-%d", time.localtime(at))
    return time.strftime("%H:%M:%S" if day == today else "%Y-%m-%d %H:%M", time.localtime(at))


class HistoryWindow(QDialog):
    """Lists ``store``'s entries, newest first. ``insert`` is called with a text to type into the focused window."""

    def __init__(self, store: HistoryStore, insert: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyWindow")
        self.setWindowTitle("Swictation History")
        self._store = store
        self._insert = insert
        self._entries: list[Entry] = []
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setObjectName("historySearch")
        self.search.setPlaceholderText("Search text or window…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        layout.addWidget(self.search)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels(["Time", "Window", "Spoken", "Text"])
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(lambda _r, _c: self.copy())
        layout.addWidget(self.table, 1)
        self.where = QLabel()
        self.where.setObjectName("historyWhere")
        self.where.setWordWrap(True)
        self.where.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.where)
        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy)
        self.insert_button = QPushButton("Insert again")
        self.insert_button.setToolTip("Types the text into the window that had the focus before this one")
        self.insert_button.clicked.connect(self.insert_again)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete)
        self.clear_button = QPushButton("Clear all…")
        self.clear_button.clicked.connect(self.clear_all)
        for button in (self.copy_button, self.insert_button, self.delete_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        layout.addLayout(row)
        self.resize(720, 420)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the store (a new dictation, or the search changed)."""
        selected = self.selected()
        self._entries = self._store.entries(self.search.text())
        self.table.setRowCount(len(self._entries))
        for row, entry in enumerate(self._entries):
            cells = (_when(entry.at), entry.window.split(" #")[0] or "—", f"{entry.duration_s:.1f} s", entry.text)
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(entry.window if col == 1 else value)
                if col == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
            if selected is not None and entry.id == selected.id:
                self.table.selectRow(row)
        self.table.resizeRowsToContents()
        path = self._store.persistent_path
        self.where.setText(f"Kept in {path} (private file)." if path else
                           "Kept in memory only: gone when the app quits (Settings → History to keep it).")
        self._update_buttons()

    def selected(self) -> Entry | None:
        """The selected entry, if any."""
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self._entries[min(rows)] if rows and min(rows) < len(self._entries) else None

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for button in (self.copy_button, self.insert_button, self.delete_button):
            button.setEnabled(chosen)
        self.clear_button.setEnabled(bool(self._store.entries()))

    def copy(self) -> None:
        """Put the selected text on the clipboard."""
        entry = self.selected()
        if entry is not None:
            QGuiApplication.clipboard().setText(entry.text)

    def insert_again(self) -> None:
        """Hide, then type the selected text into the window that had the focus before."""
        entry = self.selected()
        if entry is None:
            return
        text = entry.text
        self.hide()
        QTimer.singleShot(INSERT_DELAY_MS, lambda: self._insert(text))

    def delete(self) -> None:
        """Forget the selected entry."""
        entry = self.selected()
        if entry is not None:
            self._store.delete(entry.id)
            self.refresh()

    def clear_all(self, confirm: bool = True) -> None:
        """Forget every entry (from the file too) after asking."""
        if confirm and QMessageBox.question(self, "Clear history", "Delete every dictation from the history?"
                                            ) != QMessageBox.StandardButton.Yes:
            return
        self._store.clear()
        self.refresh()
