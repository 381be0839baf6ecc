"""User directories: ``SWICTATION_GUI_HOME`` relocates all of them, and only ``paths.py`` reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from swictation_gui import paths
from swictation_gui.platform import autostart, ipc

PACKAGE = Path(paths.__file__).resolve().parent


def test_only_paths_reads_the_relocation_variable() -> None:
    readers = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                     if '"SWICTATION_GUI_HOME"' in p.read_text(encoding="utf-8"))
    assert readers == ["paths.py"]


def test_relocation_moves_every_folder_under_one_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWICTATION_GUI_HOME", str(tmp_path))
    assert paths.relocated_home() == tmp_path
    for folder in (paths.config_dir(), paths.models_dir(), paths.cache_dir(), paths.log_dir(),
                   autostart.autostart_dir(), ipc.control_dir()):
        assert folder.is_relative_to(tmp_path)
    monkeypatch.delenv("SWICTATION_GUI_HOME")
    assert paths.relocated_home() is None and not paths.config_dir().is_relative_to(tmp_path)
