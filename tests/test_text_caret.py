"""Joining from the real characters before the caret (AT-SPI) instead of the remembered piece (pure stage logic)."""

from __future__ import annotations

import pytest

from swictation_gui.text.stage import Context, Target, TextConfig, TextStage, joining_context, process


def _typed(raw: str, before: str | None, config: TextConfig | None = None, context: Context | None = None,
           target: Target | None = None) -> str:
    target = target or Target("w", 0.0, None, before)
    outcome = process(raw, config or TextConfig(trailing_space=False), context or Context(), target)
    return outcome.delivery.text


@pytest.mark.parametrize(("before", "raw", "typed"), [
    ("Hello there.", "Hello world.", " Hello world."),            # first dictation into a field with text
    ("Hello there.", "and then", " And then"),                   # a sentence end gives a capital
    ("Hello there", "Then we left.", " then we left."),          # mid-sentence: the utterance capital goes
    ("Hello there,", "I left.", " I left."),                     # "I" keeps its capital
    ("Hello there ", "Then", "then"),                            # the user's space: none added
    ("Hello there\n", "then", "Then"),                           # after a newline: no space, a capital
    ("Hello (", "then", "then"),                                 # after an opening bracket: no space
    ("Hello there", ", then", ", then"),                         # no space before punctuation
    ("", "Hello world", "Hello world"),                          # caret at the start: as the model wrote it
])
def test_the_characters_before_the_caret_decide_spacing_and_capitals(before: str, raw: str, typed: str) -> None:
    assert _typed(raw, before) == typed


def test_without_them_a_first_dictation_starts_fresh() -> None:
    assert _typed("Hello world.", None) == "Hello world."


def test_they_win_over_the_remembered_piece_in_any_window_after_any_pause_or_key() -> None:
    context = Context("w", 0.0, ("I went to the",))
    config = TextConfig(trailing_space=False)
    # The user moved the caret after a full stop (remembered: mid-sentence).
    assert _typed("Shop today.", "Done.", config, context, Target("w", 1.0, False, "Done.")) == " Shop today."
    # The user typed a full stop after the dictation: a key was pressed, the remembered piece no longer counts.
    assert _typed("shop", "I went to the.", config, context, Target("w", 1.0, True, "I went to the.")) == " Shop"
    # Long after the joining time, and in another window.
    assert _typed("Shop.", "I went to the", config, context, Target("w", 900.0, None, "I went to the")) == " shop."
    assert _typed("Shop.", "Dear Sir,", config, context, Target("other", 1.0, None, "Dear Sir,")) == " shop."


def test_joining_off_ignores_them() -> None:
    assert _typed("Hello.", "Hello there.", TextConfig(join=False, trailing_space=False)) == "Hello."


def test_our_trailing_space_is_erased_before_punctuation_only_when_it_is_still_ours() -> None:
    config = TextConfig(trailing_space=True)
    context = Context("w", 0.0, ("Hello ",))
    ours = process(", world", config, context, Target("w", 1.0, False, "Hello "))
    assert (ours.delivery.backspaces, ours.delivery.text) == (1, ", world ")
    assert ours.context.pieces == ("Hello", ", world ")
    # The caret moved: the space before it is not the end of our piece ("Hello" is not what ends the text).
    moved = process(", world", config, context, Target("w", 1.0, False, "Good morning "))
    assert (moved.delivery.backspaces, moved.delivery.text) == (0, ", world ")
    # A key was pressed since (the user typed that space).
    typed = process(", world", config, context, Target("w", 1.0, True, "Hello "))
    assert (typed.delivery.backspaces, typed.delivery.text) == (0, ", world ")


def test_the_joining_context_rule() -> None:
    config = TextConfig()
    remembered = Context("w", 0.0, ("a long piece that the caret tail cuts " * 10,))
    tail = remembered.pieces[0][-200:]
    assert joining_context(config, remembered, Target("w", 1.0, False, tail)) == (tail, True)
    assert joining_context(config, remembered, Target("w", 1.0, False, "")) == ("", False)
    assert joining_context(config, remembered, Target("w", 1.0, False)) == (remembered.pieces[0], True)
    assert joining_context(config, Context(), Target("w", 1.0, False)) == (None, True)
    assert joining_context(TextConfig(join=False), remembered, Target("w", 1.0, False, tail)) == (None, False)


def test_scratch_that_still_removes_the_remembered_piece() -> None:
    stage = TextStage(TextConfig(spoken_commands=True, trailing_space=False))
    stage.delivered(stage.process("Hello there.", Target("w", 0.0, False, "Before.")))
    assert stage.process("scratch that", Target("w", 1.0, False, "Before. Hello there.")).delivery.backspaces == 13


def test_the_reader_gives_nothing_and_a_reason_when_it_cannot_ask() -> None:
    from swictation_gui.platform.atspi import CaretReader

    reader = CaretReader("unix:path=/nonexistent/bus")
    assert reader.before_caret(1234) is None
    assert reader.reason.startswith("the accessibility bus failed: ")
    assert reader.before_caret(None) is None
    assert reader.reason == "the focused window names no process (_NET_WM_PID)"
