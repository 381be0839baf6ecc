"""Stage 3: spoken punctuation and commands, opt-in (pure, any thread).

Rules (a command word inside ordinary speech stays text):
1. Words are compared in lower case, ignoring the model's own punctuation and treating a hyphen as a
   space ("Deux-points." matches "deux points").
2. A phrase triggers only where it **stands alone** (it is the whole utterance) or **ends the
   utterance**. Several phrases may end an utterance together ("... period new line"); they are read
   from the end, longest phrase first ("punto y coma" before "coma"). A phrase anywhere else is text:
   "the period of the Renaissance", "press enter to continue".
3. "scratch that" (and its translations) counts only as a whole utterance; at the end of a sentence
   ("I told him to scratch that") it is text.
4. "press enter" sends Enter after the text before it ("send it press enter" types "send it", then Enter).
5. When punctuation phrases end an utterance, the model's own punctuation and spaces just before them
   are dropped ("Hello world, period." becomes "Hello world.").
Known limit, the reason the mode is opt-in: a sentence that really ends with such a word ("it was a long
period") loses it. Dictate the word in the middle of a sentence, or turn the mode off.
"""

from __future__ import annotations

from dataclasses import dataclass

from swictation_gui.text.tables import COMMANDS, PUNCTUATION, Command
from swictation_gui.text.words import Language, Word, phrase_key, words

_MODEL_PUNCTUATION = " \t,.;:!?…"


@dataclass(frozen=True)
class Parsed:
    """The text left to type and the command to run after it (None for plain text)."""

    text: str
    command: Command | None = None


def _table(language: Language) -> list[tuple[tuple[str, ...], str | Command]]:
    entries: list[tuple[tuple[str, ...], str | Command]] = []
    entries += [(phrase_key(p), sym) for p, sym in PUNCTUATION[language].items()]
    entries += [(phrase_key(p), cmd) for p, cmd in COMMANDS[language].items()]
    entries.sort(key=lambda e: -len(e[0]))
    return entries


def _split(found: list[Word]) -> list[tuple[str, int]]:
    """Each word key part with the index of the word it came from (hyphenated words give several parts)."""
    return [(part, i) for i, w in enumerate(found) for part in w.key.split()]


def parse(text: str, language: Language) -> Parsed:
    """Apply the rules above to one utterance."""
    found = words(text)
    parts = _split(found)
    keys = [p for p, _ in parts]
    table = _table(language)
    for phrase, action in table:
        if tuple(keys) == phrase:  # rule 2: the phrase stands alone
            return Parsed("", action) if isinstance(action, Command) else Parsed(action)
    symbols: list[str] = []
    command: Command | None = None
    end = len(keys)
    while end > 0:
        for phrase, action in table:
            n = len(phrase)
            if n > end or tuple(keys[end - n:end]) != phrase:
                continue
            if action is Command.SCRATCH:
                continue  # rule 3
            if isinstance(action, Command):
                if symbols or command is not None:
                    continue  # Enter only as the very last phrase
                command = action
            else:
                symbols.insert(0, action)
            end -= n
            break
        else:
            break
        if end > 0 and parts[end][1] == parts[end - 1][1]:
            return Parsed(text)  # the phrase began inside a hyphenated word: leave it as text
    if end == len(keys):
        return Parsed(text)
    cut = found[parts[end][1]].start if end < len(keys) else len(text)
    head = text[:cut]
    head = head.rstrip(_MODEL_PUNCTUATION) if symbols else head.rstrip(" \t")
    return Parsed(head + "".join(symbols), command)
