"""Settings schema and store: round trips, salvage of bad files, migrations, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from swictation_gui import paths
from swictation_gui.errors import SettingsError
from swictation_gui.platform.base import HotkeyMode, InjectionMethod
from swictation_gui.settings import SCHEMA_VERSION, ModelChoice, Settings, SettingsStore, schema, store
from swictation_gui.settings.schema import CpuEngine
from swictation_gui.text.replacements import Replacement
from swictation_gui.text.words import Language

NON_DEFAULT = Settings(
    model=ModelChoice.CUSTOM,
    custom_model_dir="/opt/models/parakeet ünïcode",
    input_device="USB Mic: Audio (hw:2,0)",
    keep_mic_open=True,
    hotkey="ctrl+alt+space",
    hotkey_mode=HotkeyMode.TOGGLE,
    evdev_hotkey=True,
    injection_method=InjectionMethod.PASTE,
    pre_roll_ms=500,
    tail_ms=0,
    min_press_ms=80,
    max_record_seconds=30,
    sound_cues=False,
    notifications=False,
    start_at_login=True,
    trailing_space=False,
    progressive=False,
    overlay=False,
    cancel_key="f8",
    cpu_engine=CpuEngine.SHERPA,
    text_language=Language.DE,
    join_dictations=False,
    join_window_s=30,
    spoken_commands=True,
    auto_submit=True,
    remove_fillers=True,
    vocabulary=("Kubernetes", "Siobhan Nguyen"),
    vocabulary_threshold=92,
    replacements=(Replacement("gonna", "going to"), Replacement(r"(\d+) pc", r"\1 %", regex=True)),
    history_size=10,
    history_persist=True,
    history_retention_days=7,
    paste_last_hotkey="ctrl+alt+v",
)


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_every_field_differs_from_its_default_in_the_round_trip_fixture() -> None:
    for name in schema.FIELD_NAMES:
        assert getattr(NON_DEFAULT, name) != getattr(schema.DEFAULTS, name), name


def test_every_setting_round_trips_through_the_file() -> None:
    st = SettingsStore()
    st.save(NON_DEFAULT)
    assert st.path == paths.settings_file()
    result = SettingsStore().load()
    assert result.settings == NON_DEFAULT
    assert result.warnings == ()
    assert result.backup is None


def test_file_is_human_readable_json_with_a_version_key(tmp_path: Path) -> None:
    path = tmp_path / "custom" / "s.json"
    SettingsStore(path).save(Settings())
    text = path.read_text(encoding="utf-8")
    assert text.startswith("{\n  \"version\": 3,")
    data = json.loads(text)
    assert data["version"] == SCHEMA_VERSION
    assert data["hotkey"] == "ctrl_r" and data["hotkey_mode"] == "hold" and data["sound_cues"] is True


def test_missing_file_gives_defaults_without_warnings() -> None:
    result = SettingsStore().load()
    assert result.settings == Settings() and result.warnings == () and result.file_version is None


@pytest.mark.parametrize("content", [b"{ not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b""])
def test_corrupt_file_falls_back_to_defaults_and_keeps_a_backup(content: bytes) -> None:
    path = paths.settings_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    result = SettingsStore().load()
    assert result.settings == Settings()
    assert len(result.warnings) == 1 and "damaged" in result.warnings[0]
    assert result.backup is not None and result.backup.name.startswith("settings.json.bad-")
    assert result.backup.read_bytes() == content
    assert str(result.backup) in result.warnings[0]


def test_two_corrupt_loads_keep_two_backups() -> None:
    path = paths.settings_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"{")
    first = SettingsStore().load().backup
    second = SettingsStore().load().backup
    assert first is not None and second is not None and first != second
    assert first.exists() and second.exists()


def test_partly_invalid_file_keeps_valid_fields_and_warns_per_bad_field() -> None:
    _write(paths.settings_file(), {
        "version": 3, "hotkey": "ctrl+shift+d", "tail_ms": "lots", "sound_cues": "maybe",
        "injection_method": "telepathy", "pre_roll_ms": 250, "notifications": False})
    result = SettingsStore().load()
    s = result.settings
    assert (s.hotkey, s.pre_roll_ms, s.notifications) == ("ctrl+shift+d", 250, False)
    assert (s.tail_ms, s.sound_cues, s.injection_method) == (400, True, InjectionMethod.AUTO)
    text = "\n".join(result.warnings)
    assert "Tail" in text and "Sound cues" in text and "Text output method" in text
    assert result.backup is not None and result.backup.name.startswith("settings.json.bad-")
    assert json.loads(result.backup.read_text())["tail_ms"] == "lots"


def test_false_stays_false_and_false_strings_are_not_truthy() -> None:
    _write(paths.settings_file(), {"version": 3, "sound_cues": False, "notifications": "false",
                                   "trailing_space": "False", "start_at_login": 0})
    result = SettingsStore().load()
    assert result.settings.sound_cues is False
    assert result.settings.notifications is False
    assert result.settings.trailing_space is False
    assert result.settings.start_at_login is False
    assert result.warnings == ()
    SettingsStore().save(result.settings)
    data = json.loads(paths.settings_file().read_text())
    assert data["sound_cues"] is False and data["notifications"] is False


def test_numbers_are_type_checked_and_clamped() -> None:
    _write(paths.settings_file(), {"version": 3, "pre_roll_ms": 99999, "tail_ms": -5,
                                   "min_press_ms": True, "max_record_seconds": 60.0})
    result = SettingsStore().load()
    s = result.settings
    assert s.pre_roll_ms == 2000 and s.tail_ms == 0
    assert s.min_press_ms == 150  # a bool is not a number
    assert s.max_record_seconds == 60
    text = "\n".join(result.warnings)
    assert "99999" in text and "-5" in text and "Minimum press" in text


def test_custom_model_without_folder_falls_back_with_a_warning() -> None:
    _write(paths.settings_file(), {"version": 3, "model": "custom"})
    result = SettingsStore().load()
    assert result.settings.model is ModelChoice.GPU
    assert any("custom" in w for w in result.warnings)


def test_hotkey_is_normalized_and_garbage_rejected() -> None:
    assert schema.normalize_hotkey(" Ctrl + Alt + Space ") == "ctrl+alt+space"
    with pytest.raises(ValueError):
        schema.normalize_hotkey("ctrl++")
    assert schema.normalize_hotkey("cmd+Shift+F12") == "shift+super+f12"
    settings, warnings = schema.from_dict({"hotkey": 42})
    assert settings.hotkey == "ctrl_r" and warnings
    settings, warnings = schema.from_dict({"hotkey": "ctrl+banana"})
    assert settings.hotkey == "ctrl_r" and "banana" in warnings[0]


def test_unknown_keys_are_reported_and_preserved() -> None:
    _write(paths.settings_file(), {"version": 3, "hotkee": "f9", "tail_ms": 200})
    st = SettingsStore()
    result = st.load()
    assert result.settings.tail_ms == 200
    assert any("hotkee" in w for w in result.warnings)
    st.save(result.settings.replace(tail_ms=300))
    data = json.loads(paths.settings_file().read_text())
    assert data["hotkee"] == "f9" and data["tail_ms"] == 300


def test_version_1_layout_is_migrated_backed_up_and_rewritten() -> None:
    v1 = {"version": 1, "model_dir": "/srv/parakeet", "device": "Blue Yeti", "paste_mode": True,
          "push_to_talk": False, "sound_feedback": False, "hotkey": "f9"}
    _write(paths.settings_file(), v1)
    result = SettingsStore().load()
    s = result.settings
    assert s.model is ModelChoice.CUSTOM and s.custom_model_dir == "/srv/parakeet"
    assert s.input_device == "Blue Yeti"
    assert s.injection_method is InjectionMethod.PASTE
    assert s.hotkey_mode is HotkeyMode.TOGGLE
    assert s.sound_cues is False and s.hotkey == "f9"
    assert result.warnings == () and result.file_version == 1
    assert result.backup is not None and result.backup.name == "settings.json.v1.bak"
    assert json.loads(result.backup.read_text()) == v1
    on_disk = json.loads(paths.settings_file().read_text())
    assert on_disk["version"] == SCHEMA_VERSION and "paste_mode" not in on_disk
    assert on_disk["injection_method"] == "paste"


@pytest.mark.parametrize(("stored", "loaded"), [(150, 400), (600, 600), (100, 100)])
def test_version_2_fixed_tail_becomes_the_adaptive_tail_limit(stored: int, loaded: int) -> None:
    """The old default fixed tail (150 ms) becomes the new default limit (400 ms); a chosen value is kept."""
    _write(paths.settings_file(), {"version": 2, "tail_ms": stored, "hotkey": "f9"})
    result = SettingsStore().load()
    assert (result.settings.tail_ms, result.settings.hotkey, result.file_version) == (loaded, "f9", 2)
    assert result.settings.progressive is True
    assert json.loads(paths.settings_file().read_text())["tail_ms"] == loaded


def test_file_without_version_is_treated_as_version_1() -> None:
    _write(paths.settings_file(), {"paste_mode": False, "push_to_talk": True})
    s = SettingsStore().load().settings
    assert s.injection_method is InjectionMethod.AUTO and s.hotkey_mode is HotkeyMode.HOLD


def test_newer_file_is_not_overwritten_silently() -> None:
    newer = {"version": 9, "hotkey": "f8", "future_thing": {"a": 1}}
    _write(paths.settings_file(), newer)
    st = SettingsStore()
    result = st.load()
    assert result.settings.hotkey == "f8"
    assert len(result.warnings) == 1 and "newer version" in result.warnings[0]
    assert json.loads(paths.settings_file().read_text()) == newer  # loading did not touch it
    st.save(result.settings)
    kept = paths.settings_file().with_name("settings.json.v9.bak")
    assert json.loads(kept.read_text()) == newer
    data = json.loads(paths.settings_file().read_text())
    assert data["version"] == SCHEMA_VERSION and data["future_thing"] == {"a": 1}


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "settings.json"
    st = SettingsStore(path)
    st.save(Settings(tail_ms=111))

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "replace", broken_replace)
    with pytest.raises(SettingsError, match="No space left"):
        st.save(Settings(tail_ms=222))
    monkeypatch.undo()
    assert SettingsStore(path).load().settings.tail_ms == 111
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]  # no temp file left


def test_unreadable_folder_gives_a_settings_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SettingsError, match="Cannot save settings"):
        SettingsStore(blocker / "settings.json").save(Settings())


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_warns(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{}")
    path.chmod(0)
    result = SettingsStore(path).load()
    assert result.settings == Settings() and result.warnings


def test_cancel_key_is_normalized_can_be_off_and_garbage_is_rejected() -> None:
    for raw, expected in (("Escape", "esc"), ("F8", "f8"), ("", None), ("off", None), (None, None)):
        settings, warnings = schema.from_dict({"cancel_key": raw})
        assert (settings.cancel_key, warnings) == (expected, []), raw
    for raw in ("ctrl+esc", "ctrl_r", "esc+f8", "nope", 5):
        settings, warnings = schema.from_dict({"cancel_key": raw})
        assert settings.cancel_key == "esc", raw
        assert len(warnings) == 1 and warnings[0].startswith("Cancel key:"), (raw, warnings)


def test_a_cancel_key_inside_the_hotkey_is_turned_off_and_a_chosen_one_is_reported() -> None:
    settings, warnings = schema.from_dict({"hotkey": "ctrl+esc"})  # the default cancel key just stands aside
    assert (settings.hotkey, settings.cancel_key, warnings) == ("ctrl+esc", None, [])
    settings, warnings = schema.from_dict({"hotkey": "f8", "cancel_key": "F8"})
    assert settings.cancel_key is None
    assert warnings == ["Cancel key: The cancel key F8 is part of the hotkey F8; choose another cancel key or another "
                        "hotkey; no cancel key is used."]
    settings, warnings = schema.from_dict({"hotkey": "ctrl+esc", "cancel_key": "f8"})
    assert (settings.cancel_key, warnings) == ("f8", [])


def test_list_settings_keep_good_items_and_warn_about_bad_ones() -> None:
    settings, warnings = schema.from_dict({
        "vocabulary": ["Kubernetes", 3, "", "Kubernetes", " PyTorch "],
        "replacements": [{"pattern": "gonna", "replacement": "going to"}, {"pattern": ""}, "x",
                         {"pattern": "(", "replacement": "", "regex": True}],
    })
    assert settings.vocabulary == ("Kubernetes", "PyTorch")
    assert settings.replacements == (Replacement("gonna", "going to"), Replacement("(", "", regex=True))
    assert warnings == [
        "Vocabulary: 3 is not a word or phrase; it was left out.",
        "Vocabulary: '' is not a word or phrase; it was left out.",
        "Replacements: {'pattern': ''} is not a replacement (pattern, replacement, regex); it was left out.",
        "Replacements: 'x' is not a replacement (pattern, replacement, regex); it was left out.",
        "Replacements: '(' is not a valid regular expression: missing ), unterminated subpattern at position 0; "
        "the rule is kept but skipped until it is corrected.",
    ]


def test_a_list_setting_that_is_not_a_list_takes_the_default_with_a_warning() -> None:
    settings, warnings = schema.from_dict({"vocabulary": "Kubernetes", "text_language": "klingon"})
    assert settings.vocabulary == () and settings.text_language == Language.EN
    assert warnings == ["Language of commands: 'klingon' is not one of: en, de, fr, es; using the default ('en').",
                        "Vocabulary: 'Kubernetes' is not a list of words; using the default (empty)."]


def test_paste_last_hotkey_is_normalized_or_off() -> None:
    for raw, expected in (("Ctrl + Alt + V", "ctrl+alt+v"), ("", None), (None, None)):
        settings, warnings = schema.from_dict({"paste_last_hotkey": raw})
        assert (settings.paste_last_hotkey, warnings) == (expected, [])
    settings, warnings = schema.from_dict({"paste_last_hotkey": "ctrl+nonsense"})
    assert settings.paste_last_hotkey is None and warnings[0].startswith("Paste last dictation hotkey: ")
