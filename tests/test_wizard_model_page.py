"""The wizard's model page with files the user has (archive, folder) and failed downloads (pytest-qt, offscreen).

Ported from the first-run dialog's tests, which the wizard replaces."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from swictation_gui.models.catalogue import CATALOGUE, CPU_MODEL, GPU_MODEL
from swictation_gui.ui.wizard import model_page
from swictation_gui.ui.wizard.model_page import ModelPage, recommended
from tests.fixtures import synth_models as sm
from tests.fixtures.archives import Archive, corrupt_archive
from tests.fixtures.http_server import ArchiveServer, Behaviour
from tests.test_wizard import WAIT_MS, local_specs

pytestmark = pytest.mark.timeout(120)


def make_page(qtbot: QtBot, root: Path, specs: list[object] | None = None) -> ModelPage:
    page = ModelPage(False, "tests", root=root, specs=specs or list(CATALOGUE))  # type: ignore[arg-type]
    qtbot.addWidget(page)
    page.show()
    return page


def test_recommendation_follows_cuda() -> None:
    assert recommended(True) is GPU_MODEL
    assert recommended(False) is CPU_MODEL


def test_http_error_is_shown(qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive],
                             tmp_path: Path) -> None:
    page = make_page(qtbot, tmp_path / "models", local_specs(server, archives, Behaviour(status=404)))
    with qtbot.waitSignal(page.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "failed"):
        page.download_button.click()
    assert "HTTP 404" in page.status_label.text() and "offline" not in page.status_label.text()
    assert not page.isComplete()


def test_existing_folder_is_checked_and_used(qtbot: QtBot, tmp_path: Path) -> None:
    folder = sm.build_band(tmp_path / "mine", feat_dim=80)
    page = make_page(qtbot, tmp_path / "models")
    with qtbot.waitSignal(page.installed, timeout=WAIT_MS) as blocker:
        page.use_folder(folder)
    assert blocker.args[0].folder == folder and page.isComplete()


def test_broken_existing_folder_is_refused(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "tokens.txt").write_text("a 0\n")
    page = make_page(qtbot, tmp_path / "models")
    with qtbot.waitSignal(page.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "failed"):
        page.use_folder(folder)
    assert "cannot be used" in page.status_label.text() and not page.isComplete()


def test_archive_chosen_with_the_button_is_installed_and_kept(qtbot: QtBot, archives: dict[str, Archive],
                                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(shutil.copyfile(archives["gpu"].path, tmp_path / "mine.tar.bz2"))
    asked: list[str] = []

    def fake_open(_parent: object, _title: str, _dir: str, filters: str) -> tuple[str, str]:
        asked.append(filters)
        return str(path), filters

    monkeypatch.setattr(model_page.QFileDialog, "getOpenFileName", staticmethod(fake_open))
    root = tmp_path / "models"
    page = make_page(qtbot, root)
    with qtbot.waitSignal(page.installed, timeout=WAIT_MS) as blocker:
        page.archive_button.click()
    assert asked and "*.tar.bz2" in asked[0]
    location = blocker.args[0]
    assert location.folder == root / GPU_MODEL.name and (location.folder / GPU_MODEL.files.encoder).is_file()
    assert path.read_bytes() == archives["gpu"].data
    assert page.state == "installed" and any("No published checksum" in w for w in page.warnings)


def test_damaged_archive_is_refused(qtbot: QtBot, archives: dict[str, Archive], tmp_path: Path) -> None:
    bad = corrupt_archive(archives["cpu"], tmp_path / "bad.tar.bz2").path
    root = tmp_path / "models"
    page = make_page(qtbot, root)
    with qtbot.waitSignal(page.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "failed"):
        page.use_archive(bad)
    assert "damaged" in page.status_label.text() and "Nothing was installed" in page.status_label.text()
    assert bad.is_file()
    assert not root.exists() or list(root.iterdir()) == []
