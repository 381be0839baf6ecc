"""The Silero voice detector downloaded next to the models from a real local HTTP server, checked by SHA-256."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from swictation_gui.errors import DownloadError
from swictation_gui.models.catalogue import CPU_MODEL, SILERO_VAD
from swictation_gui.models.extra import install_extra, install_vad_quietly
from swictation_gui.models.install import install
from swictation_gui.models.sources import source_for_spec
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
