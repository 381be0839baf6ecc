"""Coercion of the list settings (vocabulary, replacements): keep every usable item, say why each other one went."""

from __future__ import annotations

import dataclasses

from swictation_gui.text.replacements import Replacement, check_regex


def show(value: object) -> str:
    """``value`` as the user wrote it, shortened for a warning."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def coerce_words(value: object) -> tuple[tuple[str, ...], list[str]]:
    """A vocabulary list: the usable entries and a problem for each item left out."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"{show(value)} is not a list of words")
    kept: list[str] = []
    problems: list[str] = []
    for item in value:
        if isinstance(item, str) and item.strip():
            if item.strip() not in kept:
                kept.append(item.strip())
        else:
            problems.append(f"{show(item)} is not a word or phrase; it was left out")
    return tuple(kept), problems


def coerce_replacements(value: object) -> tuple[tuple[Replacement, ...], list[str]]:
    """A replacement list of ``{"pattern", "replacement", "regex"}``: the usable rules and the problems."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"{show(value)} is not a list of replacements")
    kept: list[Replacement] = []
    problems: list[str] = []
    for item in value:
        if isinstance(item, Replacement):
            item = dataclasses.asdict(item)
        pattern = item.get("pattern") if isinstance(item, dict) else None
        replacement = item.get("replacement", "") if isinstance(item, dict) else None
        regex = item.get("regex", False) if isinstance(item, dict) else None
        if not (isinstance(pattern, str) and pattern.strip() and isinstance(replacement, str)
                and isinstance(regex, bool)):
            problems.append(f"{show(item)} is not a replacement (pattern, replacement, regex); it was left out")
            continue
        if regex and (why := check_regex(pattern)):
            problems.append(f"{why}; the rule is kept but skipped until it is corrected")
        kept.append(Replacement(pattern, replacement, regex))
    return tuple(kept), problems
