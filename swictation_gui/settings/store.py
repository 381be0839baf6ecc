"""Reading and writing the human-readable JSON settings file: migrations, salvage, atomic writes.

Policy (each rule has a test):

* A missing file means defaults, silently; it is created on the first :meth:`SettingsStore.save`.
* A file that is not JSON (or not a JSON object) is copied to ``settings.json.bad-<timestamp>``
  and the defaults are used, with a warning saying where the copy is.
* A partly invalid file keeps every valid value; each invalid one falls back to its default
  (out-of-range numbers are clamped) with a warning, and the original is copied as above.
* An older layout is copied to ``settings.json.v<N>.bak``, migrated, and written back at once.
* Unknown keys are kept in the file (a newer version may own them) and reported as warnings,
  because in a hand-edited file they are usually typos.
* A file from a newer version is read as far as this version understands it, with a warning; the
  first save keeps a copy at ``settings.json.v<N>.bak`` before writing, so nothing is lost silently.
* Writes go to a temporary file in the same folder, are fsync'ed, then ``os.replace``'d.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swictation_gui import paths
from swictation_gui.errors import SettingsError
from swictation_gui.settings import migrations
from swictation_gui.settings.schema import FIELD_NAMES, SCHEMA_VERSION, Settings, from_dict

_log = logging.getLogger("swictation.settings")


@dataclass(frozen=True)
class LoadResult:
    """What :meth:`SettingsStore.load` found.

    Attributes:
        settings: Valid settings (defaults wherever the file had nothing usable).
        warnings: Messages for the user, one per problem, each saying what was done about it.
        backup: Where a copy of the original file was kept, if one was made.
        file_version: The ``version`` the file had (None when there was no readable file).
    """

    settings: Settings
    warnings: tuple[str, ...] = ()
    backup: Path | None = None
    file_version: int | None = None


class SettingsStore:
    """One settings file. Not thread-safe; the app uses it from the GUI thread (files are tiny).

    Args:
        path: The file to use (``--config``); defaults to :func:`paths.settings_file`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._path = path if path is not None else paths.settings_file()
        self._extra: dict[str, Any] = {}
        self._newer_version: int | None = None

    @property
    def path(self) -> Path:
        """The settings file."""
        return self._path

    def load(self) -> LoadResult:
        """Read the file, salvaging what can be salvaged. Never raises for a bad file."""
        self._extra = {}
        self._newer_version = None
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return LoadResult(Settings())
        except OSError as exc:
            _log.warning("Cannot read settings %s: %s", self._path, exc)
            return LoadResult(Settings(), (f"Cannot read the settings file {self._path} ({exc.strerror or exc}); "
                                           "using the default settings.",))
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return self._damaged(f"it is not valid JSON ({exc})")
        if not isinstance(data, dict):
            return self._damaged("it does not hold a JSON object")

        warnings: list[str] = []
        backup: Path | None = None
        version = data.pop("version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            warnings.append(f"The settings file has an unusable version {version!r}; "
                            f"reading it as version {SCHEMA_VERSION}.")
            version = SCHEMA_VERSION
        file_version = version

        migrated = False
        if version < SCHEMA_VERSION:
            backup = self._copy_aside(f".v{version}.bak")
            data, _ = migrations.migrate(data, version)
            data.pop("version", None)
            migrated = True
        elif version > SCHEMA_VERSION:
            self._newer_version = version
            warnings.append(
                f"The settings file was written by a newer version of swictation-gui (settings version {version}, "
                f"this one understands {SCHEMA_VERSION}). Settings this version knows are used; when settings "
                f"are next saved, a copy of the file is kept at {self._sibling(f'.v{version}.bak')}.")

        settings, value_warnings = from_dict(data)
        self._extra = {key: value for key, value in data.items() if key not in FIELD_NAMES}
        if self._newer_version is None:
            warnings.extend(f"Unknown setting {key!r} in {self._path.name} was ignored (it is kept in the file)."
                            for key in self._extra)
        if value_warnings:
            warnings.extend(value_warnings)
            if backup is None:
                backup = self._copy_aside(time.strftime(".bad-%Y%m%d-%H%M%S"))
            if backup is not None:
                warnings.append(f"A copy of the original settings file was kept at {backup}.")
        if migrated:
            try:
                self.save(settings)
            except SettingsError as exc:
                warnings.append(str(exc))
        for message in warnings:
            _log.warning("Settings: %s", message)
        return LoadResult(settings, tuple(warnings), backup, file_version)

    def save(self, settings: Settings) -> None:
        """Write ``settings`` atomically (unknown keys from the loaded file are kept).

        Raises:
            SettingsError: The file could not be written; the message says where and why.
        """
        if self._newer_version is not None and self._path.exists():
            kept = self._copy_aside(f".v{self._newer_version}.bak")
            if kept is None:
                raise SettingsError(f"Not saving settings: {self._path} comes from a newer version and "
                                    "a copy of it could not be kept.")
            _log.warning("Settings file from version %d kept at %s before saving", self._newer_version, kept)
            self._newer_version = None
        data: dict[str, Any] = {"version": SCHEMA_VERSION, **settings.to_dict()}
        data.update((key, value) for key, value in self._extra.items() if key not in data)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        try:
            write_atomic(self._path, text.encode("utf-8"))
        except OSError as exc:
            raise SettingsError(f"Cannot save settings to {self._path} ({exc.strerror or exc}). "
                                "Check that the folder exists and is writable.") from exc
        _log.info("Settings saved to %s", self._path)

    def _damaged(self, why: str) -> LoadResult:
        backup = self._copy_aside(time.strftime(".bad-%Y%m%d-%H%M%S"))
        message = f"The settings file {self._path} is damaged: {why}. Using the default settings"
        message += f"; the damaged file was kept at {backup}." if backup else "."
        _log.warning("Settings: %s", message)
        return LoadResult(Settings(), (message,), backup, None)

    def _sibling(self, suffix: str) -> Path:
        return self._path.with_name(self._path.name + suffix)

    def _copy_aside(self, suffix: str) -> Path | None:
        """Copy the file to a new sibling named with ``suffix`` (never overwriting one); None on failure."""
        target = self._sibling(suffix)
        counter = 2
        while target.exists():
            target = self._sibling(f"{suffix}-{counter}")
            counter += 1
        try:
            shutil.copy2(self._path, target)
        except OSError as exc:
            _log.warning("Cannot keep a copy of %s at %s: %s", self._path, target, exc)
            return None
        return target


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` so a reader sees the old or the new file, never a mix.

    Raises:
        OSError: The folder cannot be created or written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
