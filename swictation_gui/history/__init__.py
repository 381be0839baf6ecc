"""The dictation history: in memory by default, optionally kept in a private SQLite file (Qt-free)."""
