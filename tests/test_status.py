"""The tray status computed from the pipeline's facts (pure, no Qt)."""

from __future__ import annotations

from swictation_gui.core.status import AppStatus, Facts, ModelState, StatusView, status_of


def test_a_working_hotkey_does_not_hide_broken_text_output() -> None:
    """Each part clears only its own error: the hotkey becoming ready must not turn a broken output into READY."""
    broken_output = Facts(model=ModelState.READY, output_error="Text output could not be set up: no X")
    assert status_of(broken_output) == StatusView(AppStatus.ERROR, "Text output could not be set up: no X")
    assert status_of(Facts(model=ModelState.READY, hotkey_error="taken")) == StatusView(AppStatus.ERROR, "taken")
    assert status_of(Facts(model=ModelState.READY)) == StatusView(AppStatus.READY)


def test_a_missing_model_is_its_own_state_not_an_error() -> None:
    assert status_of(Facts(model=ModelState.MISSING, model_message="not installed")).status is AppStatus.NO_MODEL
    assert status_of(Facts(model=ModelState.FAILED, model_message="broken")).status is AppStatus.ERROR
    assert status_of(Facts(model=ModelState.LOADING, recording=True)).status is AppStatus.RECORDING
