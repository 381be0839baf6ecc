"""Where the settings dialog learns which microphones exist (injectable)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

_log = logging.getLogger("swictation.ui")


InputDeviceProvider = Callable[[], Sequence[str]]
"""Names of the microphones (input devices) present now. Called on the GUI thread."""


def default_input_devices() -> list[str]:
    """Input device names from PortAudio (through its lifecycle owner, so never during a rescan); empty when
    PortAudio is unusable."""
    try:
        from swictation_gui.audio import portaudio

        devices = portaudio.SHARED.devices(timeout=0.2)  # GUI thread: never wait out a device rescan
    except Exception:  # no PortAudio, no devices: the dialog shows "System default" only
        _log.warning("Cannot list audio input devices", exc_info=True)
        return []
    names: list[str] = []
    for device in devices:
        if int(device.get("max_input_channels", 0)) > 0 and device["name"] not in names:
            names.append(str(device["name"]))
    return names
