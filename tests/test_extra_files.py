"""The Silero voice detector downloaded next to the models from a real local HTTP server, checked by SHA-256."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from swictation_gui.errors import DownloadError
from swictation_gui.models.catalogue import CPU_MODEL, SILERO_VAD
from swictation_gui.models.extra import install_extra, install_vad_quietly
from swictation_gui.models.install import install
from swictation_gui.models.sources import source_for_file, source_for_spec
from tests.fixtures.archives import Archive, served_spec
from tests.fixtures.http_server import ArchiveServer, Behaviour


def test_the_pinned_file_is_downloaded_once(server: ArchiveServer, silero_vad: Path, tmp_path: Path) -> None:
    extra = dataclasses.replace(SILERO_VAD, url=server.add("/vad.onnx", silero_vad.read_bytes()))
    got = install_extra(extra, tmp_path)
    assert got == tmp_path / "silero_vad.onnx" and got.read_bytes() == silero_vad.read_bytes()
    install_extra(extra, tmp_path)
    assert len(server.seen("/vad.onnx")) == 1, "a verified copy is not downloaded again"


def test_a_different_file_is_refused_and_nothing_is_installed(server: ArchiveServer, tmp_path: Path) -> None:
    extra = dataclasses.replace(SILERO_VAD, url=server.add("/vad.onnx", b"x" * SILERO_VAD.size))
    with pytest.raises(DownloadError, match="not the expected file"):
        install_extra(extra, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_after_a_model_install_a_failed_download_is_a_plain_warning(server: ArchiveServer, tmp_path: Path) -> None:
    extra = dataclasses.replace(SILERO_VAD, url=server.add("/vad.onnx", b"", Behaviour(status=404)))
    message = install_vad_quietly(tmp_path, extra=extra)
    assert "loudness" in message and "voice detector" in message
    assert not (tmp_path / SILERO_VAD.name).exists()


def test_a_catalogue_download_brings_the_voice_detector_along(
        archives: dict[str, Archive], server: ArchiveServer, silero_vad: Path, tmp_path: Path) -> None:
    extra = dataclasses.replace(SILERO_VAD, url=server.add("/vad.onnx", silero_vad.read_bytes()))
    spec = served_spec(CPU_MODEL, server.add("/cpu.tar.bz2", archives["cpu"].data), archives["cpu"])
    install(source_for_spec(dataclasses.replace(spec, extras=(extra,))), root=tmp_path)
    assert (tmp_path / SILERO_VAD.name).read_bytes() == silero_vad.read_bytes()
    assert (tmp_path / CPU_MODEL.name).is_dir()


def test_a_local_archive_takes_the_voice_detector_from_beside_it_without_the_network(
        archives: dict[str, Archive], server: ArchiveServer, silero_vad: Path, tmp_path: Path) -> None:
    """Offline install: the user saved the model archive and silero_vad.onnx side by side."""
    unreachable = dataclasses.replace(SILERO_VAD, url=server.add("/vad.onnx", b"", Behaviour(status=404)))
    spec = dataclasses.replace(served_spec(CPU_MODEL, "http://127.0.0.1:9/unused", archives["cpu"]),
                               extras=(unreachable,))
    saved = tmp_path / "Downloads"
    saved.mkdir()
    archive = saved / "model.tar.bz2"
    archive.write_bytes(archives["cpu"].data)
    (saved / SILERO_VAD.name).write_bytes(silero_vad.read_bytes())
    warnings: list[str] = []
    root = tmp_path / "models"
    install(source_for_file(archive, spec=spec), root=root, on_warning=warnings.append)
    assert (root / SILERO_VAD.name).read_bytes() == silero_vad.read_bytes() and warnings == []
    assert server.seen("/vad.onnx") == [], "not downloaded: the copy beside the archive was used"
    assert archive.is_file() and (saved / SILERO_VAD.name).is_file(), "the user's files are left where they were"


def test_a_local_archive_downloads_the_voice_detector_or_says_how_to_add_it(
        archives: dict[str, Archive], server: ArchiveServer, silero_vad: Path, tmp_path: Path) -> None:
    served = dataclasses.replace(SILERO_VAD, url=server.add("/vad.onnx", silero_vad.read_bytes()))
    spec = dataclasses.replace(served_spec(CPU_MODEL, "http://127.0.0.1:9/unused", archives["cpu"]), extras=(served,))
    archive = tmp_path / "model.tar.bz2"
    archive.write_bytes(archives["cpu"].data)
    (tmp_path / SILERO_VAD.name).write_bytes(b"not the detector")  # a wrong file beside it is not taken
    install(source_for_file(archive, spec=spec), root=tmp_path / "models")
    assert (tmp_path / "models" / SILERO_VAD.name).read_bytes() == silero_vad.read_bytes()
    assert len(server.seen("/vad.onnx")) == 1

    missing = dataclasses.replace(SILERO_VAD, url=server.add("/gone.onnx", b"", Behaviour(status=404)))
    spec = dataclasses.replace(spec, extras=(missing,))
    warnings: list[str] = []
    install(source_for_file(archive, spec=spec), root=tmp_path / "other", on_warning=warnings.append)
    assert (tmp_path / "other" / CPU_MODEL.name).is_dir(), "the model itself is installed"
    assert len(warnings) == 1 and "loudness" in warnings[0] and "next to the model archive" in warnings[0]
