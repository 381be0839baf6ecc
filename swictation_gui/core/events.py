"""A line-based JSON event log for tests and benchmarks (``--log-json``): one object per line on a stream."""

from __future__ import annotations

import json
import threading
import time
from typing import TextIO


class EventLog:
    """Writes ``{"ev": name, "t": monotonic, ...}`` lines; disabled logs cost nothing. Any thread.

    Transcripts are written only when ``transcripts`` is set (an explicit test flag). ``check_progressive`` (a
    test flag too) makes every progressive dictation also recognize its whole audio in one piece and report that
    text (event ``one_piece``), so a test can compare both on the very same audio; it keeps the whole audio.
    """

    def __init__(self, stream: TextIO | None, transcripts: bool = False, check_progressive: bool = False) -> None:
        self._stream = stream
        self.transcripts = transcripts
        self.check_progressive = check_progressive
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """True when events are written."""
        return self._stream is not None

    def emit(self, ev: str, **fields: object) -> None:
        """Write one event line (never raises)."""
        if self._stream is None:
            return
        record: dict[str, object] = {"ev": ev, "t": round(time.monotonic(), 6)}
        record.update(fields)
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass
