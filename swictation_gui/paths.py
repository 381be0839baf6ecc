"""User directories (config, models, cache, logs), following each platform's conventions."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "swictation-gui"

# Tests and power users can relocate every directory at once; the app itself never
# reads any other environment variable for configuration. Only this module reads it.
_HOME_ENV = "SWICTATION_GUI_HOME"


def relocated_home() -> Path | None:
    """The folder ``SWICTATION_GUI_HOME`` moves everything under (tests, relocated installs); None when unset."""
    value = os.environ.get(_HOME_ENV)
    return Path(value) if value else None


def config_dir() -> Path:
    """Directory of the settings file (for example ``~/.config/swictation-gui``)."""
    base = relocated_home()
    return base / "config" if base else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Directory for installed models and other large data."""
    base = relocated_home()
    return base / "data" if base else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def models_dir() -> Path:
    """Where downloaded models are installed, one folder per model."""
    return data_dir() / "models"


def cache_dir() -> Path:
    """Directory for caches that can be deleted at any time (model-check verdicts)."""
    base = relocated_home()
    return base / "cache" if base else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Directory of the rotating log file."""
    base = relocated_home()
    return base / "logs" if base else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def settings_file() -> Path:
    """The settings file used when ``--config`` is not given."""
    return config_dir() / "settings.json"


def history_file() -> Path:
    """The dictation history database, written only when the user turns persistence on."""
    return data_dir() / "history.sqlite3"
