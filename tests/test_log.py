"""The console log handler follows the current stderr, so a closed earlier stderr never breaks logging."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from swictation_gui import log


def test_console_log_goes_to_the_current_stderr_after_the_old_one_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger("swictation")
    saved = (list(root.handlers), root.level, root.propagate)
    old, new = io.StringIO(), io.StringIO()
    try:
        monkeypatch.setattr(sys, "stderr", old)
        log.setup(logging.WARNING, stderr=True)
        old.close()  # as pytest closes a test's captured stderr, or a console that went away
        monkeypatch.setattr(sys, "stderr", new)
        monkeypatch.setattr(logging, "raiseExceptions", True)
        log.ui.warning("No system tray on this desktop")
        assert "No system tray on this desktop" in new.getvalue()
        assert "Logging error" not in new.getvalue()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        root.propagate = saved[2]
