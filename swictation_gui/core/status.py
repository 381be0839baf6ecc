"""What the app is doing, as one typed value computed from the pipeline's facts (no Qt, no strings matched)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

NO_MODEL_YET = "No model yet: choose one with Model → Download or add a model…"
"""The detail shown while no model is installed: the normal first state, said calmly (no command, no model name)."""


class AppStatus(enum.StrEnum):
    """The states the tray shows (each has an icon)."""

    LOADING = "loading"
    READY = "ready"
    RECORDING = "recording"
    TRANSCRIBING = "transcribing"
    ERROR = "error"
    NO_MODEL = "no_model"


class ModelState(enum.StrEnum):
    """Where the recognizer stands."""

    LOADING = "loading"
    READY = "ready"
    MISSING = "missing"    # not installed yet: the normal first state, not an error
    FAILED = "failed"      # installed, but it could not be loaded


@dataclass(frozen=True)
class StatusView:
    """The status and the line of detail shown with it (tooltip)."""

    status: AppStatus
    detail: str = ""


@dataclass(frozen=True)
class Facts:
    """Everything the status depends on."""

    model: ModelState = ModelState.LOADING
    model_message: str = ""
    hotkey_error: str = ""      # the hotkey could not be set up
    output_error: str = ""      # the text output could not be set up
    mic_error: str = ""
    recording: bool = False
    busy: bool = False          # transcribing or injecting


def status_of(f: Facts) -> StatusView:
    """The one status the user sees; the most urgent fact wins."""
    if f.model is ModelState.MISSING:
        return StatusView(AppStatus.NO_MODEL, NO_MODEL_YET)
    if f.model is ModelState.FAILED:
        return StatusView(AppStatus.ERROR, f.model_message)
    if f.hotkey_error or f.output_error:
        return StatusView(AppStatus.ERROR, f.hotkey_error or f.output_error)
    if f.model is ModelState.LOADING and not f.recording and not f.busy:
        return StatusView(AppStatus.LOADING, f.model_message)
    if f.recording:
        return StatusView(AppStatus.RECORDING)
    if f.busy:
        return StatusView(AppStatus.TRANSCRIBING)
    if f.mic_error:
        return StatusView(AppStatus.ERROR, f.mic_error)
    return StatusView(AppStatus.READY)
