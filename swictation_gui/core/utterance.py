"""The dictation's vocabulary: its phases and outcomes, one utterance's record, the tunables, and the effects port."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Phase(enum.StrEnum):
    """What the user sees in the tray."""

    IDLE = "idle"
    RECORDING = "recording"
    TRANSCRIBING = "transcribing"
    INJECTING = "injecting"


class Outcome(enum.StrEnum):
    """How an utterance ended."""

    PENDING = "pending"
    INJECTED = "injected"
    EMPTY = "empty"                  # nothing recognized
    TOO_SHORT = "too_short"
    CANCELLED = "cancelled"
    RECOGNITION_FAILED = "recognition_failed"
    INJECTION_FAILED = "injection_failed"


class Cancellable(Protocol):
    """A scheduled call that can be cancelled."""

    def cancel(self) -> None:
        """Do not run the call (no effect once it ran)."""
        ...


class Effects(Protocol):
    """Everything the session makes happen. Called on the owner thread; none may block."""

    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def begin_capture(self) -> object | None:
        """Start an utterance's audio (with pre-roll); an opaque take, or None without a microphone."""
        ...

    def end_capture(self, seq: int, take: object) -> None:
        """End the take after the tail; later call ``Session.audio_ready(seq, ...)``."""
        ...

    def discard_capture(self, take: object) -> None:
        """Forget the take's audio."""
        ...

    def transcribe(self, seq: int, take: object) -> None:
        """Send the take's audio to the recognizer; later ``transcribed`` or ``recognition_failed``."""
        ...

    def inject(self, seq: int, text: str) -> None:
        """Deliver text to the focused window; later ``injected``."""
        ...

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        """Run ``callback`` on the owner thread after ``seconds``."""
        ...

    def phase_changed(self, phase: Phase) -> None:
        """The tray state changed."""
        ...

    def notify(self, message: str) -> None:
        """Tell the user something went wrong (and what to do)."""
        ...

    def record(self, name: str, seq: int, **fields: object) -> None:
        """A machine-readable event for the test log (transcripts never go in at info level)."""
        ...


@dataclass
class Utterance:
    """One press-to-release, with its timings (monotonic seconds) and result."""

    seq: int
    pressed_at: float
    take: object | None = None
    released_at: float | None = None
    audio_final_at: float | None = None
    transcribed_at: float | None = None
    injected_at: float | None = None
    audio_seconds: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)
    text: str | None = None
    method: str = ""
    outcome: Outcome = Outcome.PENDING
    message: str = ""

    @property
    def ready_to_inject(self) -> bool:
        """Recognition finished (successfully or not)."""
        return self.text is not None or self.outcome != Outcome.PENDING

    def latency_ms(self) -> float | None:
        """Key-up to injected, in milliseconds."""
        if self.released_at is None or self.injected_at is None:
            return None
        return (self.injected_at - self.released_at) * 1e3


def stage_ms(utt: Utterance) -> dict[str, float]:
    """Milliseconds per stage after key-up: tail wait, recognition, injection, and the total."""
    def ms(a: float | None, b: float | None) -> float:
        return round((b - a) * 1e3, 1) if a is not None and b is not None else -1.0
    return {"audio_ms": ms(utt.released_at, utt.audio_final_at),
            "recognize_ms": ms(utt.audio_final_at, utt.transcribed_at),
            "inject_ms": ms(utt.transcribed_at, utt.injected_at),
            "latency_ms": ms(utt.released_at, utt.injected_at),
            "audio_s": round(utt.audio_seconds, 3)}


@dataclass(frozen=True)
class SessionConfig:
    """Tunables (seconds)."""

    min_press_s: float = 0.15
    max_record_s: float = 120.0
    defer_injection_while_recording: bool = True
    trailing_space: bool = True       # a space after each transcript, so dictations do not run together
    history: int = 200
    toggle: bool = False              # press to start, press again to stop (else: hold to talk)
    modifier_only_hotkey: bool = False  # a lone modifier (ctrl_r): toggles on a clean tap, cancels in a shortcut
