"""swictation-gui: push-to-talk dictation with local Parakeet-TDT recognition."""

__version__ = "0.1.0"
