"""Where the settings dialog learns which models are usable and which microphones exist (injectable)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from swictation_gui.audio.sources import InputChoice, portaudio_inputs, pulse_sources
from swictation_gui.models import catalogue
from swictation_gui.settings.schema import ModelChoice

_log = logging.getLogger("swictation.ui")


@dataclass(frozen=True)
class Availability:
    """Whether a model choice can be used on this machine.

    Attributes:
        installed: The model files are present.
        runnable: Its device really works here (CUDA for the GPU model).
        reason: Why not, in words for the user (empty when both are True).
    """

    installed: bool
    runnable: bool
    reason: str = ""


ModelAvailabilityProvider = Callable[[ModelChoice, str | None], Availability]
"""(choice, custom folder) → Availability. Called on the GUI thread: it must be quick."""

InputDeviceProvider = Callable[[], Sequence[InputChoice | str]]
"""The microphones present now (a plain name stands for itself). Called on the GUI thread."""


def default_model_availability(choice: ModelChoice, custom_dir: str | None) -> Availability:
    """A quick check from the files on disk and onnxruntime's provider list (not a real CUDA test)."""
    if choice is ModelChoice.CUSTOM:
        if not custom_dir:
            return Availability(False, False, "No folder chosen.")
        folder = Path(custom_dir).expanduser()
        files = catalogue.detect_files(folder)
        missing = [name for name in files.all() if not (folder / name).is_file()]
        if missing:
            return Availability(False, False, f"Missing in this folder: {', '.join(missing)}")
        return Availability(True, True)
    spec = catalogue.GPU_MODEL if choice is ModelChoice.GPU else catalogue.CPU_MODEL
    installed = catalogue.installed_dir(spec).is_dir()
    reason = "" if installed else f"Not installed. Download it with: swictation-gui models download {spec.key}"
    if spec.device is catalogue.Device.CUDA:
        try:
            import onnxruntime

            providers = onnxruntime.get_available_providers()
        except Exception as exc:  # a broken install must not break the dialog
            _log.debug("onnxruntime providers unavailable", exc_info=True)
            return Availability(installed, False, f"onnxruntime cannot be loaded ({exc}).")
        if "CUDAExecutionProvider" not in providers:
            why = "No CUDA support in this onnxruntime: it would run on the CPU (slower)."
            return Availability(installed, False, f"{reason} {why}".strip())
    return Availability(installed, True, reason)


def default_input_devices() -> list[InputChoice]:
    """The PulseAudio/PipeWire sources by their descriptions when a sound server answers, else the PortAudio input
    devices (through its lifecycle owner, so never during a rescan); empty when neither is usable."""
    choices = pulse_sources(timeout=0.2)  # GUI thread: a sound server that does not answer at once is skipped
    if choices is not None:
        return choices
    try:
        from swictation_gui.audio import portaudio

        devices = portaudio.SHARED.devices(timeout=0.2)  # GUI thread: never wait out a device rescan
    except Exception:  # no PortAudio, no devices: the dialog shows "System default" only
        _log.warning("Cannot list audio input devices", exc_info=True)
        return []
    return portaudio_inputs(devices)
