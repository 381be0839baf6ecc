"""Stage 1: the user's plain and regex replacements, applied in list order (pure, any thread).

A plain pattern matches whole words, ignoring case ("gonna" also replaces "Gonna" but not "gonnabe").
A regex pattern is a Python regular expression, case-sensitive unless it says ``(?i)``; its
replacement may use ``\\1`` groups. An invalid regex is skipped (``check_regex`` tells the settings
page why, before it is saved).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Replacement:
    """One rule: ``pattern`` becomes ``replacement``; ``regex`` says how ``pattern`` is read."""

    pattern: str
    replacement: str
    regex: bool = False


def check_regex(pattern: str) -> str:
    """Why ``pattern`` is not a usable regular expression ("" when it is)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"{pattern!r} is not a valid regular expression: {exc}"
    return ""


@lru_cache(maxsize=256)
def _compiled(pattern: str, regex: bool) -> re.Pattern[str] | None:
    if not pattern.strip():
        return None
    if regex:
        try:
            return re.compile(pattern)
        except re.error:
            return None
    escaped = r"\s+".join(re.escape(part) for part in pattern.split())
    return re.compile(rf"(?<![\w]){escaped}(?![\w])", re.IGNORECASE)


def _literal(replacement: str) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` callback that inserts ``replacement`` as written (no group references)."""
    return lambda _match: replacement


def apply(text: str, rules: Sequence[Replacement]) -> str:
    """``text`` with every rule applied in order."""
    for rule in rules:
        compiled = _compiled(rule.pattern, rule.regex)
        if compiled is None:
            continue
        if rule.regex:
            try:
                text = compiled.sub(rule.replacement, text)
            except (re.error, IndexError):
                continue
        else:
            text = compiled.sub(_literal(rule.replacement), text)
    return text
