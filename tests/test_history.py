"""The history store: memory limit, search, delete, and the private SQLite file (0600, retention, Clear + VACUUM)."""

from __future__ import annotations

import stat
import time
from pathlib import Path

from swictation_gui.history.store import HistoryStore


def test_memory_keeps_the_newest_entries_newest_first() -> None:
    store = HistoryStore(limit=3)
    for i in range(5):
        store.add(f"text {i}", window="Kate 0x1", duration_s=1.5, at=1000.0 + i)
    assert [e.text for e in store.entries()] == ["text 4", "text 3", "text 2"]
    last = store.last()
    assert last is not None and (last.window, last.duration_s) == ("Kate 0x1", 1.5)
    assert store.persistent_path is None


def test_search_delete_clear() -> None:
    store = HistoryStore()
    a = store.add("Buy milk", window="Notes")
    store.add("Call Anna", window="Chat")
    assert [e.text for e in store.entries("MILK")] == ["Buy milk"]
    assert [e.text for e in store.entries("chat")] == ["Call Anna"]
    store.delete(a.id)
    assert store.get(a.id) is None and len(store.entries()) == 1
    store.clear()
    assert store.entries() == [] and store.last() is None


def test_the_file_is_private_survives_a_restart_and_clear_empties_it(tmp_path: Path) -> None:
    db = tmp_path / "data" / "history.sqlite3"
    store = HistoryStore()
    store.add("before persistence", at=time.time() - 5)
    assert store.persist(db, retention_days=30) == ""
    store.add("secret words")
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert sorted(p.name for p in db.parent.iterdir()) == ["history.sqlite3"]  # no journal beside it
    store.close()

    again = HistoryStore()
    assert again.persist(db, retention_days=30) == ""
    assert [e.text for e in again.entries()] == ["secret words", "before persistence"]
    again.clear()
    again.close()
    assert b"secret words" not in db.read_bytes() and b"before persistence" not in db.read_bytes()


def test_retention_drops_old_entries_from_memory_and_file(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    store = HistoryStore()
    store.add("ancient", at=time.time() - 3 * 86400)
    store.add("recent")
    store.persist(db, retention_days=2)
    assert [e.text for e in store.entries()] == ["recent"]
    store.close()
    assert b"ancient" not in db.read_bytes()


def test_turning_persistence_off_deletes_the_file(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    store = HistoryStore()
    store.persist(db, retention_days=7)
    store.add("words")
    store.stop_persisting()
    assert not db.exists()
    assert [e.text for e in store.entries()] == ["words"]  # memory keeps them until quit


def test_an_unusable_file_is_reported_and_memory_still_works(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = HistoryStore()
    message = store.persist(blocker / "h.sqlite3", retention_days=7)
    assert "stays in memory only" in message
    store.add("still kept")
    assert store.last() is not None and store.persistent_path is None
