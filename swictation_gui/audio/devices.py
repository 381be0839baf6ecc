"""Which PortAudio device a microphone setting means, and what the user reads when it cannot be used."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

from swictation_gui import log
from swictation_gui.audio import sources
from swictation_gui.errors import AudioDeviceError

_OPEN_LOCK = threading.Lock()  # one input stream opens at a time (it owns PULSE_SOURCE meanwhile)
OPEN_LOCK_WAIT_S = 2.0  # longest wait for another open; past it, a stuck open must not stall this one

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
    let the default source's audio in first). Two input streams may open at once (the dictation's and the
    Settings meter's preview of another microphone), so every input open, with a chosen source or not, holds
    one process-wide lock meanwhile (waiting at most ``OPEN_LOCK_WAIT_S`` behind a stuck one) and sees only its own
    ``PULSE_SOURCE``. Output streams ignore it.
    """
    name = sources.pulse_source(spec)
    locked = _OPEN_LOCK.acquire(timeout=OPEN_LOCK_WAIT_S)
    if not locked:  # another open hangs (a stuck sound server): do not hang behind it as well
        log.audio.debug("Another microphone open has not returned for %.0f s; opening without waiting",
                        OPEN_LOCK_WAIT_S)
    saved = os.environ.get("PULSE_SOURCE")
    try:
        if name is not None:
            os.environ["PULSE_SOURCE"] = name
        yield
    finally:
        if name is not None:
            if saved is None:
                os.environ.pop("PULSE_SOURCE", None)
            else:
                os.environ["PULSE_SOURCE"] = saved
        if locked:
            _OPEN_LOCK.release()
