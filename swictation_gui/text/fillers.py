"""Stage 4: optional removal of filler words per language (pure, any thread).

A filler (``tables.FILLERS``) goes only as a whole word, ignoring case, together with one comma or
ellipsis right after it. When it opened a sentence with a capital, the next word takes the capital
("Um, so we start." becomes "So we start.").
"""

from __future__ import annotations

import re
from functools import lru_cache

from swictation_gui.text.tables import FILLERS
from swictation_gui.text.words import Language, tidy_spaces


@lru_cache(maxsize=8)
def _pattern(language: Language) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(f) for f in sorted(FILLERS[language], key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])[ \t]*(?:,|\.\.\.|…)?", re.IGNORECASE)


def remove(text: str, language: Language) -> str:
    """``text`` without the language's fillers."""
    pattern = _pattern(language)
    while (match := pattern.search(text)) is not None:
        before = text[:match.start()]
        rest = text[match.end():].lstrip(" \t")
        head = before.rstrip(" \t")
        if not head:
            rest = rest.lstrip(" \t,.;:…")
        if (not head or head[-1] in ".!?\n") and match.group()[0].isupper() and rest[:1].isalpha():
            rest = rest[0].upper() + rest[1:]
        text = before + rest
    text = re.sub(r",([ \t]*[,.!?])", r"\1", text)
    text = re.sub(r",[ \t]*$", "", text)
    return tidy_spaces(text)
