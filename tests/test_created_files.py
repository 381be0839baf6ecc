"""Every file the app creates is one we meant: none in the working directory, none from onnxruntime's
telemetry, and the log private (0600), checked on real processes with HOME, XDG dirs and cwd in a temp dir."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile

from swictation_gui import log
from tests.fixtures import synth_models as sm

REPO = Path(__file__).resolve().parents[1]

# Relative to the temporary root. The pulse folder belongs to the sound system's client library.
EXPECTED = {
    "home/.cache/swictation-gui/model-checks.json",
    "home/.local/state/swictation-gui/log/swictation-gui.log",
    "xdg-runtime/swictation-gui/instance.lock",
}
NOT_OURS = ("xdg-runtime/pulse",)


@pytest.fixture
def roots(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Empty home, working, temporary and runtime folders (the runtime one short: it holds a Unix socket)."""
    with tempfile.TemporaryDirectory(prefix="sg-", dir="/tmp") as runtime:
        folders = {"home": tmp_path / "home", "cwd": tmp_path / "cwd", "tmp": tmp_path / "tmp",
                   "xdg-runtime": Path(runtime)}
        for folder in folders.values():
            folder.mkdir(mode=0o700, exist_ok=True)
        yield folders


def _env(roots: dict[str, Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SWICTATION_GUI_HOME", "DISPLAY", "WAYLAND_DISPLAY", "ORT_DISABLE_TELEMETRY")
           and not k.startswith("XDG_")}
    home = roots["home"]
    return {**env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_STATE_HOME": str(home / ".local/state"), "XDG_RUNTIME_DIR": str(roots["xdg-runtime"]),
            "TMPDIR": str(roots["tmp"]), "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1",
            "QT_QPA_PLATFORM": "offscreen"}


def _created(roots: dict[str, Path]) -> dict[str, int]:
    """Every file (not folder) under the roots, as "root/relative path" with its permission bits."""
    found = {f"{name}/{p.relative_to(root)}": stat.S_IMODE(p.stat().st_mode)
             for name, root in roots.items() for p in root.rglob("*") if not p.is_dir()}
    return {name: mode for name, mode in found.items() if not name.startswith(NOT_OURS)}


@pytest.mark.slow
def test_a_session_creates_only_the_expected_files(band_model: Path, tmp_path: Path,
                                                   roots: dict[str, Path]) -> None:
    wav = tmp_path / "a.wav"
    soundfile.write(wav, sm.band_phrase(["do", "re"]), 16000)
    env = _env(roots)

    def swictation(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "swictation_gui", *args], env=env, cwd=roots["cwd"],
                              capture_output=True, text=True, timeout=120, check=False)

    for engine in ("onnxruntime", "sherpa"):
        proc = swictation("transcribe", "--engine", engine, "--model", str(band_model), str(wav))
        assert (proc.returncode, proc.stdout) == (0, "do re\n"), proc.stderr
    assert swictation("models").returncode == 0
    # The tray app (offscreen, no microphone, no hotkey): until ready, then quit over the control socket.
    err = tmp_path / "app.err"
    with err.open("w") as sink:
        app = subprocess.Popen([sys.executable, "-m", "swictation_gui", f"--model-dir={band_model}",
                                "--engine=onnxruntime", "--log-json"],
                               env=env, cwd=roots["cwd"], stdout=subprocess.DEVNULL, stderr=sink)
        try:
            deadline = time.monotonic() + 60
            while '"ev": "ready"' not in err.read_text() and app.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert '"ev": "ready"' in err.read_text(), err.read_text()
            assert swictation("quit").returncode == 0
            assert app.wait(30) == 0, err.read_text()
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
    created = _created(roots)
    assert set(created) == EXPECTED
    assert created["home/.local/state/swictation-gui/log/swictation-gui.log"] == 0o600


def test_the_log_and_its_backups_are_private(tmp_path: Path) -> None:
    path = tmp_path / "log" / "swictation-gui.log"
    path.parent.mkdir()
    path.write_text("from an older version\n")
    path.chmod(0o644)
    Path(f"{path}.1").write_text("older\n")
    Path(f"{path}.1").chmod(0o644)
    old_umask = os.umask(0o022)
    try:
        handler = log.PrivateRotatingFileHandler(path, max_bytes=300, backup_count=3)
        logger = logging.getLogger("swictation.test-private-log")
        logger.addHandler(handler)
        try:
            for i in range(40):
                logger.warning("line %d of a log that rotates", i)
        finally:
            logger.removeHandler(handler)
            handler.close()
    finally:
        os.umask(old_umask)
    files = sorted(path.parent.iterdir())
    assert [p.name for p in files] == [path.name] + [f"{path.name}.{i}" for i in (1, 2, 3)]
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}
