""""I already have the model…" in the first-run dialog with a .tar.bz2 archive (pytest-qt, offscreen)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from swictation_gui.models.catalogue import CPU_MODEL, GPU_MODEL
from swictation_gui.ui import first_run
from swictation_gui.ui.first_run import FirstRunDialog
from tests.fixtures.archives import Archive, corrupt_archive

pytestmark = pytest.mark.timeout(120)
WAIT_MS = 60_000


def make_dialog(qtbot: QtBot, root: Path) -> FirstRunDialog:
    dialog = FirstRunDialog(cuda_available=False, cuda_reason="tests", root=root, specs=[GPU_MODEL, CPU_MODEL])
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_archive_chosen_in_the_menu_is_installed_and_kept(qtbot: QtBot, archives: dict[str, Archive],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(shutil.copyfile(archives["gpu"].path, tmp_path / "mine.tar.bz2"))
    asked: list[str] = []

    def fake_open(_parent: object, _title: str, _dir: str, filters: str) -> tuple[str, str]:
        asked.append(filters)
        return str(path), filters

    monkeypatch.setattr(first_run.QFileDialog, "getOpenFileName", staticmethod(fake_open))
    root = tmp_path / "models"
    dialog = make_dialog(qtbot, root)
    menu = dialog.existing_button.menu()
    assert menu is not None
    actions = {action.text(): action for action in menu.actions()}
    assert set(actions) == {"A model folder…", "A model archive (.tar.bz2)…"}
    with qtbot.waitSignal(dialog.installed, timeout=WAIT_MS) as blocker:
        actions["A model archive (.tar.bz2)…"].trigger()
    assert asked and "*.tar.bz2" in asked[0]
    location = blocker.args[0]
    assert location.folder == root / GPU_MODEL.name and (location.folder / GPU_MODEL.files.encoder).is_file()
    assert path.read_bytes() == archives["gpu"].data
    assert dialog.state == "installed" and any("No published checksum" in w for w in dialog.warnings)


def test_damaged_archive_is_refused_in_the_dialog(qtbot: QtBot, archives: dict[str, Archive], tmp_path: Path) -> None:
    bad = corrupt_archive(archives["cpu"], tmp_path / "bad.tar.bz2").path
    root = tmp_path / "models"
    dialog = make_dialog(qtbot, root)
    with qtbot.waitSignal(dialog.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "failed"):
        dialog.use_archive(bad)
    assert "damaged" in dialog.status_label.text() and "Nothing was installed" in dialog.status_label.text()
    assert dialog.isVisible() and bad.is_file()
    assert not root.exists() or list(root.iterdir()) == []
