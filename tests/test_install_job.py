"""ui.install_job.InstallJob under pytest-qt (offscreen): a real download from 127.0.0.1, on a worker thread."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from swictation_gui.models.catalogue import CPU_MODEL, ModelLocation
from swictation_gui.models.install import part_path
from swictation_gui.models.sources import source_for_spec
from swictation_gui.ui.install_job import InstallJob
from tests.fixtures.archives import Archive, served_spec
from tests.fixtures.http_server import ArchiveServer, Behaviour

pytestmark = pytest.mark.timeout(120)
WAIT_MS = 60_000


def _record(job: InstallJob) -> list[tuple[str, object, str]]:
    seen: list[tuple[str, object, str]] = []
    job.succeeded.connect(lambda loc: seen.append(("succeeded", loc, threading.current_thread().name)))
    job.failed.connect(lambda msg, off: seen.append(("failed", (msg, off), threading.current_thread().name)))
    job.cancelled.connect(lambda: seen.append(("cancelled", None, threading.current_thread().name)))
    return seen


def test_install_reports_progress_and_one_result_on_the_gui_thread(
        qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive], tmp_path: Path) -> None:
    spec = served_spec(CPU_MODEL, server.add("/cpu.tar.bz2", archives["cpu"].data), archives["cpu"])
    job = InstallJob(root=tmp_path / "models")
    seen = _record(job)
    phases: list[str] = []
    job.progress.connect(lambda p: phases.append(p.phase))
    assert job.install(lambda: source_for_spec(spec), "test-install")
    assert not job.install(lambda: source_for_spec(spec))  # one run at a time
    qtbot.waitUntil(lambda: bool(seen) and not job.busy(), timeout=WAIT_MS)
    assert [(kind, thread) for kind, _, thread in seen] == [("succeeded", threading.main_thread().name)]
    location = seen[0][1]
    assert isinstance(location, ModelLocation) and location.folder == tmp_path / "models" / spec.name
    assert "download" in phases and "check" in phases
    assert len(server.seen("/cpu.tar.bz2")) == 1


def test_cancel_keeping_partial_keeps_the_part_file(
        qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive], tmp_path: Path) -> None:
    slow = Behaviour(trickle_s=0.02, trickle_chunk=512)
    spec = served_spec(CPU_MODEL, server.add("/cpu.tar.bz2", archives["cpu"].data, slow), archives["cpu"])
    root = tmp_path / "models"
    job = InstallJob(root=root)
    seen = _record(job)
    done: list[int] = []
    job.progress.connect(lambda p: done.append(p.done))
    assert not job.cancel()  # nothing runs yet
    job.install(lambda: source_for_spec(spec))
    qtbot.waitUntil(lambda: bool(done) and done[-1] > 0, timeout=WAIT_MS)
    assert job.cancel(keep_partial=True)
    qtbot.waitUntil(lambda: bool(seen) and not job.busy(), timeout=WAIT_MS)
    assert [kind for kind, _, _ in seen] == ["cancelled"]
    assert part_path(source_for_spec(spec), root).stat().st_size >= done[-1] > 0  # kept for a resume


def test_owner_deleted_mid_run_is_safe(qtbot: QtBot, server: ArchiveServer, archives: dict[str, Archive],
                                       tmp_path: Path) -> None:
    spec = served_spec(CPU_MODEL, server.add("/cpu.tar.bz2", archives["cpu"].data, Behaviour(stall_after=5000)),
                       archives["cpu"])
    owner = QWidget()
    job = InstallJob(root=tmp_path / "models", parent=owner)
    job.install(lambda: source_for_spec(spec))
    assert server.wait_body_started()
    worker = job._worker
    job.cancel()
    owner.deleteLater()
    qtbot.waitUntil(lambda: worker is not None and not worker.is_alive(), timeout=WAIT_MS)


def test_folder_check_failure_is_a_message(qtbot: QtBot, tmp_path: Path) -> None:
    job = InstallJob()
    seen = _record(job)
    assert job.check_folder(tmp_path)  # an empty folder is no model
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    kind, payload, _ = seen[0]
    assert kind == "failed" and isinstance(payload, tuple) and "cannot be used" in payload[0]
