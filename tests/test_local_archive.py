"""``models download FILE|file://URL`` and ``install(source_for_file(...))`` with real synthetic archives."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.parse
from pathlib import Path

import pytest

from swictation_gui import cli, paths
from swictation_gui.errors import DownloadError
from swictation_gui.models import catalogue
from swictation_gui.models.catalogue import CPU_MODEL, GPU_MODEL, installed_dir
from swictation_gui.models.install import install
from swictation_gui.models.sources import source_for_file
from tests.fixtures import synth_models as sm
from tests.fixtures.archives import Archive, corrupt_archive, malicious_archive, served_spec

pytestmark = pytest.mark.timeout(120)


def release_name(spec: catalogue.ModelSpec) -> str:
    """The file name of ``spec``'s release archive."""
    return Path(urllib.parse.urlsplit(spec.url).path).name


def copy_as(archive: Archive, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(archive.path, folder / name))


def models_content() -> list[str]:
    root = paths.models_dir()
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def run_cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_subprocess_installs_from_a_path_and_keeps_the_archive(archives: dict[str, Archive], tmp_path: Path) -> None:
    path = copy_as(archives["cpu"], tmp_path / "dl", "my model.tar.bz2")
    proc = subprocess.run([sys.executable, "-m", "swictation_gui", "models", "download", str(path), "--sha256",
                           archives["cpu"].sha256], capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"Installing from {path}"
    assert lines[-1] == f"Installed {CPU_MODEL.display_name} in {installed_dir(CPU_MODEL)}"
    assert (installed_dir(CPU_MODEL) / CPU_MODEL.files.encoder).is_file()
    assert path.read_bytes() == archives["cpu"].data  # the user's archive is left alone
    assert models_content() == [CPU_MODEL.name]  # no .downloads, no temporary folder
    assert proc.stderr == ""


def test_file_url_without_digest_warns_and_installs(archives: dict[str, Archive], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_as(archives["gpu"], tmp_path, "gpu model.tar.bz2")
    code, out, err = run_cli("models", "download", path.as_uri(), "--dir", str(tmp_path / "m"), capsys=capsys)
    assert code == 0, err
    assert f"Installing from {path}" in out
    assert "No published checksum for" in err
    assert (tmp_path / "m" / GPU_MODEL.name / GPU_MODEL.files.encoder).is_file()


@pytest.mark.parametrize("case", ["missing", "folder", "not-bzip2", "gzip-tar", "damaged", "checksum", "unsafe",
                                  "remote-file-url", "bad-digest"])
def test_local_failures_exit_2_with_one_line_and_keep_the_file(case: str, archives: dict[str, Archive],
                                                               tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    good = archives["cpu"]
    path = tmp_path / "model.tar.bz2"
    extra: list[str] = []
    if case == "missing":
        message = "There is no archive"
    elif case == "folder":
        path.mkdir()
        message = "is a folder, not a .tar.bz2 archive"
    elif case == "not-bzip2":
        path.write_text("<html>not found</html>")
        message = "is not a .tar.bz2 archive"
    elif case == "gzip-tar":
        with tarfile.open(path, "w:gz") as tar:
            tar.add(sm.build_band(tmp_path / "src", feat_dim=80), arcname="src")
        message = "is not a .tar.bz2 archive"
    elif case == "damaged":
        corrupt_archive(good, path)
        message = "is damaged or not a model archive"
    elif case == "checksum":
        shutil.copyfile(good.path, path)
        extra = ["--sha256", "ab" * 32]
        message = "checksum mismatch"
    elif case == "unsafe":
        malicious_archive(path, "dotdot")
        message = "unsafe entry"
    elif case == "remote-file-url":
        path = tmp_path / "unused.tar.bz2"
        message = "not a file:// address of this computer"
    else:
        shutil.copyfile(good.path, path)
        extra = ["--sha256", "xyz"]
        message = "64 hexadecimal digits"
    before = path.read_bytes() if path.is_file() else None
    target = "file://elsewhere/x.tar.bz2" if case == "remote-file-url" else str(path)
    code, out, err = run_cli("models", "download", target, *extra, capsys=capsys)
    assert code == 2, out
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and err.endswith(errors[0] + "\n"), err  # warnings may precede it
    assert message in errors[0]
    assert "deleted" not in err
    assert (path.read_bytes() if path.is_file() else None) == before  # never deleted or changed
    assert [n for n in models_content() if not n.startswith(".")] == []
    assert not (tmp_path / "evil.txt").exists()


def test_catalogue_file_name_is_held_to_the_pinned_size(archives: dict[str, Archive], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # The real catalogue pins the CPU archive at 487 MB; a small file with its name is refused.
    path = copy_as(archives["cpu"], tmp_path, release_name(CPU_MODEL))
    code, _out, err = run_cli("models", "download", str(path), capsys=capsys)
    assert code == 2
    assert f"instead of the {CPU_MODEL.archive_size}" in err and "Nothing was installed" in err
    assert path.is_file() and models_content() == []


@pytest.fixture
def pinned_cpu(archives: dict[str, Archive], monkeypatch: pytest.MonkeyPatch) -> catalogue.ModelSpec:
    """The catalogue with the CPU model pinned to the synthetic archive's size and digest."""
    spec = served_spec(CPU_MODEL, CPU_MODEL.url, archives["cpu"])
    monkeypatch.setattr(catalogue, "CATALOGUE", (GPU_MODEL, spec))
    return spec


def test_catalogue_file_name_installs_as_the_catalogue_model(pinned_cpu: catalogue.ModelSpec,
                                                             archives: dict[str, Archive], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = copy_as(archives["cpu"], tmp_path, release_name(CPU_MODEL))
    source = source_for_file(path)
    assert source.spec == pinned_cpu and source.sha256 == archives["cpu"].sha256 and source.sha256_verified
    code, out, err = run_cli("models", "download", str(path), capsys=capsys)
    assert code == 0, err
    assert f"Installing from {path} (0.3 MB)" in out
    assert f"Installed {CPU_MODEL.display_name} in {installed_dir(CPU_MODEL)}" in out
    assert err == ""  # a pinned digest that matches: no warning
    code, out, _err = run_cli("models", "download", path.as_uri(), capsys=capsys)
    assert code == 0 and "already installed" in out and "--force to install again" in out


def test_catalogue_file_name_with_a_wrong_pinned_digest_is_refused(pinned_cpu: catalogue.ModelSpec,
                                                                   archives: dict[str, Archive], tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(catalogue, "CATALOGUE", (GPU_MODEL, dataclasses.replace(pinned_cpu, sha256="cd" * 32)))
    path = copy_as(archives["cpu"], tmp_path, release_name(CPU_MODEL))
    code, _out, err = run_cli("models", "download", str(path), capsys=capsys)
    assert code == 2 and "checksum mismatch" in err and "Nothing was installed" in err
    assert path.is_file() and models_content() == []


def test_a_failed_local_install_keeps_the_working_one(archives: dict[str, Archive], tmp_path: Path) -> None:
    root = tmp_path / "models"
    good = copy_as(archives["cpu"], tmp_path, "good.tar.bz2")
    first = install(source_for_file(good), root=root)
    encoder = first.folder / CPU_MODEL.files.encoder
    before = encoder.read_bytes()
    bad = corrupt_archive(archives["cpu"], tmp_path / "bad.tar.bz2").path
    with pytest.raises(DownloadError, match="damaged"):
        install(source_for_file(bad), root=root)
    assert encoder.read_bytes() == before
    assert sorted(p.name for p in root.iterdir()) == [CPU_MODEL.name]
    assert bad.is_file() and good.is_file()
