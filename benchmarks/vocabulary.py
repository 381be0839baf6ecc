"""Fuzzy vocabulary correction: true and false correction rates per threshold over the test corpus.

Run: ``python -m benchmarks.vocabulary``. A positive case counts as a true correction when the output is
exactly the expected text; a negative case counts as a false correction when the output differs from the input.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from swictation_gui.text import vocabulary

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "vocabulary_corpus.json"


def rates(threshold: float, corpus: dict[str, object]) -> tuple[float, float, list[str], list[str]]:
    """(true rate, false rate, missed positives, changed negatives) at ``threshold``."""
    vocab = list(corpus["vocabulary"])  # type: ignore[call-overload]
    positive: list[list[str]] = corpus["positive"]  # type: ignore[assignment]
    negative: list[str] = corpus["negative"]  # type: ignore[assignment]
    missed = [text for text, want in positive if vocabulary.correct(text, vocab, threshold) != want]
    changed = [f"{text} -> {vocabulary.correct(text, vocab, threshold)}" for text in negative
               if vocabulary.correct(text, vocab, threshold) != text]
    return 1 - len(missed) / len(positive), len(changed) / len(negative), missed, changed


def main() -> None:
    """Print the table and the misses at the default threshold."""
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    print(f"{len(corpus['positive'])} positive, {len(corpus['negative'])} negative cases, "
          f"{len(corpus['vocabulary'])} vocabulary entries")
    print(f"{'threshold':>9}  {'true corr.':>10}  {'false corr.':>11}")
    for threshold in range(60, 100, 2):
        true_rate, false_rate, _, _ = rates(threshold, corpus)
        mark = "  <- default" if threshold == vocabulary.DEFAULT_THRESHOLD else ""
        print(f"{threshold:>9}  {true_rate:>10.1%}  {false_rate:>11.1%}{mark}")
    _, _, missed, changed = rates(vocabulary.DEFAULT_THRESHOLD, corpus)
    print(f"\nAt {vocabulary.DEFAULT_THRESHOLD}: missed {missed}\nfalsely changed {changed}")
    entries = [f"{entry}{n}" if n else entry for n in range(4) for entry in corpus["vocabulary"]]
    text = " ".join(corpus["negative"] * 3)
    runs = 10
    began = time.perf_counter()
    for _ in range(runs):
        vocabulary.correct(text, entries)
    took_ms = (time.perf_counter() - began) / runs * 1000
    print(f"\nspeed: {len(text.split())} words against {len(entries)} entries: {took_ms:.1f} ms per transcript")


if __name__ == "__main__":
    main()
