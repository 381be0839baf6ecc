"""Where the settings dialog learns which microphones exist (injectable)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from swictation_gui.audio.sources import InputChoice, portaudio_inputs, pulse_sources

_log = logging.getLogger("swictation.ui")


InputDeviceProvider = Callable[[], Sequence[InputChoice | str]]
"""The microphones present now (a plain name stands for itself). Called on the GUI thread."""


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
