"""User settings: the schema (defaults and validation), migrations, and the JSON file store."""

from swictation_gui.settings.schema import DEFAULT_HOTKEY, SCHEMA_VERSION, ModelChoice, Settings
from swictation_gui.settings.store import LoadResult, SettingsStore

__all__ = ["DEFAULT_HOTKEY", "SCHEMA_VERSION", "LoadResult", "ModelChoice", "Settings", "SettingsStore"]
