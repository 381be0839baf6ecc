"""Model folder check that never kills our process: quick checks here, a full load in a child."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from swictation_gui import __version__, log, paths
from swictation_gui.errors import ModelError
from swictation_gui.models import tokens
from swictation_gui.models.catalogue import ModelLocation
from swictation_gui.models.metadata import ModelInfo

PROBE_TIMEOUT_S = 300.0
_CACHE_LOCK = threading.Lock()


def remedy(location: ModelLocation) -> str:
    """What the user should do about a broken folder."""
    if location.spec is not None:
        return (f"Remove {location.folder} and install it again: "
                f"swictation-gui models download {location.spec.key}")
    return f"Replace {location.folder} with a complete copy of a sherpa-onnx Parakeet-TDT model folder."


def quick_check(location: ModelLocation) -> None:
    """Checks that need no model loading: the folder, each file's presence and size, tokens.txt.

    Raises:
        ModelError: with a one-line message naming the file and what to do.
    """
    folder = location.folder
    if not folder.is_dir():
        raise ModelError(f"Model folder {folder} does not exist. {remedy(location)}")
    for name in location.files.all():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{name} is missing in {folder}. {remedy(location)}")
        if path.stat().st_size == 0:
            raise ModelError(f"{name} in {folder} is empty (0 bytes), probably from an interrupted copy. "
                             f"{remedy(location)}")
    try:
        tokens.read_tokens(folder / location.files.tokens)
    except ModelError as exc:
        raise ModelError(f"{exc} {remedy(location)}") from None


def fingerprint(location: ModelLocation) -> str:
    """A key that changes whenever a model file is replaced or modified, or our checker changes."""
    parts = [__version__, sys.version.split()[0]]
    for name in location.files.all():
        st = (location.folder / name).stat()
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _cache_path() -> Path:
    return paths.cache_dir() / "model-checks.json"


def _read_cache() -> dict[str, Any]:
    try:
        data = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(key: str, entry: dict[str, Any], extra: tuple[str, dict[str, Any]] | None = None,
                 stamp: str = "") -> None:
    """Store ``entry`` under ``key``; with ``extra`` = (name, value), add it to the entry already stored
    instead, if that entry passed and still has the fingerprint ``stamp``."""
    with _CACHE_LOCK:
        data = _read_cache()
        if extra is not None:
            entry = data.get(key)  # type: ignore[assignment]
            if not (isinstance(entry, dict) and entry.get("ok") and entry.get("fingerprint") == stamp):
                return  # no valid check verdict to keep it with: it is recomputed next time
            entry[extra[0]] = extra[1]
        data[key] = entry
        target = _cache_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, target)
        except OSError as exc:  # a cache that cannot be written only costs time
            log.models.debug("Cannot write the model-check cache: %s", exc)


def _run_probe(location: ModelLocation, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "swictation_gui.models.probe", str(location.folder), *location.files.all()]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ModelError(f"Checking the model in {location.folder} took more than {timeout:.0f} s; "
                         "the disk may be very slow or the files damaged.") from None
    if proc.stderr.strip():
        log.models.debug("Model check of %s, its stderr:\n%s", location.folder, proc.stderr.strip())
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode == 0 and lines:
        result: dict[str, Any] = json.loads(lines[-1])
        return result
    # sherpa-onnx _Exit()s with 255 and explains on stderr: keep its last meaningful line.
    reason = next((ln.strip() for ln in reversed(proc.stderr.splitlines()) if ln.strip()), "no output")
    return {"ok": False, "error": f"sherpa-onnx refused the model in {location.folder}: {reason[:300]}"}


def check_folder(location: ModelLocation, use_cache: bool = True, timeout: float = PROBE_TIMEOUT_S) -> ModelInfo:
    """Validate ``location`` completely; the verdict is cached by file sizes and mtimes.

    Runs on a worker thread (it may take seconds for a large model on first use).

    Raises:
        ModelError: one line naming the file and what to do.
    """
    quick_check(location)
    key = str(location.folder.resolve())
    stamp = fingerprint(location)
    entry = _read_cache().get(key) if use_cache else None
    if not (isinstance(entry, dict) and entry.get("fingerprint") == stamp):
        log.models.info("Checking model folder %s", location.folder)
        entry = {"fingerprint": stamp, **_run_probe(location, timeout)}
        _write_cache(key, entry)
    if not entry.get("ok"):
        raise ModelError(f"{entry.get('error', 'unknown error')} {remedy(location)}")
    return ModelInfo(**entry["info"])


def cached_extra(location: ModelLocation, name: str, stamp: str) -> dict[str, Any] | None:
    """A result kept with the model's check verdict (``store_extra``), if the model files and ``stamp``
    (what else the result depends on) are unchanged; any thread (reads one small file)."""
    try:
        current = fingerprint(location)
    except OSError:
        return None
    entry = _read_cache().get(str(location.folder.resolve()))
    if not (isinstance(entry, dict) and entry.get("ok") and entry.get("fingerprint") == current):
        return None
    extra = entry.get(name)
    if isinstance(extra, dict) and extra.get("stamp") == stamp and isinstance(extra.get("value"), dict):
        value: dict[str, Any] = extra["value"]
        return value
    return None


def store_extra(location: ModelLocation, name: str, stamp: str, value: dict[str, Any]) -> None:
    """Keep ``value`` with the model's check verdict; dropped whenever the verdict is recomputed."""
    check_folder(location)  # makes sure a current verdict exists (cached: cheap)
    _write_cache(str(location.folder.resolve()), {}, (name, {"stamp": stamp, "value": value}), fingerprint(location))
