"""Which PortAudio device a microphone setting means, and what the user reads when it cannot be used."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from swictation_gui.audio import sources
from swictation_gui.errors import AudioDeviceError

# What the user reads (tray, notification); PortAudio's own words ("Error querying device -1",
# "PaErrorCode -9999") go to the log only.
NO_MICROPHONE = ("No microphone was found. Plug one in, or choose another in Settings → Microphone. "
                 "If one is plugged in, check that PulseAudio/PipeWire sees it: pactl list short sources")
CANNOT_OPEN = ("The microphone could not be opened. Check that it is plugged in and that no other program holds "
               "it, or choose another in Settings → Microphone. To see what PulseAudio/PipeWire offers: "
               "pactl list short sources")
MICROPHONE_LOST = ("The microphone stopped working (unplugged?). Dictation resumes when it is back, or choose "
                   "another in Settings → Microphone.")
NO_PULSE_DEVICE = ("The chosen microphone is a PulseAudio/PipeWire source, but the sound server cannot be reached "
                   "through ALSA. Install the ALSA plugin for PulseAudio (libasound2-plugins) or choose another "
                   "microphone in Settings → Microphone.")


def source_missing(name: str) -> str:
    """The message for a chosen PulseAudio source that is not there."""
    return (f"The microphone {name!r} is not connected. Plug it in, or choose another in Settings → Microphone.")


def _input_index(sd: Any, name: str) -> int | None:
    for index, info in enumerate(sd.query_devices()):
        if int(info["max_input_channels"]) > 0 and str(info["name"]) == name:
            return index
    return None


def resolve_device(sd: Any, spec: str | int | None) -> int | None:
    """PortAudio index for ``spec``: None (system default), an index, part of an input device's name, or a
    PulseAudio source ("pulse:NAME", opened on PortAudio's "pulse" device, else its "default")."""
    if spec is None or spec == "" or spec == "default":
        return None
    if sources.pulse_source(spec) is not None:
        for name in ("pulse", "default"):
            index = _input_index(sd, name)
            if index is not None:
                return index
        raise AudioDeviceError(NO_PULSE_DEVICE)
    if isinstance(spec, int) or str(spec).isdigit():
        index = int(spec)
        try:
            info = sd.query_devices(index)
        except Exception as exc:
            raise AudioDeviceError(f"There is no audio device number {index}. "
                                   "Choose a microphone in Settings → Microphone.") from exc
        if int(info["max_input_channels"]) < 1:
            raise AudioDeviceError(f"Audio device {index} ({info['name']}) is not a microphone. "
                                   "Choose one in Settings → Microphone.")
        return index
    wanted = str(spec).lower()
    for index, info in enumerate(sd.query_devices()):
        if int(info["max_input_channels"]) > 0 and wanted in str(info["name"]).lower():
            return index
    raise AudioDeviceError(f"No microphone named {spec!r} is connected. Plug it in or choose another in Settings.")


@contextlib.contextmanager
def source_for_open(spec: str | int | None) -> Iterator[None]:
    """While a stream opens (capture worker thread), point PulseAudio's default source at the chosen one.

    PulseAudio's ALSA plugin reads ``PULSE_SOURCE`` when it connects, which PortAudio does while opening the
    stream, so the stream records from that source from its first sample (moving it after the start would
    let the default source's audio in first). Other threads only open output streams meanwhile, which
    ignore it.
    """
    name = sources.pulse_source(spec)
    if name is None:
        yield
        return
    saved = os.environ.get("PULSE_SOURCE")
    os.environ["PULSE_SOURCE"] = name
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PULSE_SOURCE", None)
        else:
            os.environ["PULSE_SOURCE"] = saved
