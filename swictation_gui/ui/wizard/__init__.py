"""The first-run setup wizard (model, microphone, hotkey, try it); see :mod:`swictation_gui.ui.wizard.wizard`."""

from swictation_gui.ui.wizard.wizard import HOTKEY, MICROPHONE, MODEL, TRY, SetupWizard

__all__ = ["HOTKEY", "MICROPHONE", "MODEL", "TRY", "SetupWizard"]
