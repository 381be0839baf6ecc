"""The setup wizard's microphone, hotkey and try-it pages; the first two are the Settings dialog's own pages."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWizardPage

from swictation_gui.platform.base import HotkeyMode
from swictation_gui.settings import Settings
from swictation_gui.ui import settings_pages
from swictation_gui.ui.hotkey_edit import pretty
from swictation_gui.ui.microphone_page import MicrophonePage as SettingsMicrophonePage
from swictation_gui.ui.wizard.model_page import wrapped


class MicrophonePage(QWizardPage):
    """The Settings dialog's microphone page (real names, live meter, keep-open). GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("2. Microphone")
        self.page = SettingsMicrophonePage()
        layout = QVBoxLayout(self)
        layout.addWidget(wrapped("Choose the microphone to dictate with and say a few words: the bar moves "
                                 "while it hears you."))
        layout.addWidget(self.page)


class HotkeyPage(QWizardPage):
    """The Settings dialog's hotkey page (capture field, hold or toggle). GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("3. Hotkey")
        self.page = settings_pages.HotkeyPage()
        layout = QVBoxLayout(self)
        layout.addWidget(wrapped("The hotkey works in every application. Keep the default, or press “Record…” "
                                 "and then the keys you want."))
        layout.addWidget(self.page)


def try_instruction(settings: Settings) -> str:
    """What to do on the try-it page with these settings."""
    key = pretty(settings.hotkey)
    if settings.hotkey_mode is HotkeyMode.HOLD:
        return f"Click in the box below, hold {key}, say a sentence, and let go: the words appear in the box."
    return f"Click in the box below, press {key}, say a sentence, and press {key} again: the words appear in the box."


class TryPage(QWizardPage):
    """A box with the focus where the user dictates once, through the normal pipeline. GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("4. Try it")
        self.setFinalPage(True)
        self.instruction = wrapped("", "tryInstruction")
        self.model_state = wrapped("", "tryModelState")
        self.box = QPlainTextEdit()
        self.box.setObjectName("tryBox")
        self.box.setPlaceholderText("Your words will appear here.")
        self.outro = wrapped("Dictation works the same in any window that takes text. The tray icon’s menu has "
                             "Settings, the models and the last transcript.")
        layout = QVBoxLayout(self)
        for widget in (self.instruction, self.model_state, self.box, self.outro):
            layout.addWidget(widget)

    def show_settings(self, settings: Settings) -> None:
        """Describe the hotkey that is now live."""
        self.instruction.setText(try_instruction(settings))

    def set_model_ready(self, ready: bool) -> None:
        """Whether a model serves now (otherwise dictation waits for it)."""
        self.model_state.setText("✔ The model is ready." if ready else
                                 "The model is still loading; dictation starts as soon as it is ready.")

    def initializePage(self) -> None:  # noqa: N802 (Qt override)
        """Give the box the focus, so that dictated text lands in it."""
        self.box.setFocus()
