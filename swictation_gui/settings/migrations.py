"""Ordered upgrades of the settings file's layout, one function per version step (pure, no I/O)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from swictation_gui.settings.schema import SCHEMA_VERSION

_log = logging.getLogger("swictation.settings")

Layout = dict[str, Any]


def _v1_to_v2(old: Layout) -> Layout:
    """Version 1 → 2: the 0.0.x layout.

    Version 1 stored ``model_dir`` (a folder, or absent for the catalogue GPU model),
    ``device`` (the microphone), ``paste_mode`` (bool: true = always paste, false = auto),
    ``push_to_talk`` (bool: true = hold, false = toggle) and ``sound_feedback`` (bool).
    Version 2 names them ``custom_model_dir`` (with ``model`` = "custom"), ``input_device``,
    ``injection_method``, ``hotkey_mode`` and ``sound_cues``. Other keys are carried over unchanged.
    """
    new: Layout = {}
    renames = {"device": "input_device", "sound_feedback": "sound_cues"}
    for key, value in old.items():
        if key == "model_dir":
            if isinstance(value, str) and value.strip():
                new["model"] = "custom"
                new["custom_model_dir"] = value
        elif key == "paste_mode":
            # Only a real JSON true means paste; anything else keeps the safe automatic choice.
            new["injection_method"] = "paste" if value is True else "auto"
        elif key == "push_to_talk":
            new["hotkey_mode"] = "toggle" if value is False else "hold"
        else:
            new[renames.get(key, key)] = value
    new["version"] = 2
    return new


def _v2_to_v3(old: Layout) -> Layout:
    """Version 2 → 3: ``tail_ms`` was a fixed tail recorded after every key-up (default 150 ms); it is now the
    longest tail, used only while a word is still being spoken. The old default becomes the new one (400 ms);
    a value the user chose is kept as the limit."""
    new = dict(old)
    if new.get("tail_ms") == OLD_TAIL_DEFAULT_MS:
        new["tail_ms"] = NEW_TAIL_DEFAULT_MS
    new["version"] = 3
    return new


OLD_TAIL_DEFAULT_MS = 150
NEW_TAIL_DEFAULT_MS = 400

MIGRATIONS: tuple[tuple[int, Callable[[Layout], Layout]], ...] = (
    (1, _v1_to_v2),
    (2, _v2_to_v3),
)
"""(from_version, upgrade) pairs in order; each upgrade returns the layout of ``from_version + 1``."""


def migrate(data: Layout, from_version: int) -> tuple[Layout, list[int]]:
    """Apply every upgrade from ``from_version`` up to :data:`SCHEMA_VERSION`.

    Returns:
        The upgraded layout (with ``version`` set) and the versions it was upgraded from, in order.
    """
    applied: list[int] = []
    current = dict(data)
    version = from_version
    for start, upgrade in MIGRATIONS:
        if start < version:
            continue
        if start != version:
            break
        current = upgrade(current)
        _log.info("Settings migrated from version %d to %d (%s)", start, start + 1, upgrade.__name__)
        applied.append(start)
        version = start + 1
    if version != SCHEMA_VERSION:
        _log.warning("No settings migration from version %d to %d", version, SCHEMA_VERSION)
    current["version"] = version
    return current, applied
