"""Replacements, vocabulary, fillers and joining, each stage on its own (pure functions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.vocabulary import rates
from swictation_gui.text import fillers, joining, replacements, vocabulary
from swictation_gui.text.replacements import Replacement
from swictation_gui.text.words import Language

EN = Language.EN


# ----------------------------------------------------------------------------- replacements

def test_plain_replacements_match_whole_words_ignoring_case() -> None:
    rules = [Replacement("gonna", "going to"), Replacement("my email", "me@example.org")]
    assert replacements.apply("Gonna send my  email, gonnabe", rules) == "going to send me@example.org, gonnabe"


def test_regex_replacements_use_groups_and_run_in_order() -> None:
    rules = [Replacement(r"(\d+) percent", r"\1 %", regex=True), Replacement("%", "pc")]
    assert replacements.apply("50 percent", rules) == "50 pc"  # a plain rule may also be punctuation


def test_a_bad_regex_is_skipped_and_explained() -> None:
    assert replacements.apply("a (b", [Replacement("(", "x", regex=True)]) == "a (b"
    assert "not a valid regular expression" in replacements.check_regex("(")
    assert replacements.check_regex(r"\d+") == ""
    assert replacements.apply("x", [Replacement(r"(x)", r"\2", regex=True)]) == "x"  # a missing group


def test_an_empty_pattern_does_nothing() -> None:
    assert replacements.apply("text", [Replacement("  ", "x")]) == "text"


# ----------------------------------------------------------------------------- vocabulary

def test_near_misses_become_the_listed_form() -> None:
    vocab = ["Kubernetes", "PyTorch", "GitHub", "sherpa-onnx"]
    assert vocabulary.correct("on Cubernetes with pie torch", vocab) == "on Kubernetes with PyTorch"
    assert vocabulary.correct("push to git hub, then Sherpa Onnx.", vocab) == "push to GitHub, then sherpa-onnx."


def test_fragments_inflections_and_function_words_stay() -> None:
    vocab = ["PyTorch", "Parakeet", "Ansible"]
    for text in ("put the torch down", "the parakeets are loud", "that is a sensible plan"):
        assert vocabulary.correct(text, vocab) == text


def test_short_entries_only_match_exactly() -> None:
    assert vocabulary.correct("the ax and the axe", ["Axe"]) == "the ax and the Axe"


def test_no_vocabulary_no_change() -> None:
    assert vocabulary.correct("Anything.", []) == "Anything."
    assert vocabulary.correct("", ["Word"]) == ""


def test_the_default_threshold_holds_its_measured_rates() -> None:
    corpus = json.loads((Path(__file__).parent / "data" / "vocabulary_corpus.json").read_text(encoding="utf-8"))
    true_rate, false_rate, _, changed = rates(vocabulary.DEFAULT_THRESHOLD, corpus)
    assert true_rate >= 0.84 and false_rate <= 0.03, changed


# ----------------------------------------------------------------------------- fillers

@pytest.mark.parametrize(("lang", "text", "want"), [
    (Language.EN, "Um, so we start, uh, now.", "So we start, now."),
    (Language.EN, "We, um, went home. Uh, later.", "We, went home. Later."),
    (Language.EN, "Umbrella and hummus stay.", "Umbrella and hummus stay."),
    (Language.DE, "Ähm, wir gehen äh jetzt.", "Wir gehen jetzt."),
    (Language.FR, "Euh, on y va, euh…", "On y va"),
    (Language.ES, "Eh, vamos ehm ahora.", "Vamos ahora."),
    (Language.EN, "Um.", ""),
])
def test_fillers_go_per_language(lang: Language, text: str, want: str) -> None:
    assert fillers.remove(text, lang) == want


def test_fillers_of_another_language_stay() -> None:
    assert fillers.remove("Euh, hello.", Language.EN) == "Euh, hello."


# ----------------------------------------------------------------------------- joining

def _join(previous: str | None, text: str, lang: Language = EN, trailing: bool = False,
          may_erase: bool = True) -> tuple[int, str]:
    return joining.join(previous, text, lang, trailing, may_erase)


def test_fresh_text_is_typed_as_written() -> None:
    assert _join(None, "  Hello there. ") == (0, "Hello there.")
    assert _join(None, "Hello", trailing=True) == (0, "Hello ")
    assert _join(None, "   ") == (0, "")


def test_one_space_between_pieces_none_after_newline_or_bracket_none_before_punctuation() -> None:
    assert _join("Hello", "world") == (0, " world")
    assert _join("Hello ", "world") == (0, "world")
    assert _join("Line\n", "Next") == (0, "Next")
    assert _join("see (", "page two") == (0, "page two")
    assert _join("he said “", "Hi") == (0, "Hi")
    assert _join("Hello", ".") == (0, ".")
    assert _join("Hello", ", and") == (0, ", and")
    assert _join("quote", "\u00a0»") == (0, "\u00a0»")


def test_the_trailing_space_is_erased_before_punctuation_only_when_safe() -> None:
    assert _join("Hello ", ".", trailing=True) == (1, ". ")
    assert _join("Hello ", ".", trailing=True, may_erase=False) == (0, ". ")
    assert _join("Hello ", "world", trailing=True) == (0, "world ")


def test_a_sentence_capital_after_a_mid_sentence_end_is_dropped() -> None:
    assert _join("I went to the", "Shop today.") == (0, " shop today.")
    assert _join("Well,", "Maybe.") == (0, " maybe.")
    assert _join("and then", "A dog barked.") == (0, " a dog barked.")


def test_capitals_that_belong_stay() -> None:
    assert _join("and then", "I left.") == (0, " I left.")
    assert _join("and then", "I'm gone.") == (0, " I'm gone.")
    assert _join("we use", "NASA data.") == (0, " NASA data.")
    assert _join("we flew to", "Paris and loved Paris.") == (0, " Paris and loved Paris.")
    assert _join("sie kauft", "Brot.", Language.DE) == (0, " Brot.")  # German nouns
    assert _join("we met", "McDonald.") == (0, " McDonald.")
    assert _join("the end.", "Paris is.") == (0, " Paris is.")


def test_a_capital_at_a_sentence_start_elsewhere_does_not_count() -> None:
    assert _join("go to the", "Shop. Shop now.") == (0, " shop. Shop now.")


def test_after_a_sentence_end_or_newline_a_lower_case_start_gets_a_capital() -> None:
    assert _join("It works.", "next one") == (0, " Next one")
    assert _join("Done!” ", "then") == (0, "Then")
    assert _join("Para\n\n", "text") == (0, "Text")
    assert _join("Ask?", "“why”") == (0, " “Why”")


def test_lower_case_models_stay_lower_case_mid_sentence() -> None:
    assert _join("hello there", "general kenobi") == (0, " general kenobi")
