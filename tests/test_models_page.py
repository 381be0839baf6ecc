"""Settings → Model under pytest-qt (offscreen): real downloads from 127.0.0.1, real archives, real removal."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from swictation_gui.models import catalogue
from swictation_gui.models.catalogue import CPU_MODEL, GPU_MODEL, ModelSpec
from swictation_gui.models.install import part_path
from swictation_gui.models.sources import source_for_spec
from swictation_gui.recognition.base import DeviceReport
from swictation_gui.settings import Settings
from swictation_gui.ui import models_page
from swictation_gui.ui.model_row import can_run_text, folder_text, installed_text
from swictation_gui.ui.models_page import CUSTOM, ModelsPage
from tests.fixtures import synth_models as sm
from tests.fixtures.archives import Archive, corrupt_archive, pack, served_spec
from tests.fixtures.http_server import ArchiveServer, Behaviour

pytestmark = pytest.mark.timeout(120)
WAIT_MS = 60_000
SLOW = Behaviour(trickle_s=0.02, trickle_chunk=512)


def local_specs(server: ArchiveServer, archives: dict[str, Archive],
                behaviour: Behaviour | None = None) -> list[ModelSpec]:
    return [served_spec(spec, server.add(f"/{spec.key}.tar.bz2", archives[spec.key].data, behaviour),
                        archives[spec.key]) for spec in (GPU_MODEL, CPU_MODEL)]


def make_page(qtbot: QtBot, specs: list[ModelSpec], root: Path, report: DeviceReport | None = None) -> ModelsPage:
    page = ModelsPage(lambda: report, specs=specs, root=root)
    qtbot.addWidget(page)
    page.show()
    return page


def wait_idle(qtbot: QtBot, page: ModelsPage, key: str) -> None:
    qtbot.waitUntil(lambda: page.rows[key].state == "idle" and not page.jobs[key].busy(), timeout=WAIT_MS)


def test_download_from_the_page_shows_progress_and_installs(qtbot: QtBot, server: ArchiveServer,
                                                            archives: dict[str, Archive], tmp_path: Path) -> None:
    root = tmp_path / "models"
    page = make_page(qtbot, local_specs(server, archives, SLOW), root)
    row = page.rows["cpu"]
    assert "Not installed." in row.facts_label.text() and not row.use_button.isEnabled()
    fractions: list[int] = []
    row.progress.valueChanged.connect(fractions.append)
    states: list[tuple[str, str]] = []
    page.state_changed.connect(lambda key, state: states.append((key, state)))
    row.download_button.click()
    assert row.cancel_button.isVisible() and not row.download_button.isEnabled()
    qtbot.waitUntil(lambda: "Downloading" in row.message_label.text(), timeout=WAIT_MS)
    wait_idle(qtbot, page, "cpu")
    assert states == [("cpu", "downloading"), ("cpu", "idle")]
    assert any(0 < f < 1000 for f in fractions), fractions  # the bar moved through the download
    assert (root / CPU_MODEL.name / CPU_MODEL.files.encoder).is_file()
    assert "Installed in" in row.facts_label.text() and "Press Use" in row.message_label.text()
    assert row.use_button.isEnabled() and not row.download_button.isVisible() and not row.progress.isVisible()


def test_cancel_keeps_the_part_and_download_resumes_with_a_range_request(
        qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive], tmp_path: Path) -> None:
    root = tmp_path / "models"
    specs = local_specs(server, archives, SLOW)
    page = make_page(qtbot, specs, root)
    row = page.rows["cpu"]
    row.download_button.click()
    qtbot.waitUntil(lambda: row.progress.value() > 0, timeout=WAIT_MS)
    row.cancel_button.click()
    wait_idle(qtbot, page, "cpu")
    kept = part_path(source_for_spec(specs[1]), root).stat().st_size
    assert kept > 0 and "kept" in row.message_label.text()
    assert row.download_button.text() == "Resume download" and "Download resumes" in row.facts_label.text()
    assert not (root / CPU_MODEL.name).exists()
    server.behave("/cpu.tar.bz2", Behaviour())  # full speed now
    row.download_button.click()
    assert "Resuming" in row.message_label.text()
    wait_idle(qtbot, page, "cpu")
    seen = server.seen("/cpu.tar.bz2")
    assert len(seen) == 2 and seen[0].range is None
    assert seen[1].range == f"bytes={kept}-" and seen[1].status == 206  # resumed, not started over
    assert (root / CPU_MODEL.name / CPU_MODEL.files.encoder).is_file()
    assert "Installed in" in row.facts_label.text()


def test_an_interrupted_download_resumes(qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive],
                                         tmp_path: Path) -> None:
    root = tmp_path / "models"
    page = make_page(qtbot, local_specs(server, archives, Behaviour(drop_after=100_000, drops=1)), root)
    row = page.rows["cpu"]
    row.download_button.click()
    wait_idle(qtbot, page, "cpu")
    assert row.message_label.text().startswith("✖ ") and row.download_button.text() == "Resume download"
    row.download_button.click()
    wait_idle(qtbot, page, "cpu")
    seen = server.seen("/cpu.tar.bz2")
    assert [s.range for s in seen] == [None, "bytes=100000-"] and seen[1].status == 206
    assert "Installed in" in row.facts_label.text(), row.message_label.text()


def test_offline_and_http_errors_are_said_in_words(qtbot: QtBot, server: ArchiveServer,
                                                   archives: dict[str, Archive], tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/cpu.tar.bz2"
    gone = served_spec(GPU_MODEL, server.add("/gpu.tar.bz2", b"", Behaviour(status=404)), archives["gpu"])
    page = make_page(qtbot, [gone, served_spec(CPU_MODEL, dead, archives["cpu"])], tmp_path / "models")
    page.rows["cpu"].download_button.click()
    page.rows["gpu"].download_button.click()
    wait_idle(qtbot, page, "cpu")
    wait_idle(qtbot, page, "gpu")
    offline = page.rows["cpu"].message_label.text()
    assert "offline" in offline and "keeps working with whatever model is installed" in offline
    assert "HTTP 404" in page.rows["gpu"].message_label.text()
    assert page.rows["cpu"].download_button.isEnabled()  # try again later


def test_install_from_archive_and_a_damaged_one(qtbot: QtBot, archives: dict[str, Archive], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "models"
    mine = Path(shutil.copyfile(archives["cpu"].path, tmp_path / "downloaded-by-hand.tar.bz2"))
    bad = corrupt_archive(archives["cpu"], tmp_path / "bad.tar.bz2").path
    not_bz2 = tmp_path / "notes.tar.bz2"
    not_bz2.write_text("hello")
    chosen: list[Path] = []

    def fake_open(_parent: object, _title: str, _dir: str, filters: str) -> tuple[str, str]:
        assert "*.tar.bz2" in filters
        return str(chosen[-1]), filters

    monkeypatch.setattr(models_page.QFileDialog, "getOpenFileName", staticmethod(fake_open))
    specs = [served_spec(s, "http://127.0.0.1:9/unused", archives[s.key]) for s in (GPU_MODEL, CPU_MODEL)]
    page = make_page(qtbot, specs, root)
    row = page.rows["cpu"]
    for path, words in ((not_bz2, "is not a .tar.bz2 archive"), (bad, "")):
        chosen.append(path)
        row.archive_button.click()
        wait_idle(qtbot, page, "cpu")
        assert row.message_label.text().startswith("✖ ") and words in row.message_label.text()
        assert not (root / CPU_MODEL.name).exists()
    chosen.append(mine)
    row.archive_button.click()
    wait_idle(qtbot, page, "cpu")
    assert "Installed in" in row.facts_label.text(), row.message_label.text()
    assert (root / CPU_MODEL.name / CPU_MODEL.files.encoder).is_file()
    assert mine.read_bytes() == archives["cpu"].data  # the user's file is kept


def test_an_archive_of_another_model_installs_as_a_folder_to_use(qtbot: QtBot, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    model = sm.build_band(tmp_path / "src" / "my-model", feat_dim=80)
    archive = pack(model, tmp_path / "my-model.tar.bz2", "my-model")
    monkeypatch.setattr(models_page.QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_a: (str(archive.path), "")))
    root = tmp_path / "models"
    page = make_page(qtbot, [GPU_MODEL, CPU_MODEL], root)
    row = page.rows[CUSTOM]
    assert row.folder is not None and not row.use_button.isEnabled()
    row.archive_button.click()
    wait_idle(qtbot, page, CUSTOM)
    assert row.folder.text() == str(root / "my-model")
    assert "model files are all there" in row.can_run_label.text() and row.use_button.isEnabled()
    with qtbot.waitSignal(page.use_requested, timeout=2000) as used:
        row.use_button.click()
    assert used.args == [str(root / "my-model")] and row.state == "switching"


def _installed(root: Path, spec: ModelSpec) -> Path:
    folder = catalogue.installed_dir(spec, root)
    folder.mkdir(parents=True)
    (folder / "tokens.txt").write_text("a 0\n")
    return folder


def test_remove_asks_first_and_refuses_the_model_in_use(qtbot: QtBot, tmp_path: Path) -> None:
    root = tmp_path / "models"
    folder = _installed(root, CPU_MODEL)
    page = make_page(qtbot, [GPU_MODEL, CPU_MODEL], root)
    row = page.rows["cpu"]
    page.set_running("cpu", "CPU")
    assert "In use now on CPU" in row.running_label.text() and row.use_button.text() == "In use"
    row.remove_button.click()
    assert page.confirm_box is None and folder.is_dir()
    assert "in use now, so it cannot be removed" in row.message_label.text()
    page.set_running("gpu", "GPU (CUDA)")
    assert row.running_label.text() == "" and "In use now" in page.rows["gpu"].running_label.text()
    for answer in (QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes):
        row.remove_button.click()
        box = page.confirm_box
        assert box is not None and box.isVisible() and CPU_MODEL.display_name in box.text()
        box.button(answer).click()
        qtbot.waitUntil(lambda: page.confirm_box is None, timeout=5_000)
        assert folder.is_dir() == (answer is QMessageBox.StandardButton.Cancel)
    assert "Removed" in row.message_label.text() and "Not installed." in row.facts_label.text()
    assert not row.remove_button.isEnabled() and row.download_button.isVisible()


def test_remove_discards_a_partial_download(qtbot: QtBot, tmp_path: Path) -> None:
    root = tmp_path / "models"
    part = part_path(source_for_spec(CPU_MODEL), root)
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * 4096)
    page = make_page(qtbot, [GPU_MODEL, CPU_MODEL], root)
    row = page.rows["cpu"]
    assert row.download_button.text() == "Resume download" and row.remove_button.isEnabled()
    page.remove("cpu")
    assert not part.exists() and row.download_button.text() == "Download"


def test_use_says_switching_until_the_app_answers(qtbot: QtBot, tmp_path: Path) -> None:
    root = tmp_path / "models"
    _installed(root, CPU_MODEL)
    page = make_page(qtbot, [GPU_MODEL, CPU_MODEL], root)
    row = page.rows["cpu"]
    with qtbot.waitSignal(page.use_requested, timeout=2000) as used:
        row.use_button.click()
    assert used.args == ["cpu"] and "Switching" in row.message_label.text() and not row.use_button.isEnabled()
    page.rows[CUSTOM].folder.setText(str(tmp_path))
    page.rows[CUSTOM].use_button.click()  # one switch at a time
    assert page.rows[CUSTOM].state == "idle" and "already in progress" in page.rows[CUSTOM].message_label.text()
    page.switch_failed("The model could not be loaded: broken.")
    assert row.state == "idle" and "Could not switch to this model: The model could not be loaded: broken. " \
        "The model in use and your settings were not changed." in row.message_label.text()
    row.use_button.click()
    page.model_loaded("CPU", "cpu")
    assert row.state == "idle" and "In use now on CPU" in row.running_label.text()


@pytest.mark.parametrize(("active", "reason"), [(None, ""), ("cpu", "libcudnn.so.9 not found"),
                                                ("cpu", "the CUDA check failed: driver too old."), ("cuda", "")])
def test_row_texts_are_whole_sentences(active: str | None, reason: str, tmp_path: Path) -> None:
    """Each sentence ends with a full stop (or …) and the next starts after a space: none runs into another."""
    report = None if active is None else DeviceReport("cuda", active, reason)
    texts = [can_run_text(spec, report)[0] for spec in (GPU_MODEL, CPU_MODEL)]
    texts += [installed_text(CPU_MODEL, installed, tmp_path, partial) for installed, partial in
              ((True, 0), (False, 0), (False, 5 << 20))]
    texts += [folder_text(folder)[0] for folder in ("", "/nonexistent", str(tmp_path))]
    for text in texts:
        assert text[-1] in ".…", text
        assert "  " not in text and ".." not in text, text
        for at in range(1, len(text) - 1):
            if text[at] == "." and text[at - 1].isalpha() and text[at + 1].isupper():
                pytest.fail(f"sentences run together in: {text}")
    if active == "cpu":
        assert f"CUDA is unavailable: {reason.rstrip('.')}. It would run on the CPU (slower)." in texts[0]


def test_long_messages_are_never_clipped_at_the_default_size(qtbot: QtBot, tmp_path: Path) -> None:
    """Each row keeps the height its wrapped text needs; the page scrolls instead of squeezing the rows."""
    from swictation_gui.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(), cuda_report=lambda: DeviceReport("cuda", "cpu", "libcudnn.so.9 not found"),
                            input_devices=lambda: [], models_root=tmp_path / "models")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    long = "The server had a problem (HTTP 503) with https://example.org/a/long/path/model.tar.bz2. Try again later. "
    for row in dialog.model_page.rows.values():
        row.set_message("✖ " + long * 3)
    qtbot.waitUntil(lambda: all(
        label.height() >= label.heightForWidth(label.width())
        for row in dialog.model_page.rows.values()
        for label in (row.message_label, row.facts_label, row.can_run_label)), timeout=5_000)
    assert dialog.model_page.scroll_area.verticalScrollBar().maximum() > 0  # it scrolls instead
