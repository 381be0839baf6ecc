"""``swictation-gui models download|remove|path`` as a user runs them, against a local HTTP server."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile

from swictation_gui import cli, paths
from swictation_gui.cli import models_cmd
from swictation_gui.cli.models_cmd import TerminalProgress
from swictation_gui.models import catalogue
from swictation_gui.models.catalogue import CPU_MODEL, GPU_MODEL, installed_dir
from swictation_gui.models.download import Progress
from tests.fixtures import synth_models as sm
from tests.fixtures.archives import Archive, served_spec
from tests.fixtures.http_server import ArchiveServer, Behaviour

pytestmark = pytest.mark.timeout(120)


def swictation(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "swictation_gui", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env=dict(os.environ))


@pytest.mark.parametrize(("key", "words"), [("cpu", ["do", "re"]), ("gpu", ["sol", "la", "mi"])])
def test_download_by_url_then_transcribe(key: str, words: list[str], archives: dict[str, Archive],
                                         server: ArchiveServer, tmp_path: Path) -> None:
    spec = CPU_MODEL if key == "cpu" else GPU_MODEL
    archive = archives[key]
    url = server.add(f"/asr-models/{spec.name}.tar.bz2", archive.data)
    proc = swictation("models", "download", url, "--sha256", archive.sha256)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"Downloading {url}"
    assert any(line.startswith("downloading [") and "100.0%" in line for line in lines)  # plain lines: no TTY
    assert "\r" not in proc.stdout
    assert lines[-1] == f"Installed {spec.display_name} in {installed_dir(spec)}"
    assert proc.stderr == ""
    wav = tmp_path / "phrase.wav"
    soundfile.write(wav, sm.band_phrase(words, feat_dim=spec.feat_dim), 16000)
    proc = swictation("transcribe", "--model", str(installed_dir(spec)), str(wav))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == " ".join(words) + "\n"
    proc = swictation("transcribe", "--model", key, str(wav))  # the catalogue key finds it too
    assert proc.stdout == " ".join(words) + "\n"
    listing = json.loads(swictation("models", "--json").stdout)
    row = {row["key"]: row for row in listing["models"]}[key]
    assert row["status"] == "ok"
    # The install ran the engine self-test; this archive's test wav is noise bytes, so sherpa-onnx stays.
    assert row["cpu_engine"]["engine"] == "sherpa"
    assert row["cpu_engine"]["reason"].startswith("test_wavs/0.wav cannot be read")
    assert "CPU engine: sherpa-onnx: test_wavs/0.wav cannot be read" in swictation("models").stdout


def test_failures_exit_2_with_one_line(archives: dict[str, Archive], server: ArchiveServer) -> None:
    archive = archives["cpu"]
    url = server.add("/m.tar.bz2", archive.data)
    for args, message in [
        (("models", "download", server.url("/missing.tar.bz2")), "HTTP 404"),
        (("models", "download", url, "--sha256", "ab" * 32), "corrupt or was tampered with"),
        (("models", "download", url, "--sha256", "xyz"), "64 hexadecimal digits"),
        (("models", "download", "tpu"), "neither a catalogue model"),
        (("models", "download", "cpu", "--sha256", "ab" * 32), "only for a URL"),
    ]:
        proc = swictation(*args)
        assert proc.returncode == 2, args
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
        assert message in proc.stderr
    assert not paths.models_dir().exists() or not any(paths.models_dir().iterdir())


def test_dropped_download_resumes_on_the_next_run(archives: dict[str, Archive], server: ArchiveServer) -> None:
    archive = archives["cpu"]
    url = server.add("/m.tar.bz2", archive.data, Behaviour(drop_after=100_000))
    proc = swictation("models", "download", url)
    assert proc.returncode == 2 and "try again to resume" in proc.stderr
    proc = swictation("models", "download", url)
    assert proc.returncode == 0, proc.stderr
    assert "Resuming after 0.1 MB already downloaded" in proc.stdout
    assert "No published checksum" in proc.stderr  # a URL without --sha256 warns
    assert [s.range for s in server.seen("/m.tar.bz2")] == [None, "bytes=100000-"]


@pytest.fixture
def patched_catalogue(archives: dict[str, Archive], server: ArchiveServer,
                      monkeypatch: pytest.MonkeyPatch) -> catalogue.ModelSpec:
    spec = served_spec(CPU_MODEL, server.add("/cpu.tar.bz2", archives["cpu"].data), archives["cpu"])
    patched = (GPU_MODEL, spec)
    monkeypatch.setattr(catalogue, "CATALOGUE", patched)
    monkeypatch.setattr(models_cmd, "CATALOGUE", patched)
    return spec


def test_download_catalogue_model_in_process(patched_catalogue: catalogue.ModelSpec, server: ArchiveServer,
                                             capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["models", "download", "cpu"]) == 0
    out = capsys.readouterr().out
    assert f"Installed {CPU_MODEL.display_name} in {installed_dir(CPU_MODEL)}" in out
    assert cli.main(["models", "download", "cpu"]) == 0
    assert "already installed" in capsys.readouterr().out
    assert len(server.seen("/cpu.tar.bz2")) == 1
    other = tmp_path / "elsewhere"
    assert cli.main(["models", "download", "cpu", "--dir", str(other)]) == 0
    assert (other / CPU_MODEL.name / CPU_MODEL.files.encoder).is_file()


def test_path_and_remove(archives: dict[str, Archive], server: ArchiveServer, tmp_path: Path) -> None:
    proc = swictation("models", "path")
    assert proc.stdout.strip() == str(paths.models_dir())
    assert swictation("models", "path", "gpu").stdout.strip() == str(installed_dir(GPU_MODEL))
    url = server.add("/gpu.tar.bz2", archives["gpu"].data)
    assert swictation("models", "download", url, "--sha256", archives["gpu"].sha256).returncode == 0
    folder = installed_dir(GPU_MODEL)
    proc = swictation("models", "remove", "gpu")  # stdin is not a TTY: refuses without --yes
    assert proc.returncode == 2 and "--yes" in proc.stderr and folder.is_dir()
    outside = tmp_path / "my-model"
    sm.build_band(outside, feat_dim=80)
    proc = swictation("models", "remove", str(outside), "--yes")
    assert proc.returncode == 2 and "outside" in proc.stderr and outside.is_dir()
    proc = swictation("models", "remove", str(paths.models_dir()), "--yes", "--outside")
    assert proc.returncode == 2 and folder.is_dir()
    proc = swictation("models", "remove", "gpu", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert not folder.exists()
    assert swictation("models", "remove", "gpu", "--yes").returncode == 2
    assert swictation("models", "remove", str(outside), "--yes", "--outside").returncode == 0
    assert not outside.exists()


def test_terminal_progress_draws_one_line_on_a_tty() -> None:
    out = io.StringIO()
    bar = TerminalProgress(out, tty=True)
    bar(Progress("download", 0, 200 * 1024 * 1024))
    bar(Progress("download", 200 * 1024 * 1024, 200 * 1024 * 1024, rate=5 * 1024 * 1024, eta=0))
    bar(Progress("check", 0, None))
    bar.finish()
    text = out.getvalue()
    assert text.startswith("\rdownloading [........................]   0.0%  0.0/200.0 MB")
    assert "\rdownloading [########################] 100.0%  200.0/200.0 MB     5.0 MB/s  ETA 0:00" in text
    assert text.endswith("\nchecking the model (test load) …\n")


def test_progress_line_without_total() -> None:
    line = TerminalProgress.line(Progress("download", 3 * 1024 * 1024, None, rate=1024 * 1024))
    assert line == "downloading      3.0 MB     1.0 MB/s"


def test_listing_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["models", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["key"] for row in data["models"]] == ["gpu", "cpu"]
    assert all(row["status"] == "not installed" for row in data["models"])
