"""Interfaces between the core and the platform backends (hotkey, injection, clipboard).

The core (session state machine, app wiring) depends only on these Protocols; each backend
lives in its own module and is chosen from a fallback list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class HotkeyMode(enum.StrEnum):
    """Hold: dictate while held. Toggle: one press starts, the next press stops (the session applies it)."""

    HOLD = "hold"
    TOGGLE = "toggle"


class HotkeySink(Protocol):
    """Receives a hotkey listener's raw chord events.

    Every method is called on one of the listener's own threads (never the GUI thread); implementations must not
    block (emit a Qt signal, set an event). What a chord means (hold, toggle, tap) is decided by the receiver.
    """

    def chord_down(self) -> None:
        """Every key of the chord became down and nothing else is held; once per hold (no auto-repeat)."""
        ...

    def chord_up(self) -> None:
        """After ``chord_down``: the first chord key went up."""
        ...

    def interrupted(self) -> None:
        """After ``chord_down`` and before ``chord_up``: another (non-chord) key was pressed, so the chord is part
        of a shortcut (at most once per hold)."""
        ...

    def cancel_key(self) -> None:
        """The cancel key went down while the chord was held (the hotkey's own grab may keep it from anyone else);
        the receiver decides whether a recording is cancelled."""
        ...

    def ready(self) -> None:
        """Listening (the grab, if any, is taken)."""
        ...

    def failed(self, message: str) -> None:
        """Could not start, or stopped working later (thread died, X connection gone); ``message`` says what to do.
        No other call follows."""
        ...


class HotkeyListener(Protocol):
    """A global hotkey that reports raw chord events to a :class:`HotkeySink`. No method blocks except ``join``."""

    def start(self, sink: HotkeySink) -> None:
        """Begin listening; returns at once (any thread). Setup runs on the listener's threads; errors arrive
        through ``sink.failed``. Call it once per listener."""
        ...

    def stop(self) -> None:
        """Stop listening and release the grab; returns at once and never joins (any thread, idempotent). No sink
        call happens after it returns."""
        ...

    def join(self, timeout: float) -> bool:
        """For shutdown: wait up to ``timeout`` seconds for the listener's threads to end; True when they did."""
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


@runtime_checkable
class KeySender(Protocol):
    """What an injector adds for the text stage: keys by name, the focused window, the user's key presses."""

    def press_key(self, keysym_name: str, count: int) -> InjectionResult:
        """Press ``keysym_name`` ("BackSpace", "Return") ``count`` times (worker thread); never raises."""
        ...

    def focused_window(self) -> str:
        """The focused window as "class #id" ("" when unknown) (worker thread)."""
        ...

    def user_presses(self) -> int | None:
        """Non-hotkey keys pressed by the user so far; None when nobody watches the keyboard (any thread)."""
        ...


@runtime_checkable
class CaretText(Protocol):
    """What an injector adds where the focused application can be asked for its text (AT-SPI)."""

    def text_before_caret(self) -> str | None:
        """The characters before the caret in the focused text field (a bounded tail), or None when they cannot be
        read; bounded in time, never raises (worker thread)."""
        ...


class Clipboard(Protocol):
    """The system clipboard (text only)."""

    def get_text(self) -> str | None:
        """Current clipboard text, or None when empty or not text."""
        ...

    def set_text(self, text: str) -> None:
        """Replace the clipboard text. Raises ``InjectionError`` when no backend works."""
        ...
