"""Small files installed next to the models (the Silero voice detector), downloaded and verified by SHA-256."""

from __future__ import annotations

import shutil
from pathlib import Path

import requests

from swictation_gui import log, paths
from swictation_gui.errors import DownloadError
from swictation_gui.models.catalogue import SILERO_VAD, ExtraFile
from swictation_gui.models.download import fetch, os_error, sha256_of


def install_extra(extra: ExtraFile = SILERO_VAD, root: Path | None = None,
                  session: requests.Session | None = None, beside: Path | None = None) -> Path:
    """Put ``extra`` into the models folder unless a verified copy is there; its path (worker thread). A verified
    copy in the folder ``beside`` (where the user's own model archive lies) is copied; otherwise it is downloaded.

    Raises:
        DownloadError: the download failed or the file is not the pinned one (nothing is installed then).
    """
    root = root or paths.models_dir()
    target = root / extra.name
    if target.is_file() and sha256_of(target) == extra.sha256:
        return target
    part = target.with_name(target.name + ".part")
    local = beside / extra.name if beside is not None else None
    if local is not None and local.is_file() and sha256_of(local) == extra.sha256:
        try:
            shutil.copyfile(local, part)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise os_error(exc, target, "copying the voice detector") from None
    else:
        fetch(extra.url, part, expected_size=extra.size, session=session)
    digest = sha256_of(part)
    if digest != extra.sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{extra.url} is not the expected file (SHA-256 {digest[:16]}… instead of "
                            f"{extra.sha256[:16]}…).")
    try:
        part.replace(target)
    except OSError as exc:
        raise os_error(exc, target, "installing the voice detector") from None
    log.models.info("Installed %s (%s)", target, extra.source)
    return target


def install_vad_quietly(root: Path | None = None, session: requests.Session | None = None,
                        extra: ExtraFile = SILERO_VAD, beside: Path | None = None) -> str:
    """The voice detector after a model install: "" when it is there, else a warning for the user (the app then
    finds pauses by loudness). ``beside``: the folder of the user's own archive, searched first. Never raises
    (worker thread)."""
    try:
        install_extra(extra, root, session, beside)
    except DownloadError as exc:
        log.models.warning("The voice detector could not be installed: %s", exc)
        manual = (f" To add it by hand, save {extra.url} as {extra.name} next to the model archive and install the "
                  "archive again." if beside is not None else "")
        return (f"The voice detector could not be downloaded ({exc}); pauses in your speech are found by their "
                f"loudness instead, which works in a quiet room.{manual}")
    return ""
