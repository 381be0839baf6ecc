"""Word spans and the characters the text stages treat as punctuation (pure helpers, any thread)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
"""A word: letters/digits, with inner apostrophes or hyphens ("don't", "deux-points")."""

SENTENCE_END = ".!?…"
"""A piece that ends with one of these (before closing quotes/brackets) ends a sentence."""

CLOSING = ")]}”’»\"'"
"""Closing quotes and brackets: they may follow a sentence end ("He left.)")."""

OPENING = "([{“‘„«¿¡"
"""Opening brackets and quotes: no space goes after them."""

NO_SPACE_BEFORE = ".,;:!?…)]}”’»%\u00a0\u202f"
"""A piece starting with one of these attaches to the previous text without a space."""


class Language(enum.StrEnum):
    """The language of the spoken-command table and the filler list."""

    EN = "en"
    DE = "de"
    FR = "fr"
    ES = "es"


@dataclass(frozen=True)
class Word:
    """One word of a text: its characters and where they are."""

    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """The word as matched against tables: lower case, typographic apostrophe and hyphen normalised."""
        return self.text.lower().replace("’", "'").replace("-", " ")


def words(text: str) -> list[Word]:
    """Every word of ``text`` in order, with its span."""
    return [Word(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


def phrase_key(phrase: str) -> tuple[str, ...]:
    """A table phrase as the word keys it must match ("Deux-points" becomes ("deux", "points"))."""
    return tuple(" ".join(w.key for w in words(phrase)).split())


def tidy_spaces(text: str) -> str:
    """Collapse runs of spaces, drop spaces before ``NO_SPACE_BEFORE`` characters and at both ends."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r" +([.,;:!?…)\]}%])", r"\1", text)
    return text.strip(" \t")


def ends_sentence(text: str) -> bool:
    """``text`` ends a sentence: its last visible character (closing quotes skipped) is . ! ? or …"""
    stripped = text.rstrip(" \t").rstrip(CLOSING)
    return bool(stripped) and stripped[-1] in SENTENCE_END
