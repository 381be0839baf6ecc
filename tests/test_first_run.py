"""The first-run dialog under pytest-qt (offscreen), downloading from a real local HTTP server."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from swictation_gui.models.catalogue import CPU_MODEL, GPU_MODEL, ModelLocation, ModelSpec
from swictation_gui.ui.first_run import FirstRunDialog, recommended
from tests.fixtures import synth_models as sm
from tests.fixtures.archives import Archive, served_spec
from tests.fixtures.http_server import ArchiveServer, Behaviour

pytestmark = pytest.mark.timeout(120)
WAIT_MS = 60_000


def local_specs(server: ArchiveServer, archives: dict[str, Archive],
                behaviour: Behaviour | None = None) -> list[ModelSpec]:
    return [served_spec(spec, server.add(f"/{spec.key}.tar.bz2", archives[spec.key].data, behaviour),
                        archives[spec.key]) for spec in (GPU_MODEL, CPU_MODEL)]


def make_dialog(qtbot: QtBot, specs: list[ModelSpec], root: Path, cuda: bool = False) -> FirstRunDialog:
    dialog = FirstRunDialog(cuda_available=cuda, cuda_reason="tests", root=root, specs=specs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_recommendation_follows_cuda() -> None:
    assert recommended(True) is GPU_MODEL
    assert recommended(False) is CPU_MODEL


@pytest.mark.parametrize(("cuda", "key"), [(False, "cpu"), (True, "gpu")])
def test_download_to_completion(cuda: bool, key: str, qtbot: QtBot, server: ArchiveServer,
                                archives: dict[str, Archive], tmp_path: Path) -> None:
    root = tmp_path / "models"
    dialog = make_dialog(qtbot, local_specs(server, archives), root, cuda)
    assert dialog.selected_spec().key == key
    assert "recommended" in dialog.model_box.currentText()
    states: list[str] = []
    dialog.state_changed.connect(states.append)
    with qtbot.waitSignal(dialog.installed, timeout=WAIT_MS) as blocker:
        dialog.download_button.click()
    location = blocker.args[0]
    assert isinstance(location, ModelLocation) and location.spec is not None
    assert location.folder == root / location.spec.name and location.spec.key == key
    assert (location.folder / location.files.encoder).is_file()
    assert states == ["downloading", "installed"]
    assert dialog.progress_bar.value() == 1000
    assert dialog.result() == dialog.DialogCode.Accepted
    assert sorted(p.name for p in root.iterdir()) == [location.spec.name]


def test_cancel_leaves_nothing(qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive],
                               tmp_path: Path) -> None:
    root = tmp_path / "models"
    dialog = make_dialog(qtbot, local_specs(server, archives, Behaviour(trickle_s=0.02, trickle_chunk=512)), root)
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=WAIT_MS)
    assert not dialog.download_button.isEnabled()
    with qtbot.waitSignal(dialog.state_changed, timeout=WAIT_MS,
                          check_params_cb=lambda state: state == "cancelled"):
        dialog.cancel_button.click()
    assert "nothing was installed" in dialog.status_label.text()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=WAIT_MS)
    assert not root.exists() or list(root.iterdir()) == []
    assert dialog.download_button.isEnabled() and dialog.isVisible()


def test_offline_is_said_plainly(qtbot: QtBot, archives: dict[str, Archive], tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/cpu.tar.bz2"
    specs = [served_spec(CPU_MODEL, url, archives["cpu"])]
    dialog = make_dialog(qtbot, specs, tmp_path / "models")
    with qtbot.waitSignal(dialog.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "failed"):
        dialog.download_button.click()
    text = dialog.status_label.text()
    assert "offline" in text and "keeps working with whatever model is installed" in text
    assert dialog.download_button.isEnabled()  # the user can try again


def test_http_error_is_shown(qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive],
                             tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, local_specs(server, archives, Behaviour(status=404)), tmp_path / "models")
    with qtbot.waitSignal(dialog.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "failed"):
        dialog.download_button.click()
    assert "HTTP 404" in dialog.status_label.text() and "offline" not in dialog.status_label.text()


def test_existing_folder_is_checked_and_used(qtbot: QtBot, tmp_path: Path) -> None:
    folder = sm.build_band(tmp_path / "mine", feat_dim=80)
    dialog = make_dialog(qtbot, [CPU_MODEL, GPU_MODEL], tmp_path / "models")
    with qtbot.waitSignal(dialog.installed, timeout=WAIT_MS) as blocker:
        dialog.use_existing_folder(folder)
    assert blocker.args[0].folder == folder


def test_broken_existing_folder_is_refused(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "tokens.txt").write_text("a 0\n")
    dialog = make_dialog(qtbot, [CPU_MODEL, GPU_MODEL], tmp_path / "models")
    with qtbot.waitSignal(dialog.state_changed, timeout=WAIT_MS, check_params_cb=lambda s: s == "failed"):
        dialog.use_existing_folder(folder)
    assert "cannot be used" in dialog.status_label.text()
    assert dialog.isVisible()


def test_closing_the_dialog_cancels_the_download(qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive],
                                                 tmp_path: Path) -> None:
    root = tmp_path / "models"
    dialog = make_dialog(qtbot, local_specs(server, archives, Behaviour(stall_after=5000)), root)
    dialog.download_button.click()
    assert server.wait_body_started()
    dialog.reject()
    assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Rejected
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=WAIT_MS)  # the stalled read was woken up
    assert not root.exists() or list(root.iterdir()) == []
