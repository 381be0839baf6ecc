"""Safe extraction: unsafe members are refused and nothing is written outside the destination."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from swictation_gui.errors import DownloadError
from swictation_gui.models import archive
from swictation_gui.models.archive import UnsafeArchiveError, normalize_member
from swictation_gui.models.install import install
from swictation_gui.models.sources import source_for_url
from tests.fixtures.archives import malicious_archive
from tests.fixtures.http_server import serving

pytestmark = pytest.mark.timeout(60)


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink", "symlink-dotdot", "hardlink", "device"])
def test_malicious_archives_are_refused(kind: str, tmp_path: Path) -> None:
    arc_dir = tmp_path / "arc"
    arc_dir.mkdir()
    bad = malicious_archive(arc_dir / "bad.tar.bz2", kind)
    dest = tmp_path / "box" / "dest"
    dest.mkdir(parents=True)
    before = files_under(tmp_path)
    with pytest.raises(UnsafeArchiveError, match="unsafe entry"):
        archive.extract(bad.path, dest)
    after = files_under(tmp_path)
    # Only the legitimate member (extracted before the bad one) may appear, and only inside dest.
    assert after - before <= {"box/dest/top", "box/dest/top/tokens.txt"}
    assert not (arc_dir / "evil-absolute.txt").exists()
    assert not (tmp_path / "box" / "evil.txt").exists()
    assert not (arc_dir / "evil-through-link.txt").exists()


def test_malicious_archive_through_install_leaves_nothing(tmp_path: Path) -> None:
    bad = malicious_archive(tmp_path / "bad.tar.bz2", "dotdot")
    root = tmp_path / "home" / "models"
    with serving() as server:
        url = server.add("/bad.tar.bz2", bad.data)
        with pytest.raises(DownloadError, match="unsafe entry"):
            install(source_for_url(url), root=root)
    assert list(root.iterdir()) == []
    assert not (tmp_path / "home" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize(("name", "expected"), [("./a/b.onnx", "a/b.onnx"), ("a/./b", "a/b"), ("./", ""),
                                                (".", ""), ("a/", "a")])
def test_normalize_accepts_dot_prefixes(name: str, expected: str) -> None:
    assert normalize_member(name) == expected


@pytest.mark.parametrize("name", ["/etc/passwd", "../x", "a/../../x", "a/..", "C:/x", "\\\\server\\x"])
def test_normalize_refuses_escapes(name: str) -> None:
    with pytest.raises(UnsafeArchiveError):
        normalize_member(name)


def test_links_inside_the_archive_are_kept(tmp_path: Path) -> None:
    src = tmp_path / "src" / "top"
    src.mkdir(parents=True)
    (src / "tokens.txt").write_text("a 0\n")
    (src / "alias.txt").symlink_to("tokens.txt")
    out = tmp_path / "ok.tar.bz2"
    with tarfile.open(out, "w:bz2") as tar:
        tar.add(src, arcname="./top")
        info = tarfile.TarInfo("./top/hard.txt")
        info.type, info.linkname = tarfile.LNKTYPE, "./top/tokens.txt"
        tar.addfile(info)
    dest = tmp_path / "dest"
    dest.mkdir()
    assert archive.extract(out, dest) == ["top"]
    assert (dest / "top" / "alias.txt").read_text() == "a 0\n"
    assert (dest / "top" / "hard.txt").read_text() == "a 0\n"


def test_not_an_archive(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.bz2"
    junk.write_bytes(b"<html>rate limited</html>")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(DownloadError, match="damaged or not a model archive"):
        archive.extract(junk, dest)


def test_truncated_archive(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(bytes(range(256)) * 4096)
    good = tmp_path / "good.tar.bz2"
    with tarfile.open(good, "w:bz2") as tar:
        tar.add(src, arcname="top")
    cut = tmp_path / "cut.tar.bz2"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(DownloadError, match="damaged"):
        archive.extract(cut, dest)


def test_contradicting_entries_are_a_damaged_archive(tmp_path: Path) -> None:
    out = tmp_path / "odd.tar.bz2"
    with tarfile.open(out, "w:bz2") as tar:
        folder = tarfile.TarInfo("top/sub")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        info = tarfile.TarInfo("top/sub")  # the same name again, now as a file
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(DownloadError, match="damaged"):
        archive.extract(out, dest)
