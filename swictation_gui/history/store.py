"""Recent dictations: the newest ``limit`` in memory; opt-in persistence in SQLite (mode 0600, retention, VACUUM).

Every method may be called from any thread (one lock guards the list and the database). Nothing here logs
the text of a dictation: only counts and file errors reach the log.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from swictation_gui import log

DEFAULT_LIMIT = 50
_SCHEMA = ("CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, at REAL NOT NULL, window TEXT NOT NULL, "
           "duration REAL NOT NULL, text TEXT NOT NULL)")


@dataclass(frozen=True)
class Entry:
    """One dictation: when (epoch seconds), into which window (class and id), how long it was spoken, and the text."""

    id: int
    at: float
    window: str
    duration_s: float
    text: str


def _open_private(path: Path) -> sqlite3.Connection:
    """Open (creating) ``path`` readable by its owner only, without an on-disk journal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=MEMORY")  # no -journal/-wal file with text in it
    conn.execute("PRAGMA secure_delete=ON")     # deleted rows are overwritten, not left in free pages
    conn.execute(_SCHEMA)
    return conn


class HistoryStore:
    """The newest dictations, newest first when read."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = max(1, limit)
        self._entries: list[Entry] = []  # oldest first
        self._next_id = 1
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._path: Path | None = None
        self._retention_s = 0.0

    def set_limit(self, limit: int) -> None:
        """Keep at most ``limit`` entries in memory from now on (the oldest go first)."""
        with self._lock:
            self._limit = max(1, limit)
            del self._entries[:-self._limit]

    # ----------------------------------------------------------------- persistence

    @property
    def persistent_path(self) -> Path | None:
        """The database file in use, or None when the history lives in memory only."""
        return self._path

    def persist(self, path: Path, retention_days: int) -> str:
        """Keep the history in ``path`` too, dropping entries older than ``retention_days``; "" or why it failed.

        Entries already in memory are written to the file; the file's entries are loaded (newest ``limit``).
        """
        with self._lock:
            if self._path != path:
                self._close_db()
                try:
                    self._db = _open_private(path)
                except (OSError, sqlite3.Error) as exc:
                    log.session.warning("The history file %s cannot be used: %s", path, exc)
                    return f"The history cannot be kept in {path}: {exc}. It stays in memory only."
                self._path = path
                self._merge_from_db()
            self._retention_s = max(1, retention_days) * 86400.0
            self._expire()
        return ""

    def stop_persisting(self, delete_file: bool = True) -> None:
        """Keep the history in memory only; the file is deleted unless ``delete_file`` is False."""
        with self._lock:
            path = self._path
            self._close_db()
            if delete_file and path is not None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def close(self) -> None:
        """Close the database (app shutdown); the memory list stays."""
        with self._lock:
            self._close_db()

    def _close_db(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None
        self._path = None

    def _merge_from_db(self) -> None:
        assert self._db is not None
        rows = self._db.execute("SELECT id, at, window, duration, text FROM history ORDER BY at").fetchall()
        stored = [Entry(int(r[0]), float(r[1]), str(r[2]), float(r[3]), str(r[4])) for r in rows]
        known = {(e.at, e.text) for e in stored}
        for entry in self._entries:
            if (entry.at, entry.text) not in known:
                cur = self._db.execute("INSERT INTO history (at, window, duration, text) VALUES (?, ?, ?, ?)",
                                       (entry.at, entry.window, entry.duration_s, entry.text))
                stored.append(Entry(int(cur.lastrowid or 0), entry.at, entry.window, entry.duration_s, entry.text))
        stored.sort(key=lambda e: e.at)
        self._entries = stored[-self._limit:]
        self._next_id = max((e.id for e in stored), default=0) + 1
        log.session.info("History file opened with %d entries", len(stored))

    def _expire(self) -> None:
        if self._db is None:
            return
        cutoff = time.time() - self._retention_s
        self._db.execute("DELETE FROM history WHERE at < ?", (cutoff,))
        self._entries = [e for e in self._entries if e.at >= cutoff]

    # ----------------------------------------------------------------- entries

    def add(self, text: str, window: str = "", duration_s: float = 0.0, at: float | None = None) -> Entry:
        """Remember one dictation."""
        at = time.time() if at is None else at
        with self._lock:
            entry_id = self._next_id
            if self._db is not None:
                try:
                    cur = self._db.execute("INSERT INTO history (at, window, duration, text) VALUES (?, ?, ?, ?)",
                                           (at, window, duration_s, text))
                    entry_id = int(cur.lastrowid or entry_id)
                    self._expire()
                except sqlite3.Error as exc:
                    log.session.warning("Writing the history file failed: %s", exc)
            self._next_id = entry_id + 1
            entry = Entry(entry_id, at, window, duration_s, text)
            self._entries.append(entry)
            del self._entries[:-self._limit]
            return entry

    def entries(self, query: str = "") -> list[Entry]:
        """Newest first; with ``query``, only entries whose text or window contains it (ignoring case)."""
        needle = query.casefold().strip()
        with self._lock:
            found = [e for e in reversed(self._entries)
                     if not needle or needle in e.text.casefold() or needle in e.window.casefold()]
        return found

    def last(self) -> Entry | None:
        """The newest entry."""
        with self._lock:
            return self._entries[-1] if self._entries else None

    def get(self, entry_id: int) -> Entry | None:
        """The entry with ``entry_id``, if still kept."""
        with self._lock:
            return next((e for e in self._entries if e.id == entry_id), None)

    def delete(self, entry_id: int) -> None:
        """Forget one entry (from the file too)."""
        with self._lock:
            self._entries = [e for e in self._entries if e.id != entry_id]
            if self._db is not None:
                self._db.execute("DELETE FROM history WHERE id = ?", (entry_id,))

    def clear(self) -> None:
        """Forget everything; the file is emptied and compacted (VACUUM), so no text stays on disk."""
        with self._lock:
            self._entries.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM history")
                self._db.execute("VACUUM")
