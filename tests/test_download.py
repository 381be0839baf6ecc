"""Model download → verify → extract → check → install against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from swictation_gui.errors import DownloadError
from swictation_gui.models import download
from swictation_gui.models.catalogue import ModelSpec, installed_dir
from swictation_gui.models.download import CancelledError, CancelToken, Progress
from swictation_gui.models.install import install, part_path
from swictation_gui.models.sources import source_for_spec, source_for_url
from tests.fixtures.archives import CPU, GPU, Archive, corrupt_archive, served_spec
from tests.fixtures.http_server import ArchiveServer, Behaviour, wait_until

PATH = "/asr-models/model.tar.bz2"
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "models"


def leftovers(root: Path) -> list[str]:
    """Everything under ``root`` (relative paths), for "nothing left behind" checks."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def serve(server: ArchiveServer, archive: Archive, spec: ModelSpec = CPU, behaviour: Behaviour | None = None,
          verified: bool = True) -> ModelSpec:
    url = server.add(PATH, archive.data, behaviour)
    return served_spec(spec, url, archive, verified)


@pytest.mark.parametrize("key", ["cpu", "gpu"])
def test_full_install_in_both_layouts(key: str, archives: dict[str, Archive], server: ArchiveServer,
                                      root: Path) -> None:
    spec = serve(server, archives[key], CPU if key == "cpu" else GPU)
    reports: list[Progress] = []
    location = install(source_for_spec(spec), root=root, on_progress=reports.append)
    assert location.folder == installed_dir(spec, root)
    for name in spec.files.all():
        assert (location.folder / name).stat().st_size > 0
    assert leftovers(root)[0] == spec.name  # only the model folder: no .part, no temporary folder
    assert all(p.startswith(spec.name) for p in leftovers(root))
    phases = [r.phase for r in reports]
    assert phases.index("download") < phases.index("verify") < phases.index("extract") < phases.index("check")
    last_download = [r for r in reports if r.phase == "download"][-1]
    assert last_download.done == last_download.total == archives[key].size


def test_dropped_connection_keeps_the_part_and_the_retry_resumes(archives: dict[str, Archive],
                                                                 server: ArchiveServer, root: Path) -> None:
    archive = archives["cpu"]
    half = archive.size // 2
    spec = serve(server, archive, behaviour=Behaviour(drop_after=half))
    source = source_for_spec(spec)
    with pytest.raises(DownloadError, match=r"dropped.*try again to resume where it stopped"):
        install(source, root=root)
    part = part_path(source, root)
    assert part.stat().st_size == half
    assert not installed_dir(spec, root).exists()
    location = install(source, root=root)
    assert location.folder.is_dir()
    ranges = [s.range for s in server.seen(PATH)]
    assert ranges == [None, f"bytes={half}-"]
    assert [s.status for s in server.seen(PATH)] == [200, 206]
    assert not part.exists()


def test_resume_when_the_server_ignores_range(archives: dict[str, Archive], server: ArchiveServer,
                                              root: Path) -> None:
    archive = archives["gpu"]
    spec = serve(server, archive, GPU, Behaviour(drop_after=archive.size // 3, honour_range=False))
    source = source_for_spec(spec)
    with pytest.raises(DownloadError, match="dropped"):
        install(source, root=root)
    install(source, root=root)
    seen = server.seen(PATH)
    assert seen[1].range == f"bytes={archive.size // 3}-" and seen[1].status == 200
    assert installed_dir(spec, root).is_dir()


def test_complete_part_answered_with_416_is_installed(archives: dict[str, Archive], server: ArchiveServer,
                                                      root: Path) -> None:
    archive = archives["cpu"]
    spec = serve(server, archive)
    source = source_for_spec(spec)
    part = part_path(source, root)
    part.parent.mkdir(parents=True)
    part.write_bytes(archive.data)
    install(source, root=root)
    assert [(s.range, s.status) for s in server.seen(PATH)] == [(f"bytes={archive.size}-", 416)]
    assert installed_dir(spec, root).is_dir()


def test_wrong_checksum_deletes_the_file_and_installs_nothing(archives: dict[str, Archive],
                                                              server: ArchiveServer, root: Path) -> None:
    good, other = archives["cpu"], archives["gpu"]
    spec = serve(server, good, behaviour=Behaviour(content=other.data[: good.size].ljust(good.size, b"\0")))
    with pytest.raises(DownloadError, match="corrupt or was tampered with"):
        install(source_for_spec(spec), root=root)
    assert leftovers(root) == []


def test_unverified_digest_mismatch_warns_and_relies_on_the_model_check(
        archives: dict[str, Archive], server: ArchiveServer, root: Path) -> None:
    spec = serve(server, archives["gpu"], GPU, verified=False)
    import dataclasses
    spec = dataclasses.replace(spec, sha256="0" * 64)
    warnings: list[str] = []
    location = install(source_for_spec(spec), root=root, on_warning=warnings.append)
    assert location.folder.is_dir()
    assert len(warnings) == 1 and "unverified" in warnings[0]


def test_unknown_digest_warns(archives: dict[str, Archive], server: ArchiveServer, root: Path) -> None:
    url = server.add(PATH, archives["cpu"].data)
    warnings: list[str] = []
    location = install(source_for_url(url), root=root, on_warning=warnings.append)
    assert location.folder == root / CPU.name  # named after the archive's top folder
    assert len(warnings) == 1 and "No published checksum" in warnings[0]


def test_wrong_size_is_refused(archives: dict[str, Archive], server: ArchiveServer, root: Path) -> None:
    archive = archives["cpu"]
    spec = serve(server, archive, behaviour=Behaviour(content=archive.data[:-10]))
    with pytest.raises(DownloadError, match=r"offers 26\d+ bytes instead of the expected"):
        install(source_for_spec(spec), root=root)
    spec_big = serve(server, archive, behaviour=Behaviour(content=archive.data + b"x" * 10))
    with pytest.raises(DownloadError, match="instead of the expected"):
        install(source_for_spec(spec_big), root=root)
    assert leftovers(root) == []


@pytest.mark.parametrize(("status", "message"), [(404, "not found \\(HTTP 404\\)"),
                                                 (500, "server had a problem \\(HTTP 500\\).*Try again later")])
def test_http_errors(status: int, message: str, archives: dict[str, Archive], server: ArchiveServer,
                     root: Path) -> None:
    spec = serve(server, archives["cpu"], behaviour=Behaviour(status=status))
    with pytest.raises(DownloadError, match=message):
        install(source_for_spec(spec), root=root)
    assert leftovers(root) == []


def test_no_network(root: Path) -> None:
    with pytest.raises(DownloadError, match="no network or DNS failure"):
        install(source_for_url("http://does-not-exist.invalid/model.tar.bz2"), root=root)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}{PATH}"
    with pytest.raises(DownloadError, match=r"Cannot connect to 127\.0\.0\.1"):
        install(source_for_url(url), root=root)
    assert leftovers(root) == []


def test_cancel_during_a_slow_download_leaves_nothing(archives: dict[str, Archive], server: ArchiveServer,
                                                      root: Path) -> None:
    spec = serve(server, archives["cpu"], behaviour=Behaviour(trickle_s=0.02, trickle_chunk=512))
    token = CancelToken()

    def progress(p: Progress) -> None:
        if p.phase == "download" and p.done > 0:
            token.cancel()

    with pytest.raises(CancelledError):
        install(source_for_spec(spec), root=root, on_progress=progress, cancel=token)
    assert leftovers(root) == []


def test_cancel_from_another_thread(archives: dict[str, Archive], server: ArchiveServer, root: Path) -> None:
    spec = serve(server, archives["gpu"], GPU, Behaviour(trickle_s=0.02, trickle_chunk=512))
    token = CancelToken()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            install(source_for_spec(spec), root=root, cancel=token)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    assert server.wait_body_started()
    token.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], CancelledError)
    assert leftovers(root) == []


def test_corrupt_archive(archives: dict[str, Archive], server: ArchiveServer, root: Path, tmp_path: Path) -> None:
    bad = corrupt_archive(archives["cpu"], tmp_path / "bad.tar.bz2")
    spec = serve(server, bad)  # the digest matches the corrupt bytes: only extraction can tell
    with pytest.raises(DownloadError, match="damaged"):
        install(source_for_spec(spec), root=root)
    assert leftovers(root) == []


def test_archive_without_a_working_model_is_not_installed(server: ArchiveServer, root: Path, tmp_path: Path) -> None:
    from tests.fixtures.archives import pack
    folder = tmp_path / "src" / CPU.name
    folder.mkdir(parents=True)
    for name in CPU.files.all():
        (folder / name).write_bytes(b"not a model")
    archive = pack(folder, tmp_path / "broken.tar.bz2", CPU.name)
    spec = serve(server, archive)
    with pytest.raises(DownloadError, match="does not work, so it was not installed"):
        install(source_for_spec(spec), root=root)
    assert leftovers(root) == []


def test_failed_update_keeps_the_working_install(archives: dict[str, Archive], server: ArchiveServer,
                                                 root: Path) -> None:
    spec = serve(server, archives["cpu"])
    first = install(source_for_spec(spec), root=root)
    marker = first.folder / "marker"
    marker.write_text("old")
    server.behave(PATH, Behaviour(status=500))
    with pytest.raises(DownloadError):
        install(source_for_spec(spec), root=root)
    assert marker.read_text() == "old"
    server.behave(PATH, Behaviour())
    second = install(source_for_spec(spec), root=root)  # a working update replaces the old folder
    assert second.folder == first.folder and not marker.exists()
    assert leftovers(root)[0] == spec.name and not any(p.startswith(".") for p in leftovers(root))


# --------------------------------------------------------------------------- disk full, permissions


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root and mount(2)); skipped where it cannot be mounted."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True,
                          check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(folder: Path) -> None:
    with (folder / "filler").open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_not_enough_space_is_refused_before_downloading(archives: dict[str, Archive], server: ArchiveServer,
                                                        small_tmpfs: Path) -> None:
    import dataclasses
    spec = dataclasses.replace(serve(server, archives["cpu"]), unpacked_mb=4)
    with pytest.raises(DownloadError, match="Not enough free disk space"):
        install(source_for_spec(spec), root=small_tmpfs / "models")
    assert server.seen(PATH) == []


def test_disk_full_while_downloading_real_tmpfs(archives: dict[str, Archive], server: ArchiveServer,
                                                small_tmpfs: Path) -> None:
    import dataclasses
    spec = dataclasses.replace(serve(server, archives["cpu"]), unpacked_mb=0)
    root = small_tmpfs / "models"

    def progress(p: Progress) -> None:
        if p.phase == "download" and not (small_tmpfs / "filler").exists():
            fill(small_tmpfs)  # the disk fills up after the free-space check passed

    with pytest.raises(DownloadError, match="The disk is full"):
        install(source_for_spec(spec), root=root, on_progress=progress)
    assert not installed_dir(spec, root).exists()
    assert not any(p.name.startswith(".install-") for p in root.iterdir())


def test_disk_full_simulated_at_the_write(archives: dict[str, Archive], server: ArchiveServer, root: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    class FullFile:
        def __init__(self, inner: IO[bytes]) -> None:
            self.inner = inner

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self) -> FullFile:
            return self

        def __exit__(self, *exc: Any) -> None:
            self.inner.close()

    real = download._open_part
    monkeypatch.setattr(download, "_open_part", lambda part, append: FullFile(real(part, append)))
    spec = serve(server, archives["cpu"])
    with pytest.raises(DownloadError, match="The disk is full"):
        install(source_for_spec(spec), root=root)
    assert not installed_dir(spec, root).exists()


def test_read_only_models_folder(archives: dict[str, Archive], server: ArchiveServer, tmp_path: Path) -> None:
    root = tmp_path / "ro"
    root.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(root)], capture_output=True,
                          check=False)
    if proc.returncode != 0:
        root.chmod(0o500)
        if root.stat().st_mode & 0o200 or __import__("os").access(root, __import__("os").W_OK):
            pytest.skip("cannot make a read-only folder here (root without mount)")
    try:
        spec = serve(server, archives["cpu"])
        with pytest.raises(DownloadError, match="Permission denied"):
            install(source_for_spec(spec), root=root / "models")
    finally:
        if proc.returncode == 0:
            subprocess.run(["umount", "-l", str(root)], check=False)
        else:
            root.chmod(0o700)


def test_a_second_concurrent_install_is_refused(archives: dict[str, Archive], server: ArchiveServer,
                                                root: Path) -> None:
    spec = serve(server, archives["cpu"])
    source = source_for_spec(spec)
    lock = part_path(source, root).with_suffix(".lock")
    lock.parent.mkdir(parents=True)
    fcntl = pytest.importorskip("fcntl")
    with lock.open("a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(DownloadError, match="already being downloaded"):
            install(source, root=root)
    assert server.seen(PATH) == []
    assert install(source, root=root).folder.is_dir()
    assert leftovers(root)[0] == spec.name and not (root / ".downloads").exists()


def blocked_in_socket_read(thread: threading.Thread) -> bool:
    """True while ``thread`` sits in a socket read (its Python stack ends in socket.SocketIO.readinto)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == "readinto" and frame.f_code.co_filename.endswith("socket.py"):
            return True
        frame = frame.f_back
    return False


def test_cancel_wakes_a_download_stalled_on_the_network(archives: dict[str, Archive], server: ArchiveServer,
                                                        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "READ_TIMEOUT_S", 3600.0)  # only the cancel can end the blocked read
    spec = serve(server, archives["cpu"], behaviour=Behaviour(stall_after=10_000))
    token = CancelToken()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            install(source_for_spec(spec), root=root, cancel=token)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    assert wait_until(lambda: blocked_in_socket_read(worker), timeout=30)
    token.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive(), "cancel did not wake the blocked read"
    assert len(errors) == 1 and isinstance(errors[0], CancelledError)
    assert leftovers(root) == []
