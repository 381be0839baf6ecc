"""The History window lists the store's entries and searches, copies, inserts again, deletes and clears them."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from swictation_gui.history.store import HistoryStore
from swictation_gui.ui.history_window import HistoryWindow


def _window(qtbot: QtBot, store: HistoryStore, inserted: list[str]) -> HistoryWindow:
    window = HistoryWindow(store, inserted.append)
    qtbot.addWidget(window)
    return window


def _texts(window: HistoryWindow) -> list[str]:
    return [window.table.item(row, 3).text() for row in range(window.table.rowCount())]


def test_entries_newest_first_with_window_and_duration_and_search(qtbot: QtBot) -> None:
    store = HistoryStore()
    store.add("Buy milk", "kate.Kate #0x1a", 1.25)
    store.add("Call Anna", "Slack #0x2", 3.0)
    window = _window(qtbot, store, [])
    assert _texts(window) == ["Call Anna", "Buy milk"]
    assert window.table.item(1, 1).text() == "kate.Kate" and window.table.item(1, 2).text() == "1.2 s"
    assert "memory only" in window.where.text()
    window.search.setText("milk")
    assert _texts(window) == ["Buy milk"]


def test_copy_insert_delete_and_clear(qtbot: QtBot, tmp_path: Path) -> None:
    store = HistoryStore()
    store.persist(tmp_path / "h.sqlite3", 30)
    for text in ("one", "two", "three"):
        store.add(text)
    inserted: list[str] = []
    window = _window(qtbot, store, inserted)
    window.show()
    assert str(tmp_path) in window.where.text()
    assert not window.copy_button.isEnabled()
    window.table.selectRow(1)
    window.copy_button.click()
    assert QGuiApplication.clipboard().text() == "two"
    window.insert_button.click()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: inserted == ["two"], timeout=3000)
    window.show()
    window.table.selectRow(0)
    window.delete_button.click()
    assert _texts(window) == ["two", "one"] and [e.text for e in store.entries()] == ["two", "one"]
    window.clear_all(confirm=False)
    assert _texts(window) == [] and store.entries() == []
    assert not window.clear_button.isEnabled()
    store.close()
    assert b"two" not in (tmp_path / "h.sqlite3").read_bytes()
