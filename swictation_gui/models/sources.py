"""Where a model archive comes from (a catalogue release, a URL, or a file on this computer) and how to verify it."""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from swictation_gui.errors import DownloadError
from swictation_gui.models import catalogue
from swictation_gui.models.catalogue import ModelFiles, ModelSpec

_MB = 1024 * 1024


@dataclass(frozen=True)
class Source:
    """What to download and how to verify it.

    Attributes:
        url: Archive address (http, https, or file for a local archive).
        archive_top: The model's folder inside the archive, or None to use the archive's only top folder.
        size: Archive size in bytes, when known.
        sha256: Expected archive digest (lower-case hex), when known.
        sha256_verified: False when the digest is not from the publisher (a mismatch only warns).
        unpacked_bytes: Approximate size after extraction, for the free-space check.
        spec: The catalogue entry, if any.
    """

    url: str
    archive_top: str | None
    size: int | None
    sha256: str | None
    sha256_verified: bool
    unpacked_bytes: int | None
    spec: ModelSpec | None = None

    @property
    def archive_name(self) -> str:
        """The archive's file name, from the URL."""
        name = Path(urllib.parse.unquote(urllib.parse.urlsplit(self.url).path)).name
        return re.sub(r"[^A-Za-z0-9._+-]", "_", name) or "model.tar.bz2"

    @property
    def local_path(self) -> Path | None:
        """The archive on this computer for a ``file://`` source, else None."""
        parts = urllib.parse.urlsplit(self.url)
        return Path(urllib.request.url2pathname(parts.path)) if parts.scheme == "file" else None

    @property
    def files(self) -> ModelFiles | None:
        """The catalogue's file layout, or None to detect it."""
        return self.spec.files if self.spec else None


def source_for_spec(spec: ModelSpec) -> Source:
    """The download source of a catalogue model."""
    return Source(url=spec.url, archive_top=spec.archive_top, size=spec.archive_size, sha256=spec.sha256,
                  sha256_verified=spec.sha256_verified, unpacked_bytes=spec.unpacked_mb * _MB, spec=spec)


def source_for_url(url: str, sha256: str | None = None) -> Source:
    """A download by URL; a digest given by the user is trusted like a pinned one.

    Raises:
        DownloadError: the URL is not http(s) or the digest is not 64 hex digits.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"{url} is not an http:// or https:// address.")
    _check_digest(sha256)
    return Source(url=url, archive_top=None, size=None, sha256=sha256.lower() if sha256 else None,
                  sha256_verified=sha256 is not None, unpacked_bytes=None)


def _check_digest(sha256: str | None) -> None:
    if sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise DownloadError("--sha256 needs the 64 hexadecimal digits of the archive's SHA-256 digest.")


def spec_for_archive_name(name: str) -> ModelSpec | None:
    """The catalogue model whose release archive has the file name ``name``, if any."""
    return next((s for s in catalogue.CATALOGUE
                 if Path(urllib.parse.unquote(urllib.parse.urlsplit(s.url).path)).name == name), None)


def local_archive(path_or_url: str | Path) -> Path:
    """The local .tar.bz2 that a path or a ``file://`` URL names, checked to exist and to be bzip2 data.

    Raises:
        DownloadError: another kind of URL, a missing or unreadable file, a folder, or not a .tar.bz2.
    """
    text = str(path_or_url)
    if "://" in text:
        parts = urllib.parse.urlsplit(text)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise DownloadError(f"{text} is not a file:// address of this computer.")
        text = urllib.request.url2pathname(parts.path)
    path = Path(text).expanduser().absolute()
    if path.is_dir():
        raise DownloadError(f"{path} is a folder, not a .tar.bz2 archive; use a model folder with "
                            "transcribe --model or in Settings.")
    try:
        with path.open("rb") as handle:
            magic = handle.read(3)
    except FileNotFoundError:
        raise DownloadError(f"There is no archive {path}; check the path.") from None
    except OSError as exc:
        raise DownloadError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if magic != b"BZh":
        raise DownloadError(f"{path} is not a .tar.bz2 archive (it is not bzip2-compressed); nothing was installed.")
    return path


def source_for_file(path_or_url: str | Path, sha256: str | None = None, spec: ModelSpec | None = None) -> Source:
    """A model archive on this computer (a path or a ``file://`` URL), checked like a download.

    An archive for ``spec`` (default: the catalogue model with the archive's file name) is held to
    that model's pinned size and SHA-256 and installed under its name; ``sha256`` (trusted like a
    pinned digest) is checked as well.

    Raises:
        DownloadError: see ``local_archive``; or the digest is not 64 hex digits.
    """
    _check_digest(sha256)
    path = local_archive(path_or_url)
    spec = spec or spec_for_archive_name(path.name)
    if spec is not None:
        source = dataclasses.replace(source_for_spec(spec), url=path.as_uri())
    else:
        source = Source(url=path.as_uri(), archive_top=None, size=None, sha256=None, sha256_verified=False,
                        unpacked_bytes=None)
    if sha256 is not None:
        source = dataclasses.replace(source, sha256=sha256.lower(), sha256_verified=True)
    return source
