"""The settings schema: one frozen dataclass with every default, and typed coercion of stored values.

Pure Python (no Qt, no file access): ``store.py`` reads and writes the JSON file, ``migrations.py``
upgrades old layouts, and this module turns a plain ``dict`` into a valid :class:`Settings`, field
by field, collecting a user-facing warning for every value it had to replace or clamp.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from swictation_gui.errors import HotkeyError
from swictation_gui.platform import keys
from swictation_gui.platform.base import HotkeyMode, InjectionMethod
from swictation_gui.settings import lists
from swictation_gui.text.replacements import Replacement
from swictation_gui.text.vocabulary import DEFAULT_THRESHOLD
from swictation_gui.text.words import Language

SCHEMA_VERSION = 3
"""Version written to the file's ``version`` key; bump it together with a new migration."""


class ModelChoice(enum.StrEnum):
    """Which model the app loads: a catalogue key ("gpu"/"cpu") or a folder chosen by the user."""

    GPU = "gpu"
    CPU = "cpu"
    CUSTOM = "custom"


class CpuEngine(enum.StrEnum):
    """Which engine runs a model on the CPU."""

    AUTO = "auto"
    SHERPA = "sherpa"
    ONNXRUNTIME = "onnxruntime"


# The default hotkey is the right Ctrl key pressed alone. It is one key (easy to hold while
# speaking), it types no character, almost no application binds it on its own, it exists on
# nearly every keyboard, and the hotkey backends tell it apart from the left Ctrl. A
# shortcut that merely starts with it (ctrl_r+c) cancels the dictation instead of recording.
DEFAULT_HOTKEY = "ctrl_r"


@dataclass(frozen=True)
class Settings:
    """Every user setting with its default. This class is the only place a default is written.

    Attributes:
        model: Which model to load ("gpu": Parakeet-TDT 110M fp32 on CUDA, "cpu": 0.6B v3 int8).
        custom_model_dir: The folder used when ``model`` is "custom".
        input_device: The microphone: None for the system default, "pulse:<source name>" for a PulseAudio/PipeWire
            source, or (without PulseAudio) part of a PortAudio device name. See ``audio/sources.py``.
        keep_mic_open: Keep the microphone stream open while idle (instant start with pre-roll); by default it is
            opened at each key press and closed shortly after the recording.
        hotkey: Push-to-talk key or combination, canonical ``platform.keys`` form ("ctrl_r", "ctrl+alt+space").
        hotkey_mode: Hold to talk, or press once to start and again to stop.
        evdev_hotkey: On Wayland, read the hotkey from the keyboard devices (/dev/input, needs the input group); it
            reads every key typed, so it is off unless the user turns it on.
        injection_method: How text reaches the focused window (auto, type, paste).
        pre_roll_ms: Audio kept from before the key went down, so the first syllable is not cut (only while the
            microphone is open before the press: with ``keep_mic_open``, or within a moment of the last recording).
        tail_ms: The longest tail: after key-up, recording goes on only while a word is still being spoken, at most
            this long (after silence it stops at once; see ``audio/take.py``).
        progressive: Recognize completed stretches of speech while the key is held, so only the last one is left
            at key-up (``recognition/progressive.py``); off: the whole recording is recognized after key-up.
        min_press_ms: Presses shorter than this are ignored (accidental taps).
        max_record_seconds: A recording stops by itself after this long.
        sound_cues: Play a short sound when recording starts and stops.
        notifications: Show tray notifications for information and warnings; errors are always shown.
        start_at_login: Start the app when the user logs in (XDG autostart entry).
        trailing_space: Add a space after each transcript so consecutive dictations do not run together.
        overlay: Show a small always-on-top indicator (state, level, elapsed time) while recording and transcribing.
        cancel_key: A key that cancels the recording, grabbed only while recording ("esc"); None for none.
        cpu_engine: Engine for a model on the CPU: "auto" (ours where its self-test shows the same
            transcripts as sherpa-onnx and more speed), "sherpa" (the reference) or "onnxruntime" (ours).
        text_language: Language of the spoken commands and fillers (en, de, fr, es).
        join_dictations: Continue the text of the previous dictation into the same window (spacing, capitals);
            where the application reports the text before its caret (AT-SPI), continue that text instead.
        join_window_s: How long after a dictation the next one into the same window still continues it.
        spoken_commands: Spoken punctuation and commands ("period", "scratch that", "press enter").
        auto_submit: Press Enter after every dictation (chat applications).
        remove_fillers: Remove filler words (um, uh, ähm, euh, eh).
        vocabulary: Words and phrases near misses are corrected to.
        vocabulary_threshold: How alike (0–100) a near miss must be to a vocabulary entry to be corrected.
        replacements: Plain or regex replacements, applied in order before everything else.
        history_size: How many dictations the history keeps in memory.
        history_persist: Keep the history across restarts in a private file in the data folder.
        history_retention_days: Entries older than this are deleted from the history file.
        paste_last_hotkey: A global key or combination that types the last dictation again; None for none.
    """

    model: ModelChoice = ModelChoice.GPU
    custom_model_dir: str | None = None
    input_device: str | None = None
    keep_mic_open: bool = False
    hotkey: str = DEFAULT_HOTKEY
    hotkey_mode: HotkeyMode = HotkeyMode.HOLD
    evdev_hotkey: bool = False
    injection_method: InjectionMethod = InjectionMethod.AUTO
    pre_roll_ms: int = 300
    tail_ms: int = 400
    min_press_ms: int = 150
    max_record_seconds: int = 120
    sound_cues: bool = True
    notifications: bool = True
    start_at_login: bool = False
    trailing_space: bool = True
    progressive: bool = True
    overlay: bool = True
    cancel_key: str | None = "esc"
    cpu_engine: CpuEngine = CpuEngine.AUTO
    text_language: Language = Language.EN
    join_dictations: bool = True
    join_window_s: int = 120
    spoken_commands: bool = False
    auto_submit: bool = False
    remove_fillers: bool = False
    vocabulary: tuple[str, ...] = ()
    vocabulary_threshold: int = DEFAULT_THRESHOLD
    replacements: tuple[Replacement, ...] = ()
    history_size: int = 50
    history_persist: bool = False
    history_retention_days: int = 30
    paste_last_hotkey: str | None = None

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (values are not validated: use :func:`from_dict` for that)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values in field order (enums as their string values)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = [dataclasses.asdict(v) if isinstance(v, Replacement) else v for v in value]
            out[f.name] = value
        return out


INT_RANGES: dict[str, tuple[int, int]] = {
    "pre_roll_ms": (0, 2000),
    "tail_ms": (0, 2000),
    "min_press_ms": (0, 2000),
    "max_record_seconds": (5, 3600),
    "join_window_s": (0, 3600),
    "vocabulary_threshold": (50, 100),
    "history_size": (1, 1000),
    "history_retention_days": (1, 3650),
}
"""Inclusive limits of each integer setting; values outside are clamped with a warning."""

LABELS: dict[str, str] = {
    "model": "Model",
    "custom_model_dir": "Custom model folder",
    "input_device": "Microphone",
    "keep_mic_open": "Keep the microphone open",
    "hotkey": "Hotkey",
    "evdev_hotkey": "Read the keyboards directly (evdev)",
    "hotkey_mode": "Hotkey mode",
    "injection_method": "Text output method",
    "pre_roll_ms": "Pre-roll",
    "tail_ms": "Tail",
    "progressive": "Recognize while speaking",
    "min_press_ms": "Minimum press",
    "max_record_seconds": "Maximum recording length",
    "sound_cues": "Sound cues",
    "notifications": "Notifications",
    "start_at_login": "Start at login",
    "trailing_space": "Trailing space",
    "overlay": "Recording indicator",
    "cancel_key": "Cancel key",
    "cpu_engine": "CPU engine",
    "text_language": "Language of commands",
    "join_dictations": "Join dictations",
    "join_window_s": "Join within",
    "spoken_commands": "Spoken punctuation and commands",
    "auto_submit": "Press Enter after each dictation",
    "remove_fillers": "Remove fillers",
    "vocabulary": "Vocabulary",
    "vocabulary_threshold": "Vocabulary match",
    "replacements": "Replacements",
    "history_size": "History size",
    "history_persist": "Keep history across restarts",
    "history_retention_days": "Keep history for",
    "paste_last_hotkey": "Paste last dictation hotkey",
}
"""Names used in user-facing warnings (the settings dialog uses the same words)."""

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings))
DEFAULTS = Settings()

_TRUE_STRINGS = {"true", "yes", "on", "1"}
_FALSE_STRINGS = {"false", "no", "off", "0"}


class _InvalidValueError(ValueError):
    """A stored value that cannot be used; ``str()`` says why, in words for the user."""


_show = lists.show


def _coerce_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE_STRINGS:
            return True
        if lowered in _FALSE_STRINGS:
            return False
    raise _InvalidValueError(f"{_show(value)} is not true or false")


def _coerce_int(value: object) -> int:
    if isinstance(value, bool):
        raise _InvalidValueError(f"{_show(value)} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _InvalidValueError(f"{_show(value)} is not a whole number")


def _coerce_optional_str(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    raise _InvalidValueError(f"{_show(value)} is not text")


def _coerce_enum(value: object, kind: type[enum.StrEnum]) -> enum.StrEnum:
    if isinstance(value, str):
        try:
            return kind(value.strip().lower())
        except ValueError:
            pass
    choices = ", ".join(member.value for member in kind)
    raise _InvalidValueError(f"{_show(value)} is not one of: {choices}")


def normalize_hotkey(value: str) -> str:
    """``value`` in canonical form ("Ctrl + Alt + Space" becomes "ctrl+alt+space", "cmd" becomes "super").

    Raises:
        ValueError: ``value`` is not a usable key or key combination (the message says why).
    """
    try:
        return keys.format_hotkey(keys.parse_hotkey(value))
    except HotkeyError as exc:
        raise ValueError(str(exc)) from None


def _coerce_hotkey(value: object) -> str:
    if not isinstance(value, str):
        raise _InvalidValueError(f"{_show(value)} is not a key name")
    try:
        return normalize_hotkey(value)
    except ValueError as exc:
        raise _InvalidValueError(str(exc).rstrip(".")) from None


def _coerce_cancel_key(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _InvalidValueError(f"{_show(value)} is not a key name")
    try:
        return keys.parse_cancel_key(value)
    except HotkeyError as exc:
        raise _InvalidValueError(str(exc).rstrip(".")) from None


def cancel_key_problem(settings: Settings) -> str | None:
    """Why ``settings.cancel_key`` cannot go with ``settings.hotkey`` (one of its keys); None when they fit."""
    try:
        return keys.cancel_key_conflict(keys.parse_hotkey(settings.hotkey), settings.cancel_key)
    except HotkeyError:
        return None


_LIST_FIELDS = {"vocabulary": lists.coerce_words, "replacements": lists.coerce_replacements}


def _coerce_field(name: str, value: object) -> object:
    default = getattr(DEFAULTS, name)
    if name in _LIST_FIELDS:
        try:
            coerced, problems = _LIST_FIELDS[name](value)
        except ValueError as exc:
            raise _InvalidValueError(str(exc)) from None
        if problems:
            raise _InvalidValueError(problems[0])
        return coerced
    if name == "hotkey":
        return _coerce_hotkey(value)
    if name == "cancel_key":
        return _coerce_cancel_key(value)
    if name == "paste_last_hotkey":
        return None if value is None or (isinstance(value, str) and not value.strip()) else _coerce_hotkey(value)
    if isinstance(default, enum.StrEnum):
        return _coerce_enum(value, type(default))
    if isinstance(default, bool):
        return _coerce_bool(value)
    if isinstance(default, int):
        return _coerce_int(value)
    return _coerce_optional_str(value)


def check_value(name: str, value: object) -> object:
    """``value`` as a valid value of setting ``name``, by the same rules as the file but without clamping.

    Used for values that must be right as given (command-line overrides).

    Raises:
        KeyError: ``name`` is not a setting.
        ValueError: ``value`` cannot be used or is out of range (the message says why, in words for the user).
    """
    if name not in FIELD_NAMES:
        raise KeyError(name)
    value = _coerce_field(name, value)
    if name in INT_RANGES and isinstance(value, int):
        low, high = INT_RANGES[name]
        if not low <= value <= high:
            raise _InvalidValueError(f"{value} is outside {low}–{high}")
    return value


def from_dict(data: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    """Build :class:`Settings` from stored values, field by field.

    A missing key takes its default silently. An unusable value takes its default and adds a
    warning; an out-of-range number is clamped and adds a warning. Keys this schema does not know
    are ignored here (the store keeps them in the file and reports them).

    Returns:
        The settings and the user-facing warnings, in field order.
    """
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for name in FIELD_NAMES:
        if name not in data:
            continue
        label = LABELS[name]
        if name in _LIST_FIELDS:
            try:
                coerced, problems = _LIST_FIELDS[name](data[name])
            except ValueError as exc:
                warnings.append(f"{label}: {exc}; using the default (empty).")
                continue
            values[name] = coerced
            warnings += [f"{label}: {problem}." for problem in problems]
            continue
        try:
            value = _coerce_field(name, data[name])
        except _InvalidValueError as exc:
            default = getattr(DEFAULTS, name)
            shown = default.value if isinstance(default, enum.Enum) else default
            warnings.append(f"{label}: {exc}; using the default ({shown!r}).")
            continue
        if name in INT_RANGES and isinstance(value, int):
            low, high = INT_RANGES[name]
            clamped = min(max(value, low), high)
            if clamped != value:
                warnings.append(f"{label}: {value} is outside {low}–{high}; using {clamped}.")
                value = clamped
        values[name] = value
    settings = Settings(**values)
    if settings.model is ModelChoice.CUSTOM and not settings.custom_model_dir:
        warnings.append(f"{LABELS['model']}: 'custom' needs a model folder and none is set; "
                        f"using the default ({DEFAULTS.model.value!r}).")
        settings = settings.replace(model=DEFAULTS.model)
    problem = cancel_key_problem(settings)
    if problem:  # only a cancel key the user chose is worth a warning; the default one just stands aside
        if "cancel_key" in data:
            warnings.append(f"{LABELS['cancel_key']}: {problem.rstrip('.')}; no cancel key is used.")
        settings = settings.replace(cancel_key=None)
    return settings, warnings
