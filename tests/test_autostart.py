"""Start at login: the XDG autostart entry is written and removed, in the right folder."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from swictation_gui.errors import SettingsError
from swictation_gui.platform import autostart


def _parse(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_entry_written_and_removed_honouring_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWICTATION_GUI_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert not autostart.is_enabled()
    path = autostart.set_enabled(True, ["/opt/my apps/swictation-gui"])
    assert path == tmp_path / "xdg" / "autostart" / "swictation-gui.desktop"
    entry = _parse(path)
    assert entry["Type"] == "Application" and entry["Name"] == "Swictation"
    assert entry["Exec"] == '"/opt/my apps/swictation-gui"'
    assert Path(entry["Icon"]).is_file()
    assert autostart.is_enabled()
    autostart.set_enabled(True)  # idempotent, and rewrites with the real launch command
    assert _parse(path)["Exec"]
    autostart.set_enabled(False)
    assert not path.exists() and not autostart.is_enabled()
    autostart.set_enabled(False)  # idempotent


def test_default_is_dot_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWICTATION_GUI_HOME")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert autostart.entry_path() == tmp_path / ".config" / "autostart" / "swictation-gui.desktop"


def test_relocated_home_keeps_tests_away_from_the_real_config(isolated_home: Path) -> None:
    assert autostart.entry_path().is_relative_to(isolated_home)


def test_exec_quoting() -> None:
    text = autostart.entry_text(["/usr/bin/python3", "-m", "swictation_gui", "50%", 'a"b'])
    line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert line == 'Exec=/usr/bin/python3 -m swictation_gui 50%% "a\\"b"'


def test_unwritable_folder_raises_a_settings_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("SWICTATION_GUI_HOME", str(blocker))
    with pytest.raises(SettingsError, match="start-at-login"):
        autostart.set_enabled(True)


def test_packaged_desktop_file_is_valid() -> None:
    path = Path(__file__).resolve().parents[1] / "packaging" / "swictation-gui.desktop"
    entry = _parse(path)
    assert entry["Exec"] == "swictation-gui" and entry["Icon"] == "swictation-gui"
    assert (path.parent / "swictation-gui.svg").is_file()
