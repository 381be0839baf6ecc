"""The Text, Words and General pages edit the text-stage and history settings and show the phrase tables."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from swictation_gui.settings import Settings
from swictation_gui.text.replacements import Replacement
from swictation_gui.text.words import Language
from swictation_gui.ui.settings_dialog import SettingsDialog


def _dialog(qtbot: QtBot, settings: Settings) -> SettingsDialog:
    dialog = SettingsDialog(settings, input_devices=lambda: [], settings_path=Path("/tmp/x/settings.json"))
    qtbot.addWidget(dialog)
    return dialog


def test_text_settings_load_and_come_back_unchanged(qtbot: QtBot) -> None:
    start = Settings(spoken_commands=True, text_language=Language.FR, vocabulary=("Kubernetes", "Siobhan"),
                     replacements=(Replacement("gonna", "going to"), Replacement(r"(\d+) pc", r"\1 %", True)),
                     history_persist=True, history_retention_days=9, join_window_s=40, paste_last_hotkey="f10")
    dialog = _dialog(qtbot, start)
    assert dialog.current_settings() == start
    assert "virgule → ," in dialog.text_page.phrases.text() and "efface ça" in dialog.text_page.phrases.text()


def test_edits_on_the_text_words_and_general_pages_are_emitted(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings())
    dialog.show()
    dialog.show_page("text")
    dialog.text_page.join.click()
    dialog.text_page.join_window.setValue(30)
    dialog.text_page.commands.click()
    dialog.text_page.language.setCurrentIndex(dialog.text_page.language.findData("de"))
    assert "Punkt → ." in dialog.text_page.phrases.text()
    dialog.text_page.fillers.click()
    dialog.text_page.auto_submit.click()
    words = dialog.words_page
    words.vocabulary.setPlainText("Kubernetes\n\n PyTorch \nKubernetes")
    words.threshold.setValue(90)
    words.add_button.click()
    words.table.item(0, 0).setText("gonna")
    words.table.item(0, 1).setText("going to")
    words.add_button.click()
    words.table.item(1, 0).setText("(")
    words.table.item(1, 2).setCheckState(Qt.CheckState.Checked)
    assert "not a valid regular expression" in words.rule_problem.text()
    words.add_button.click()  # an empty row is left out
    dialog.history_page.history_persist.click()
    dialog.history_page.history_size.setValue(20)
    dialog.history_page.paste_key.setText("ctrl+nonsense")
    assert not dialog.history_page.paste_key_error.isHidden() and dialog.history_page.paste_key_error.text()
    dialog.history_page.paste_key.setText("Ctrl + Alt + V")
    assert dialog.history_page.paste_key_error.isHidden()
    with qtbot.waitSignal(dialog.settings_accepted, timeout=2000) as blocker:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert blocker.args == [Settings(
        join_dictations=False, join_window_s=30, spoken_commands=True, text_language=Language.DE,
        remove_fillers=True, auto_submit=True, vocabulary=("Kubernetes", "PyTorch"), vocabulary_threshold=90,
        replacements=(Replacement("gonna", "going to"), Replacement("(", "", regex=True)),
        history_persist=True, history_size=20, paste_last_hotkey="ctrl+alt+v")]


def test_removing_a_selected_replacement(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings(replacements=(Replacement("a", "b"), Replacement("(", "", True))))
    assert dialog.words_page.rule_problem.text()
    dialog.words_page.table.selectRow(1)
    dialog.words_page.remove_button.click()
    assert dialog.current_settings().replacements == (Replacement("a", "b"),)
    assert dialog.words_page.rule_problem.text() == ""
