"""Settings pages Text (joining, spoken commands, fillers), Words (vocabulary, replacements) and History."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from swictation_gui.settings.schema import Settings, normalize_hotkey
from swictation_gui.text.replacements import Replacement, check_regex
from swictation_gui.text.tables import COMMANDS, PUNCTUATION
from swictation_gui.text.words import Language
from swictation_gui.ui.settings_pages import _spin

LANGUAGE_NAMES = {Language.EN: "English", Language.DE: "Deutsch", Language.FR: "Français", Language.ES: "Español"}
_SHOWN = {"\n": "↵", "\n\n": "↵↵", "«\u00a0": "«", "\u00a0»": "»"}


def phrase_summary(language: Language) -> str:
    """The language's phrases as one line each for punctuation and commands (shown under the checkbox)."""
    marks = "  ·  ".join(f"{p} → {_SHOWN.get(s, s)}" for p, s in PUNCTUATION[language].items())
    commands = ", ".join(f"“{p}”" for p in COMMANDS[language])
    return f"{marks}.\nCommands: {commands}. A phrase counts only alone or at the end of a dictation."


def _check(name: str, text: str) -> QCheckBox:
    box = QCheckBox(text)
    box.setObjectName(name)
    return box


class TextPage(QWidget):
    """Edits the text stage's settings; ``load``/``store`` like the other pages."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)

        joining = QGroupBox("Joining dictations")
        form = QFormLayout(joining)
        self.join = _check("join_dictations", "Continue the previous dictation in the same window "
                                              "(one space, no sentence capital mid-sentence)")
        self.join.setToolTip("Where the application shares its text over the accessibility bus (AT-SPI), the real "
                             "text before the cursor decides the space and the capital, in any window and after "
                             "any pause.")
        form.addRow(self.join)
        self.join_window = _spin("join_window_s", " s", 10)
        form.addRow("Continue when dictating again within:", self.join_window)
        layout.addWidget(joining)

        spoken = QGroupBox("Spoken punctuation and commands")
        form = QFormLayout(spoken)
        self.commands = _check("spoken_commands", "Turn spoken punctuation and commands into symbols and keys")
        form.addRow(self.commands)
        self.language = QComboBox()
        self.language.setObjectName("text_language")
        for lang, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, lang.value)
        form.addRow("Language:", self.language)
        self.phrases = QLabel()
        self.phrases.setObjectName("phrases")
        self.phrases.setWordWrap(True)
        self.phrases.setStyleSheet("color: palette(placeholder-text);")
        form.addRow(self.phrases)
        self.fillers = _check("remove_fillers", "Remove filler words (um, uh, ähm, euh, eh)")
        form.addRow(self.fillers)
        self.auto_submit = _check("auto_submit", "Press Enter after every dictation (chat applications)")
        form.addRow(self.auto_submit)
        self.language.currentIndexChanged.connect(self._show_phrases)
        layout.addWidget(spoken)

        layout.addStretch(1)

    def _show_phrases(self) -> None:
        self.phrases.setText(phrase_summary(Language(self.language.currentData())))

    def load(self, settings: Settings) -> None:
        """Show ``settings``."""
        self.join.setChecked(settings.join_dictations)
        self.join_window.setValue(settings.join_window_s)
        self.commands.setChecked(settings.spoken_commands)
        self.language.setCurrentIndex(max(self.language.findData(settings.text_language.value), 0))
        self._show_phrases()
        self.fillers.setChecked(settings.remove_fillers)
        self.auto_submit.setChecked(settings.auto_submit)

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        return settings.replace(
            join_dictations=self.join.isChecked(), join_window_s=self.join_window.value(),
            spoken_commands=self.commands.isChecked(), text_language=Language(self.language.currentData()),
            remove_fillers=self.fillers.isChecked(), auto_submit=self.auto_submit.isChecked())


class WordsPage(QWidget):
    """Edits the personal vocabulary and the replacements; ``load``/``store`` like the other pages."""

    def __init__(self) -> None:
        super().__init__()
        box = QVBoxLayout(self)
        box.addWidget(QLabel("Names and terms, one per line; near misses are corrected to them:"))
        self.vocabulary = QPlainTextEdit()
        self.vocabulary.setObjectName("vocabulary")
        self.vocabulary.setPlaceholderText("Kubernetes\nSiobhan Nguyen")
        self.vocabulary.setTabChangesFocus(True)
        line = self.vocabulary.fontMetrics().lineSpacing()
        self.vocabulary.setMinimumHeight(line * 5 + 12)
        box.addWidget(self.vocabulary)
        row = QHBoxLayout()
        row.addWidget(QLabel("Correct a near miss when it is at least this alike:"))
        self.threshold = _spin("vocabulary_threshold", " %", 1)
        row.addWidget(self.threshold)
        row.addStretch(1)
        box.addLayout(row)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("replacements")
        self.table.setHorizontalHeaderLabels(["Replace", "With", "Regex"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._check_rules)
        row_height = self.table.verticalHeader().defaultSectionSize()
        self.table.setMinimumHeight(row_height * 4 + self.table.horizontalHeader().sizeHint().height() + 4)
        box.addWidget(self.table)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add replacement")
        self.add_button.clicked.connect(lambda: self._add_row(Replacement("", "")))
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.clicked.connect(self._remove_rows)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.rule_problem = QLabel()
        self.rule_problem.setObjectName("rule_problem")
        self.rule_problem.setWordWrap(True)
        self.rule_problem.setStyleSheet("color: #c62828;")
        box.addWidget(self.rule_problem)

    def _add_row(self, rule: Replacement) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(rule.pattern))
        self.table.setItem(row, 1, QTableWidgetItem(rule.replacement))
        regex = QTableWidgetItem()
        regex.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        regex.setCheckState(Qt.CheckState.Checked if rule.regex else Qt.CheckState.Unchecked)
        self.table.setItem(row, 2, regex)

    def _remove_rows(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self._check_rules()

    def rules(self) -> tuple[Replacement, ...]:
        """The replacements as edited; rows without a pattern are left out."""
        out: list[Replacement] = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, col) for col in range(3)]
            pattern = cells[0].text() if cells[0] else ""
            if not pattern.strip():
                continue
            regex = cells[2] is not None and cells[2].checkState() == Qt.CheckState.Checked
            out.append(Replacement(pattern, cells[1].text() if cells[1] else "", regex))
        return tuple(out)

    def _check_rules(self) -> None:
        problems = [why for rule in self.rules() if rule.regex and (why := check_regex(rule.pattern))]
        self.rule_problem.setText("; ".join(problems) + (" — skipped until corrected." if problems else ""))

    def load(self, settings: Settings) -> None:
        """Show ``settings``."""
        self.vocabulary.setPlainText("\n".join(settings.vocabulary))
        self.threshold.setValue(settings.vocabulary_threshold)
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for rule in settings.replacements:
            self._add_row(rule)
        self.table.blockSignals(False)
        self._check_rules()

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values."""
        words = [line.strip() for line in self.vocabulary.toPlainText().splitlines() if line.strip()]
        return settings.replace(vocabulary=tuple(dict.fromkeys(words)), vocabulary_threshold=self.threshold.value(),
                                replacements=self.rules())


class HistoryPage(QWidget):
    """The history's size and persistence, and the paste-last hotkey; ``load``/``store`` like the other pages."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.history_size = _spin("history_size", " dictations", 10)
        form.addRow("Keep the last:", self.history_size)
        self.history_persist = _check("history_persist", "Keep the history across restarts "
                                                         "(a private file in the data folder)")
        form.addRow(self.history_persist)
        self.history_days = _spin("history_retention_days", " days", 1)
        form.addRow("Delete entries from the file after:", self.history_days)
        self.history_persist.toggled.connect(self.history_days.setEnabled)
        self.paste_key = QLineEdit()
        self.paste_key.setObjectName("paste_last_hotkey")
        self.paste_key.setPlaceholderText("no key (e.g. ctrl+alt+v)")
        self.paste_key.setMaximumWidth(220)
        form.addRow("Paste the last dictation with:", self.paste_key)
        self.paste_key_error = QLabel()
        self.paste_key_error.setObjectName("pasteKeyError")
        self.paste_key_error.setWordWrap(True)
        self.paste_key_error.setStyleSheet("color: #c62828;")
        self.paste_key_error.hide()
        form.addRow(self.paste_key_error)
        self.paste_key.textChanged.connect(self._check_paste_key)
        layout.addLayout(form)
        layout.addWidget(_note_label("Tray → History… lists the dictations: search, copy, insert again, delete, "
                                     "clear all. The file is readable by you only; Clear all erases the entries "
                                     "from it too. Nothing of the text is written to the log."))
        layout.addStretch(1)

    def _paste_key(self) -> tuple[str | None, str]:
        """The paste-last hotkey as typed, normalised, and why it cannot be used ("" when it can)."""
        text = self.paste_key.text().strip()
        if not text:
            return None, ""
        try:
            return normalize_hotkey(text), ""
        except ValueError as exc:
            return None, str(exc)

    def _check_paste_key(self) -> None:
        error = self._paste_key()[1]
        self.paste_key_error.setText(error)
        self.paste_key_error.setVisible(bool(error))

    def load(self, settings: Settings) -> None:
        """Show ``settings``."""
        self.history_size.setValue(settings.history_size)
        self.history_persist.setChecked(settings.history_persist)
        self.history_days.setValue(settings.history_retention_days)
        self.history_days.setEnabled(settings.history_persist)
        self.paste_key.setText(settings.paste_last_hotkey or "")

    def store(self, settings: Settings) -> Settings:
        """``settings`` with this page's values; an unusable paste key keeps the one ``settings`` has."""
        key, error = self._paste_key()
        return settings.replace(history_size=self.history_size.value(),
                                history_persist=self.history_persist.isChecked(),
                                history_retention_days=self.history_days.value(),
                                paste_last_hotkey=settings.paste_last_hotkey if error else key)


def _note_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label
