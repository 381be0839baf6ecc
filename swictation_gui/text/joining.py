"""Stage 5: joining a dictation to the previous one typed into the same window (pure, any thread).

Rules, applied only when the previous piece is known (same window, within the joining time, see ``stage.py``):
- One space goes between the pieces, except after a space, a newline or an opening bracket/quote
  (``words.OPENING``), and before punctuation or a closing bracket/quote (``words.NO_SPACE_BEFORE``).
  When the previous piece ended with the trailing space this app added and the new one starts with
  punctuation, that space is erased with one backspace, but only if no key was pressed in the window since.
- After a sentence end (. ! ? … then closing quotes) or a newline, a lower-case first letter becomes a capital.
- After a word, a digit, a comma or a semicolon (mid-sentence), a capital first word is lowered when the
  model most likely capitalised it only because a new utterance began. It is kept when it is "I" or one
  of its contractions, written all in capitals ("NASA"), written with a capital elsewhere in the same
  transcript not at a sentence start ("Paris ... in Paris"), or when the language is German (nouns).
A fresh piece is typed as the model wrote it. The optional trailing space goes after every piece that
does not end with a space or newline.
"""

from __future__ import annotations

import re

from swictation_gui.text.words import NO_SPACE_BEFORE, OPENING, Language, ends_sentence, words

KEEP_CAPITAL = {"i", "i'm", "i'll", "i've", "i'd"}
_MID_SENTENCE = ",;"


def _capital_elsewhere(word: str, text: str, first_end: int) -> bool:
    """``word`` appears again in ``text`` with its capital and not right after a sentence end."""
    for w in words(text):
        if w.start < first_end or w.text != word:
            continue
        before = text[:w.start].rstrip(" \t\"“„«(")
        if before and before[-1] not in ".!?…\n":
            return True
    return False


def _lower_first_word(text: str, language: Language) -> str:
    found = words(text)
    if not found or language is Language.DE:
        return text
    first = found[0]
    if text[:first.start].strip(" \t"):
        return text  # the piece starts with something else (a quote, a bracket)
    word = first.text
    if not word[0].isupper() or word.replace("’", "'").lower() in KEEP_CAPITAL:
        return text
    letters = [ch for ch in word if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return text
    if any(ch.isupper() for ch in word[1:]) or _capital_elsewhere(word, text, first.end):
        return text  # "McDonald", "iPhone"-like names, or a name used again mid-sentence
    return text[:first.start] + word[0].lower() + word[1:] + text[first.end:]


def _capitalize(text: str) -> str:
    stripped = text.lstrip(" \t" + OPENING + "\"")
    offset = len(text) - len(stripped)
    if stripped[:1].isalpha() and stripped[0].islower():
        return text[:offset] + stripped[0].upper() + stripped[1:]
    return text


def join(previous: str | None, text: str, language: Language, trailing_space: bool,
         may_erase: bool) -> tuple[int, str]:
    """The backspaces to send first and the characters to type for ``text`` after ``previous``.

    ``previous`` is what was typed into the window last (None when starting fresh); ``may_erase`` says that no
    key was pressed there since, so one backspace may remove this app's own trailing space.
    """
    text = text.strip(" \t")
    if not text:
        return 0, ""
    backspaces = 0
    if previous is not None:
        tail = previous
        if text[0] in NO_SPACE_BEFORE:
            if trailing_space and tail.endswith(" ") and may_erase:
                backspaces, tail = 1, tail[:-1]
            sep = ""
        elif not tail or tail[-1] in " \t\n" or tail[-1] in OPENING:
            sep = ""
        else:
            sep = " "
        visible = tail.rstrip(" \t")
        if visible.endswith("\n") or ends_sentence(visible):
            text = _capitalize(text)
        elif visible and (visible[-1].isalnum() or visible[-1] in _MID_SENTENCE):
            text = _lower_first_word(text, language)
        text = sep + text
    if trailing_space and not re.search(r"[ \t\n]$", text):
        text += " "
    return backspaces, text
