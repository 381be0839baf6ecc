"""Interfaces between the core and the platform backends (hotkey, injection, clipboard).

The core (session state machine, app wiring) depends only on these Protocols; each backend
lives in its own module and is chosen from a fallback list.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class HotkeyMode(enum.StrEnum):
    """Hold: dictate while held. Toggle: one press starts, the next press stops."""

    HOLD = "hold"
    TOGGLE = "toggle"


class HotkeyListener(Protocol):
    """A global push-to-talk hotkey.

    ``on_start``/``on_stop`` are called on the listener's own thread (never the GUI thread);
    they must not block. ``on_stop`` fires when the user ends a dictation (release in hold mode,
    second press in toggle mode). ``on_cancel`` fires when a modifier-only hotkey turns out to
    be part of a shortcut (for example ctrl_r + c): the dictation must be discarded.
    """

    def start(self, on_start: Callable[[], None], on_stop: Callable[[], None],
              on_cancel: Callable[[], None]) -> None:
        """Begin listening (idempotent). Raises ``HotkeyError`` with a user-facing message."""
        ...

    def stop(self) -> None:
        """Stop listening and release any grab (idempotent)."""
        ...

    def wait_keys_released(self, timeout: float) -> bool:
        """Block until every key of the hotkey is physically up; False on timeout."""
        ...


class InjectionMethod(enum.StrEnum):
    """How a transcript reaches the focused window."""

    AUTO = "auto"
    TYPE = "type"
    PASTE = "paste"


@dataclass(frozen=True)
class InjectionResult:
    """What happened to one transcript.

    Attributes:
        ok: The text was delivered.
        method: The method really used ("type" or "paste").
        message: For the user when ``ok`` is False (the text is then left on the clipboard).
    """

    ok: bool
    method: str
    message: str = ""


class TextInjector(Protocol):
    """Delivers text to the focused window. Runs on a worker thread, never the GUI thread."""

    def inject(self, text: str) -> InjectionResult:
        """Type or paste ``text`` exactly; never raises (failures come back in the result)."""
        ...


class Clipboard(Protocol):
    """The system clipboard (text only)."""

    def get_text(self) -> str | None:
        """Current clipboard text, or None when empty or not text."""
        ...

    def set_text(self, text: str) -> None:
        """Replace the clipboard text. Raises ``InjectionError`` when no backend works."""
        ...
