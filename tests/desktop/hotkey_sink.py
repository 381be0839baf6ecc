"""A ``HotkeySink`` for tests: records the chord events and the setup outcome from the listener's threads."""

from __future__ import annotations

import threading
from collections.abc import Callable


class RecordingSink:
    """Records ``down``/``up``/``interrupted``/``cancel_key`` in order, and ``ready`` or the failure message;
    optional actions run on the listener thread after a down or an up (they must not block)."""

    def __init__(self, on_down: Callable[[], None] | None = None, on_up: Callable[[], None] | None = None) -> None:
        self.events: list[str] = []
        self.outcome: list[str] = []          # "ready" or the failure message
        self.threads: set[str] = set()
        self._on_down, self._on_up = on_down, on_up
        self._cond = threading.Condition()

    def _add(self, target: list[str], name: str) -> None:
        with self._cond:
            target.append(name)
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def chord_down(self) -> None:
        self._add(self.events, "down")
        if self._on_down is not None:
            self._on_down()

    def chord_up(self) -> None:
        self._add(self.events, "up")
        if self._on_up is not None:
            self._on_up()

    def interrupted(self) -> None:
        self._add(self.events, "interrupted")

    def cancel_key(self) -> None:
        self._add(self.events, "cancel_key")

    def ready(self) -> None:
        self._add(self.outcome, "ready")

    def failed(self, message: str) -> None:
        self._add(self.outcome, message)

    def count(self, name: str) -> int:
        """How many ``name`` events came so far."""
        with self._cond:
            return self.events.count(name)

    def wait(self, count: int, timeout: float = 5) -> list[str]:
        """The events once there are ``count`` of them (or after ``timeout`` seconds)."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.events) >= count, timeout)
            return list(self.events)

    def wait_for(self, name: str, count: int = 1, timeout: float = 5) -> bool:
        """Whether ``count`` ``name`` events came within ``timeout`` seconds."""
        with self._cond:
            return self._cond.wait_for(lambda: self.events.count(name) >= count, timeout)

    def wait_outcome(self, timeout: float = 10) -> str:
        """"ready", the failure message, or "(no outcome)" after ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: bool(self.outcome), timeout)
            return self.outcome[0] if self.outcome else "(no outcome)"
