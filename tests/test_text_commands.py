"""Spoken punctuation and commands: every table entry in every language, and the false-trigger rules."""

from __future__ import annotations

import pytest

from swictation_gui.text.commands import Parsed, parse
from swictation_gui.text.tables import COMMANDS, PUNCTUATION, Command
from swictation_gui.text.words import Language

ALL_PUNCTUATION = [(lang, phrase, sym) for lang, table in PUNCTUATION.items() for phrase, sym in table.items()]


@pytest.mark.parametrize(("lang", "phrase", "symbol"), ALL_PUNCTUATION)
def test_every_punctuation_phrase_alone_and_at_the_end(lang: Language, phrase: str, symbol: str) -> None:
    assert parse(phrase, lang) == Parsed(symbol)
    assert parse(phrase.upper() + ".", lang) == Parsed(symbol)  # the model's case and punctuation do not matter
    assert parse(f"word {phrase}", lang) == Parsed("word" + symbol)


@pytest.mark.parametrize(("lang", "phrase", "command"),
                         [(lang, p, c) for lang, table in COMMANDS.items() for p, c in table.items()])
def test_every_command_alone(lang: Language, phrase: str, command: Command) -> None:
    assert parse(phrase.capitalize() + ".", lang) == Parsed("", command)


def test_a_command_word_inside_speech_stays_text() -> None:
    for text in ("The period of the Renaissance was long.", "Put a comma in the file name please",
                 "press enter to continue", "a new line of products is coming"):
        assert parse(text, Language.EN) == Parsed(text)
    assert parse("Der Punkt ist klar.", Language.DE) == Parsed("Der Punkt ist klar.")
    assert parse("Le point de vue est bon.", Language.FR) == Parsed("Le point de vue est bon.")
    assert parse("Es el punto final de la historia.", Language.ES) == Parsed("Es el punto final de la historia.")


def test_scratch_that_counts_only_alone() -> None:
    assert parse("Scratch that.", Language.EN) == Parsed("", Command.SCRATCH)
    assert parse("I told him to scratch that.", Language.EN) == Parsed("I told him to scratch that.")


def test_the_models_own_punctuation_before_a_phrase_goes() -> None:
    assert parse("Hello world, period.", Language.EN) == Parsed("Hello world.")
    assert parse("Is it ready? Question mark.", Language.EN) == Parsed("Is it ready?")
    assert parse("hello comma", Language.EN) == Parsed("hello,")


def test_several_phrases_end_an_utterance_longest_first() -> None:
    assert parse("first line period new line", Language.EN) == Parsed("first line.\n")
    assert parse("uno punto y coma", Language.ES) == Parsed("uno;")
    assert parse("c'est vrai point d'interrogation", Language.FR) == Parsed("c'est vrai?")
    assert parse("Deux-points.", Language.FR) == Parsed(":")


def test_press_enter_after_text_keeps_the_text() -> None:
    assert parse("Send it. Press enter.", Language.EN) == Parsed("Send it.", Command.ENTER)
    assert parse("send it period press enter", Language.EN) == Parsed("send it.", Command.ENTER)
    assert parse("press enter period", Language.EN) == Parsed("press enter.")  # Enter only as the last phrase


def test_a_phrase_starting_inside_a_hyphenated_word_is_text() -> None:
    assert parse("a well-period", Language.EN) == Parsed("a well-period")


def test_the_known_limit_a_sentence_ending_with_the_word_loses_it() -> None:
    # Documented in commands.py: the reason the mode is opt-in.
    assert parse("It was a long period.", Language.EN) == Parsed("It was a long.")
