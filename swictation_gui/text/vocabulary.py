"""Stage 2: personal vocabulary, near misses corrected to the listed form by fuzzy matching (pure, any thread).

Rules:
- Each entry (a word or phrase of ``n`` words) is compared with every run of ``n - 1``, ``n`` and
  ``n + 1`` consecutive words of the transcript, both reduced to lower-case letters and digits with the
  spaces removed (so "pie torch" can meet "PyTorch").
- A run whose reduced form equals the entry's is always rewritten to the listed form (case, spacing).
- Otherwise the run is corrected when its score reaches ``threshold``: the better of ``rapidfuzz.fuzz.ratio``
  on the reduced forms and that ratio on a rough sound key (``sound_key``: ph→f, c/q→k, y→i, w→v,
  doubled letters once) less ``SOUND_PENALTY``, provided the reduced
  entry has at least ``MIN_LETTERS`` characters (short entries would swallow ordinary words), except:
  - a fragment of the entry ("torch" for "PyTorch") or a longer word containing it ("Parakeets") stays;
  - a run of more words than the entry has may not begin or end with a short function word
    (``FUNCTION_WORDS``: "a sensible" must not become "Ansible").
- Overlapping candidates: the best score wins, then the longer run, then the earlier one.
The threshold default (``DEFAULT_THRESHOLD``) comes from ``benchmarks/vocabulary.py`` over the corpus in
``tests/data/vocabulary_corpus.json``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from swictation_gui.text.words import Word, words

DEFAULT_THRESHOLD = 88
SOUND_PENALTY = 3
MIN_LETTERS = 4
FUNCTION_WORDS = frozenset({
    "a", "an", "the", "to", "of", "in", "on", "at", "is", "it", "and", "or", "for", "my", "we", "i", "you",
    "der", "die", "das", "ein", "eine", "und", "ist", "le", "la", "les", "un", "une", "et", "el", "los", "las",
    "y", "es", "de",
})


def reduce(text: str) -> str:
    """Lower-case letters and digits only (the form compared)."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def sound_key(reduced: str) -> str:
    """A rough spelling-independent key: "graphana" and "grafana" meet, so do "cubernetes" and "kubernetes"."""
    for old, new in (("ph", "f"), ("ck", "k"), ("c", "k"), ("q", "k"), ("y", "i"), ("w", "v")):
        reduced = reduced.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", reduced)


@dataclass(frozen=True)
class _Candidate:
    score: float
    first: int
    last: int  # inclusive word index
    entry: str


@dataclass(frozen=True)
class _Target:
    entry: str
    reduced: str
    sound: str
    size: int  # words


def _could_reach(a: int, b: int, threshold: float) -> bool:
    """Whether strings of lengths ``a`` and ``b`` can have a ratio of ``threshold`` at all (2·min/(a+b))."""
    return 200.0 * min(a, b) / (a + b) >= threshold


def _candidates(found: list[Word], targets: list[_Target], threshold: float) -> list[_Candidate]:
    out: list[_Candidate] = []
    reduced_words = [reduce(w.text) for w in found]
    for k in sorted({n for t in targets for n in (max(1, t.size - 1), t.size, t.size + 1)}):
        for i in range(len(found) - k + 1):
            run = found[i:i + k]
            reduced = "".join(reduced_words[i:i + k])
            if not reduced:
                continue
            sound = ""
            for t in targets:
                if k not in (max(1, t.size - 1), t.size, t.size + 1):
                    continue
                if reduced == t.reduced:
                    out.append(_Candidate(101.0, i, i + k - 1, t.entry))
                    continue
                if len(t.reduced) < MIN_LETTERS or not _may_fuzz(run, reduced, t.reduced, t.size):
                    continue
                sound = sound or sound_key(reduced)
                if not (_could_reach(len(reduced), len(t.reduced), threshold)
                        or _could_reach(len(sound), len(t.sound), threshold + SOUND_PENALTY)):
                    continue
                value = max(fuzz.ratio(reduced, t.reduced), fuzz.ratio(sound, t.sound) - SOUND_PENALTY)
                if value >= threshold:
                    out.append(_Candidate(value, i, i + k - 1, t.entry))
    return out


def _may_fuzz(run: list[Word], reduced: str, target: str, size: int) -> bool:
    if reduced in target or target in reduced:
        return False
    return len(run) <= size or (run[0].key not in FUNCTION_WORDS and run[-1].key not in FUNCTION_WORDS)


def correct(text: str, entries: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> str:
    """``text`` with near misses of ``entries`` replaced by the listed forms."""
    entries = [e.strip() for e in entries if e.strip()]
    if not entries or not text:
        return text
    found = words(text)
    targets = [_Target(e, reduce(e), sound_key(reduce(e)), max(1, len(e.split()))) for e in entries if reduce(e)]
    pool = _candidates(found, targets, threshold)
    pool.sort(key=lambda c: (-c.score, -(c.last - c.first), c.first))
    taken: set[int] = set()
    chosen: list[_Candidate] = []
    for cand in pool:
        span = set(range(cand.first, cand.last + 1))
        if span & taken:
            continue
        taken |= span
        chosen.append(cand)
    for cand in sorted(chosen, key=lambda c: c.first, reverse=True):
        start, end = found[cand.first].start, found[cand.last].end
        text = text[:start] + cand.entry + text[end:]
    return text
