"""What the microphone capture reports to its owner."""

from __future__ import annotations

import enum


class CaptureEvent(enum.StrEnum):
    """What the capture worker reports to the owner through ``on_event``."""

    OPENED = "opened"            # the microphone works: a stream opened (or the check at start passed)
    LOST = "lost"
    OPEN_FAILED = "open_failed"
