"""The whole text stage: order of stages, joining across dictations, scratch that, Enter and auto-submit."""

from __future__ import annotations

from swictation_gui.text.replacements import Replacement
from swictation_gui.text.stage import Context, Delivery, Target, TextConfig, TextStage, process, shape
from swictation_gui.text.tables import Command


def _run(config: TextConfig, steps: list[tuple[str, Target]]) -> list[tuple[Delivery, str]]:
    stage = TextStage(config)
    out = []
    for raw, target in steps:
        outcome = stage.process(raw, target)
        stage.delivered(outcome)
        out.append((outcome.delivery, outcome.refused))
    return out


def test_stages_run_in_the_documented_order() -> None:
    # replacement makes the near miss, vocabulary fixes it, then the command, then fillers
    config = TextConfig(replacements=(Replacement("cubes", "Cubernetes"),), vocabulary=("Kubernetes",),
                        spoken_commands=True, remove_fillers=True)
    assert shape("um, deploy to cubes period", config) == ("deploy to Kubernetes.", None)
    assert shape("press enter", config) == ("", Command.ENTER)


def test_two_dictations_join_with_one_space_and_the_right_capital() -> None:
    config = TextConfig(trailing_space=False)
    results = _run(config, [("I went to the", Target("w1", 0.0, False)), ("Shop today.", Target("w1", 5.0, False)),
                            ("it was shut.", Target("w1", 9.0, False))])
    assert [d.text for d, _ in results] == ["I went to the", " shop today.", " It was shut."]


def test_a_new_window_a_long_pause_or_a_key_press_starts_fresh() -> None:
    config = TextConfig(trailing_space=False, join_window_s=120)
    results = _run(config, [("First", Target("w1", 0.0)), ("Second", Target("w2", 1.0)),
                            ("Third", Target("w2", 200.0)), ("Fourth", Target("w2", 201.0, True))])
    assert [d.text for d, _ in results] == ["First", "Second", "Third", "Fourth"]


def test_joining_can_be_turned_off() -> None:
    results = _run(TextConfig(join=False), [("One", Target("w", 0.0, False)), ("Two", Target("w", 1.0, False))])
    assert [d.text for d, _ in results] == ["One ", "Two "]


def test_scratch_that_removes_exactly_the_previous_dictation() -> None:
    config = TextConfig(spoken_commands=True)
    w = "w1"
    results = _run(config, [("Hello there.", Target(w, 0.0, False)), ("General Kenobi.", Target(w, 1.0, False)),
                            ("Scratch that.", Target(w, 2.0, False)), ("scratch that", Target(w, 3.0, False)),
                            ("Scratch that.", Target(w, 4.0, False))])
    assert results[1][0] == Delivery(0, "General Kenobi. ")
    assert results[2][0] == Delivery(backspaces=len("General Kenobi. "))
    assert results[3][0] == Delivery(backspaces=len("Hello there. "))
    assert results[4] == (Delivery(), "Nothing to scratch: no dictation was typed into this window.")


def test_scratch_that_refuses_after_a_key_press_or_when_unknown() -> None:
    config = TextConfig(spoken_commands=True)
    context = process("Hello.", config, Context(), Target("w", 0.0, False)).context
    pressed = process("scratch that", config, context, Target("w", 1.0, True))
    unknown = process("scratch that", config, context, Target("w", 1.0, None))
    other = process("scratch that", config, context, Target("other", 1.0, False))
    assert pressed.delivery.empty and "a key was pressed" in pressed.refused
    assert unknown.delivery.empty and "cannot tell" in unknown.refused
    assert other.delivery.empty and "no dictation" in other.refused
    assert pressed.context == context  # a refusal changes nothing


def test_punctuation_after_the_trailing_space_erases_it_then_scratch_restores_nothing_more() -> None:
    config = TextConfig(spoken_commands=True)
    results = _run(config, [("Hello", Target("w", 0.0, False)), ("Period.", Target("w", 1.0, False)),
                            ("Scratch that.", Target("w", 2.0, False)), ("world", Target("w", 3.0, False))])
    assert [d for d, _ in results] == [Delivery(0, "Hello "), Delivery(1, ". "), Delivery(2), Delivery(0, " world ")]


def test_press_enter_and_auto_submit_send_enter_after_the_text_and_start_fresh() -> None:
    config = TextConfig(spoken_commands=True)
    results = _run(config, [("Send it. Press enter.", Target("w", 0.0, False)), ("next", Target("w", 1.0, False))])
    assert results[0][0] == Delivery(0, "Send it.", enter=True)
    assert results[1][0] == Delivery(0, "next ")
    auto = _run(TextConfig(auto_submit=True), [("Hi", Target("w", 0.0)), ("   ", Target("w", 1.0))])
    assert [d for d, _ in auto] == [Delivery(0, "Hi", enter=True), Delivery()]


def test_spoken_commands_off_leaves_command_words() -> None:
    results = _run(TextConfig(), [("Scratch that.", Target("w", 0.0, False))])
    assert results[0][0] == Delivery(0, "Scratch that. ")


def test_a_failed_delivery_is_not_remembered() -> None:
    stage = TextStage(TextConfig(trailing_space=False))
    stage.delivered(stage.process("one", Target("w", 0.0, False)))
    stage.process("two", Target("w", 1.0, False))  # never delivered
    assert stage.process("three", Target("w", 2.0, False)).delivery.text == " three"
    stage.forget()
    assert stage.process("four", Target("w", 3.0, False)).delivery.text == "four"
