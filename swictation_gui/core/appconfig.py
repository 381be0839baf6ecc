"""The app's configuration: the settings file and this run's command-line overrides, kept apart (pure Python)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from swictation_gui.core.utterance import SessionConfig
from swictation_gui.errors import HotkeyError
from swictation_gui.platform.base import HotkeyMode
from swictation_gui.platform.keys import parse_hotkey
from swictation_gui.settings import ModelChoice, Settings, SettingsStore
from swictation_gui.settings.schema import FIELD_NAMES, LABELS, check_value
from swictation_gui.text.stage import TextConfig


@dataclass(frozen=True)
class LaunchOptions:
    """What the command line asked for (``cli/app_args.py`` builds it from ``swictation-gui [OPTIONS]``).

    Attributes:
        config_path: The settings file (``--config``); None for the user's settings.json.
        overrides: Raw values keyed by :class:`Settings` field name, for this run only (validated by
            :func:`load_config`).
        spelled: How the user wrote each override (``{"pre_roll_ms": "--pre-roll-ms"}``), for error messages.
        engine: Recognition engine ("auto", "sherpa", "onnxruntime").
        device: Where the model runs ("auto", "cpu", "cuda").
        log_json: Write machine-readable events to stderr.
        log_transcripts: Include transcripts in those events.
        check_progressive: Tests: also recognize each progressive dictation in one piece (see ``EventLog``).
    """

    config_path: Path | None = None
    overrides: Mapping[str, object] = field(default_factory=dict)
    spelled: Mapping[str, str] = field(default_factory=dict)
    engine: str = "auto"
    device: str = "auto"
    log_json: bool = False
    log_transcripts: bool = False
    check_progressive: bool = False


@dataclass(frozen=True)
class AppConfig:
    """The settings file's values and this run's overrides, kept apart so overrides are never saved.

    Attributes:
        file_settings: What the settings file holds (and what is written back to it).
        overrides: Validated command-line values keyed by :class:`Settings` field; in effect for this run only.
        store: The settings file.
    """

    file_settings: Settings
    store: SettingsStore
    overrides: Mapping[str, object] = field(default_factory=dict)
    engine: str = "auto"
    device: str = "auto"
    log_json: bool = False
    log_transcripts: bool = False

    @property
    def effective(self) -> Settings:
        """The settings the app runs with: the file's, with this run's overrides on top."""
        return self.file_settings.replace(**self.overrides)

    @property
    def model(self) -> str:
        """The model to load: "gpu", "cpu" or a folder."""
        return model_for(self.effective)

    def with_user_change(self, new_effective: Settings) -> tuple[AppConfig, Settings]:
        """Apply a change the user made in the UI; returns the new config and the settings to save.

        Only the fields that differ from :attr:`effective` are written onto the file's settings; an
        override of a field the user changed gives way to the user's choice, every other override stays
        in effect for this run and never reaches the file. Choosing a custom model folder saves the
        folder with the choice, so the file never says "custom" without one. The new config's
        :attr:`effective` equals ``new_effective``.
        """
        old = self.effective
        changed = {name: getattr(new_effective, name) for name in FIELD_NAMES
                   if getattr(new_effective, name) != getattr(old, name)}
        if new_effective.model is ModelChoice.CUSTOM and changed.keys() & {"model", "custom_model_dir"}:
            changed.update(model=new_effective.model, custom_model_dir=new_effective.custom_model_dir)
        file_settings = self.file_settings.replace(**changed)
        overrides = {name: value for name, value in self.overrides.items() if name not in changed}
        return dataclasses.replace(self, file_settings=file_settings, overrides=overrides), file_settings


def validate_overrides(raw: Mapping[str, object], spelled: Mapping[str, str] | None = None) -> dict[str, object]:
    """``raw`` checked by the same rules as the settings file, but refused instead of repaired.

    Raises:
        ValueError: A value is unusable or out of range; one line naming the option (``spelled``) and why.
    """
    spelled = spelled or {}
    out: dict[str, object] = {}
    for name, value in raw.items():
        try:
            out[name] = check_value(name, value)
        except KeyError:
            raise ValueError(f"{name!r} is not a setting") from None
        except ValueError as exc:
            raise ValueError(f"{spelled.get(name, LABELS[name])}: {exc}") from exc
    return out


def load_config(options: LaunchOptions) -> tuple[AppConfig, list[str]]:
    """Read the settings file and validate the command line's overrides; returns the config and warnings.

    Raises:
        ValueError: An override is unusable (see :func:`validate_overrides`).
    """
    overrides = validate_overrides(options.overrides, options.spelled)
    store = SettingsStore(options.config_path)
    loaded = store.load()
    config = AppConfig(loaded.settings, store, overrides, options.engine, options.device,
                       options.log_json, options.log_transcripts)
    return config, list(loaded.warnings)


def model_for(s: Settings) -> str:
    """The model ``s`` asks for: "gpu", "cpu" or a folder."""
    if s.model == ModelChoice.CUSTOM:
        return s.custom_model_dir or ModelChoice.GPU.value
    return str(s.model.value)


def session_config(s: Settings) -> SessionConfig:
    """The session's tunables from the settings."""
    hold = HotkeyMode(s.hotkey_mode) == HotkeyMode.HOLD
    try:
        modifier_only = parse_hotkey(s.hotkey).is_modifier_only
    except HotkeyError:  # the listener reports an unusable hotkey; the session only needs its shape
        modifier_only = False
    return SessionConfig(min_press_s=s.min_press_ms / 1000, max_record_s=float(s.max_record_seconds),
                         defer_injection_while_recording=hold, trailing_space=False,  # the text stage adds it
                         toggle=not hold, modifier_only_hotkey=modifier_only)


def text_config(s: Settings) -> TextConfig:
    """The text stage's settings."""
    return TextConfig(replacements=s.replacements, vocabulary=s.vocabulary, vocabulary_threshold=s.vocabulary_threshold,
                      spoken_commands=s.spoken_commands, language=s.text_language, remove_fillers=s.remove_fillers,
                      join=s.join_dictations, join_window_s=float(s.join_window_s), trailing_space=s.trailing_space,
                      auto_submit=s.auto_submit)


PARTS = {
    "capture": ("input_device", "pre_roll_ms", "max_record_seconds", "progressive"),
    "hotkey": ("hotkey", "hotkey_mode", "cancel_key", "evdev_hotkey"),
    "injector": ("injection_method",),
    "model": ("model", "custom_model_dir", "cpu_engine"),
}


def changed_parts(old: Settings, new: Settings) -> set[str]:
    """Which parts of the running app must be rebuilt to apply ``new`` ("capture", "hotkey", …)."""
    return {part for part, names in PARTS.items() if any(getattr(old, n) != getattr(new, n) for n in names)}
