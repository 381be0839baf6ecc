"""The exception hierarchy: every message is written for the user and says what to do."""


class SwictationError(Exception):
    """Base of all errors this app raises on purpose; ``str()`` is a user-facing message."""


class ModelError(SwictationError):
    """A model folder is missing, incomplete or broken."""


class ModelNotInstalledError(ModelError):
    """A catalogue model that has not been downloaded yet (the normal first state, not a fault)."""


class AudioInputError(SwictationError):
    """Audio handed to a recognizer cannot be used (NaN/Inf, wrong shape, unreadable file)."""


class RecognitionError(SwictationError):
    """The recognizer failed while transcribing."""


class AudioDeviceError(SwictationError):
    """The microphone could not be opened or went away."""


class HotkeyError(SwictationError):
    """The global hotkey could not be parsed or registered."""


class InjectionError(SwictationError):
    """The transcript could not be typed or pasted into the focused window."""


class SettingsError(SwictationError):
    """The settings file could not be read or written."""


class DownloadError(SwictationError):
    """A model download or installation failed."""
