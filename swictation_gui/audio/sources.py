"""Microphones by their real names: PulseAudio/PipeWire sources (through ``pulsectl``), else PortAudio devices.

What ``Settings.input_device`` stores:

* ``None``: the system default;
* ``"pulse:<source name>"``: a PulseAudio/PipeWire source by its stable name (for example
  ``pulse:alsa_input.usb-Blue_Yeti-00.analog-stereo``), shown by its description ("Yeti Stereo
  Microphone"). The stream is opened on PortAudio's ``pulse`` device with ``PULSE_SOURCE`` set to
  that name while it opens, so it records from that source from its first sample;
* anything else: part of a PortAudio device's name (systems without PulseAudio).

Monitor sources (what a sink plays) are not microphones and are not offered.
Every function may run on any thread; none blocks longer than its timeout.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger("swictation.audio")

PULSE_PREFIX = "pulse:"
APP_NAME = "swictation-gui"
# PulseAudio reads these client properties from the environment whenever a client connects (PortAudio's ALSA
# "pulse" device connects at every open), so the microphone stream shows as ours in pavucontrol and in the
# desktop's microphone indicator, instead of "ALSA plug-in [python3.11]".
STREAM_PROPERTIES = f"application.name='{APP_NAME}' application.icon_name='{APP_NAME}'"
_NO_INDEX = 0xFFFFFFFF  # PA_INVALID_INDEX: monitor_of_sink of a source that monitors nothing


@dataclass(frozen=True)
class InputChoice:
    """One microphone the user can pick: ``spec`` is what ``Settings.input_device`` stores, ``label`` what they read."""

    spec: str
    label: str


def pulse_source(spec: str | int | None) -> str | None:
    """The PulseAudio source name in ``spec`` ("pulse:NAME"), or None when ``spec`` is not one."""
    if isinstance(spec, str) and spec.startswith(PULSE_PREFIX) and len(spec) > len(PULSE_PREFIX):
        return spec[len(PULSE_PREFIX):]
    return None


def name_our_streams() -> None:
    """Have PulseAudio/PipeWire show every stream of this process as "swictation-gui" (call once, before threads
    start: it sets an environment variable). A value the user set is kept."""
    os.environ.setdefault("PULSE_PROP_OVERRIDE", STREAM_PROPERTIES)


def _is_monitor(source: Any) -> bool:
    monitor_of = getattr(source, "monitor_of_sink", _NO_INDEX)
    klass = (getattr(source, "proplist", None) or {}).get("device.class", "")
    return (monitor_of is not None and monitor_of != _NO_INDEX) or klass == "monitor"


def pulse_sources(timeout: float = 0.5) -> list[InputChoice] | None:
    """The PulseAudio/PipeWire microphones (monitors left out), or None when no sound server answers or
    ``pulsectl`` is not installed."""
    try:
        import pulsectl
    except ImportError:
        return None
    try:
        with pulsectl.Pulse(APP_NAME, connect=False) as pulse:
            pulse.connect(autospawn=False, timeout=timeout)
            sources = pulse.source_list()
    except Exception as exc:  # no server, refused, timed out: the PortAudio names are used instead
        _log.debug("PulseAudio sources unavailable: %s", exc)
        return None
    choices: list[InputChoice] = []
    for source in sources:
        if _is_monitor(source):
            continue
        label = str(source.description or source.name)
        if any(c.label == label for c in choices):  # two identical cards: tell them apart
            label = f"{label} ({source.name})"
        choices.append(InputChoice(PULSE_PREFIX + str(source.name), label))
    return choices


def portaudio_inputs(devices: Any) -> list[InputChoice]:
    """Input devices from a PortAudio device list (``sounddevice.query_devices()``), by name, once each."""
    choices: list[InputChoice] = []
    for device in devices:
        name = str(device["name"])
        if int(device.get("max_input_channels", 0)) > 0 and all(c.spec != name for c in choices):
            choices.append(InputChoice(name, name))
    return choices


def source_exists(name: str, timeout: float = 0.5) -> bool | None:
    """Whether PulseAudio has a source called ``name`` (None: no sound server to ask)."""
    sources = pulse_sources(timeout)
    if sources is None:
        return None
    return any(c.spec == PULSE_PREFIX + name for c in sources)


def move_newest_stream(name: str, timeout: float = 0.5) -> bool:
    """Move this process's newest recording stream onto source ``name`` unless it is there; True if moved.

    The fallback for sound servers whose ALSA device ignores ``PULSE_SOURCE`` (PipeWire's own ALSA plugin): the
    capture worker calls it right after its stream started, under the open lock, so the newest stream is the one
    it opened; another stream of ours (the Settings meter's preview of another microphone) stays where it is.
    Errors are logged; False when nothing could be asked.
    """
    try:
        import pulsectl
    except ImportError:
        return False
    pid = str(os.getpid())
    try:
        with pulsectl.Pulse(APP_NAME, connect=False) as pulse:
            pulse.connect(autospawn=False, timeout=timeout)
            target = pulse.get_source_by_name(name)
            ours = [o for o in pulse.source_output_list() if o.proplist.get("application.process.id") == pid]
            newest = max(ours, key=lambda o: int(o.index), default=None)
            if newest is None or newest.source == target.index:
                return False
            pulse.source_output_move(newest.index, target.index)
            return True
    except Exception as exc:
        _log.debug("Could not move the microphone stream to %s: %s", name, exc)
    return False
