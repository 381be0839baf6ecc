"""A real PulseAudio virtual microphone for tests: a private daemon with a null sink whose monitor is the mic."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

SINK = "vsink"
SOURCE = "vsink.monitor"
RATE = 16_000


def available() -> bool:
    """True when the PulseAudio binaries this fixture needs are installed."""
    return all(shutil.which(tool) for tool in ("pulseaudio", "pactl", "paplay", "pacat", "parec"))


class VirtualMic:
    """A private ``pulseaudio`` daemon (own runtime dir) whose default source is a null sink's monitor.

    Audio played with :meth:`play` reaches every capture stream on the default device in real time.
    ``env`` holds the variables a child process (or this process) needs to reach this daemon.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runtime = root / "xdg"
        self.runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.socket = self.runtime / "pulse" / "native"
        self.env: dict[str, str] = {
            "XDG_RUNTIME_DIR": str(self.runtime),
            "PULSE_RUNTIME_PATH": str(self.runtime / "pulse"),
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_STATE_PATH": str(root / "state"),
        }
        self._daemon: subprocess.Popen[bytes] | None = None
        self._keepalive: subprocess.Popen[bytes] | None = None
        self._players: list[subprocess.Popen[bytes]] = []
        self._sink_module: str | None = None
        self._extra: list[subprocess.Popen[bytes]] = []

    # ----------------------------------------------------------------- lifecycle

    def _child_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def pactl(self, *args: str, check: bool = True, timeout: float = 10.0) -> str:
        """Run ``pactl`` against this daemon and return its stdout."""
        done = subprocess.run(["pactl", *args], env=self._child_env(), capture_output=True, text=True,
                              timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        """Start the daemon, the null sink, a keep-alive stream, and wait until the monitor delivers audio."""
        log = open(self.root / "pulseaudio.log", "wb")  # noqa: SIM115 - owned by the child for its lifetime
        self._daemon = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--system=false",
             "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
             "-L", f"module-native-protocol-unix socket={self.socket} auth-anonymous=1"],
            env=self._child_env(), stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 15
        while True:
            if self._daemon.poll() is not None:
                raise RuntimeError(f"pulseaudio exited: {(self.root / 'pulseaudio.log').read_text()[-2000:]}")
            if self.socket.exists() and self.pactl("info", check=False):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("pulseaudio did not come up within 15 s")
            time.sleep(0.05)
        self.add_source()

    def add_source(self) -> None:
        """(Re)create the null sink, make its monitor the default source, and start the keep-alive."""
        self._sink_module = self.pactl(
            "load-module", "module-null-sink", f"sink_name={SINK}", f"rate={RATE}", "channels=1",
            "sink_properties=device.description=VirtualMicFeed").strip()
        self.pactl("set-default-sink", SINK)
        self.pactl("set-default-source", SOURCE)
        self._keepalive = subprocess.Popen(
            ["pacat", "--playback", f"--device={SINK}", "--latency-msec=20", f"--rate={RATE}", "--channels=1",
             "--format=s16le", "/dev/zero"],
            env=self._child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._warm_up()

    def _warm_up(self) -> None:
        """Wait until the monitor really delivers data (the first capture otherwise stalls ~1.5 s)."""
        rec = subprocess.Popen(
            ["parec", f"--device={SOURCE}", "--latency-msec=20", "--raw", f"--rate={RATE}", "--channels=1",
             "--format=s16le"],
            env=self._child_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            assert rec.stdout is not None
            got = 0
            deadline = time.monotonic() + 10
            while got < 3200 and time.monotonic() < deadline:
                chunk = rec.stdout.read1(3200 - got) if hasattr(rec.stdout, "read1") else rec.stdout.read(3200 - got)
                if not chunk:
                    break
                got += len(chunk)
            if got < 3200:
                raise RuntimeError("the virtual microphone delivered no audio within 10 s")
        finally:
            _kill_group(rec)

    def add_microphone(self, name: str, description: str) -> str:
        """A second kind of source, like a real microphone (not a monitor): a remap of its own null sink's monitor.

        Returns the sink to :meth:`play` into so that only this microphone hears it.
        """
        sink = f"{name}_feed"
        self.pactl("load-module", "module-null-sink", f"sink_name={sink}", f"rate={RATE}", "channels=1",
                   f"sink_properties=device.description={sink}")
        self.pactl("load-module", "module-remap-source", f"source_name={name}", f"master={sink}.monitor",
                   f"source_properties=\"device.description='{description}'\"")
        self._extra.append(subprocess.Popen(
            ["pacat", "--playback", f"--device={sink}", "--latency-msec=20", f"--rate={RATE}", "--channels=1",
             "--format=s16le", "/dev/zero"],
            env=self._child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        return sink

    def our_streams(self, app_name: str = "swictation-gui") -> list[dict[str, str]]:
        """The recording streams (source outputs) of the application ``app_name``: their source and properties."""
        streams: list[dict[str, str]] = []
        current: dict[str, str] | None = None
        for raw in self.pactl("list", "source-outputs").splitlines():
            line = raw.strip()
            if line.startswith("Source Output #"):
                current = {}
                streams.append(current)
            elif current is not None and line.startswith("Source:"):
                current["source"] = line.split(":", 1)[1].strip()
            elif current is not None and " = " in line:
                key, value = line.split(" = ", 1)
                current[key] = value.strip('"')
        return [s for s in streams if s.get("application.name") == app_name]

    def source_index(self, name: str) -> str:
        """The index PulseAudio gave the source ``name``."""
        for line in self.pactl("list", "short", "sources").splitlines():
            fields = line.split("\t")
            if len(fields) > 1 and fields[1] == name:
                return fields[0]
        raise AssertionError(f"no source {name}")

    def remove_source(self) -> None:
        """Pull the plug: stop the keep-alive and unload the null sink (its monitor source disappears)."""
        if self._keepalive is not None:
            _kill_group(self._keepalive)
            self._keepalive = None
        if self._sink_module is not None:
            self.pactl("unload-module", self._sink_module)
            self._sink_module = None

    def stop(self) -> None:
        """Stop every process this fixture started (idempotent)."""
        for proc in (*self._players, *self._extra):
            _kill_group(proc)
        self._players.clear()
        self._extra.clear()
        if self._keepalive is not None:
            _kill_group(self._keepalive)
            self._keepalive = None
        if self._daemon is not None:
            _kill_group(self._daemon)
            self._daemon = None

    # ----------------------------------------------------------------- speaking

    def write_wav(self, samples: np.ndarray, name: str, rate: int = RATE) -> Path:
        """Save float samples as 16-bit WAV under this fixture's folder."""
        path = self.root / name
        soundfile.write(str(path), np.asarray(samples, dtype=np.float32), rate, subtype="PCM_16")
        return path

    def play(self, wav: Path, wait: bool = True, sink: str = SINK) -> subprocess.Popen[bytes]:
        """Play ``wav`` into the microphone (or the one fed by ``sink``) in real time; with ``wait`` block until it
        has been played."""
        proc = subprocess.Popen(["paplay", f"--device={sink}", str(wav)],
                                env=self._child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        self._players.append(proc)
        if wait:
            _, err = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"paplay failed: {err.decode(errors='replace')}")
        return proc


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a child started with ``start_new_session=True`` and everything in its group."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    if proc.stdout is not None:
        proc.stdout.close()
    if proc.stderr is not None:
        proc.stderr.close()


def espeak_wav(text: str, path: Path) -> Path:
    """Real speech: ``text`` spoken by espeak-ng (US English, 160 words/min) into the WAV file ``path`` (the test is
    skipped where espeak-ng is not installed)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(path), text], check=True, capture_output=True,
                   timeout=30)
    return path


@pytest.fixture
def virtual_mic(monkeypatch: pytest.MonkeyPatch) -> Iterator[VirtualMic]:
    """A fresh virtual microphone for one test; this process's environment points at it."""
    if not available():
        pytest.skip("PulseAudio (pulseaudio, pulseaudio-utils) is not installed")
    root = Path(tempfile.mkdtemp(prefix="vmic-"))
    mic = VirtualMic(root)
    try:
        mic.start()
        for key, value in mic.env.items():
            monkeypatch.setenv(key, value)
        if "sounddevice" in sys.modules:
            # PortAudio lists devices once, when it starts: one started by an earlier test in this process (with no
            # sound server then) would not see this one, so re-scan, as a hot-plug does in the app.
            from swictation_gui.audio import portaudio

            portaudio.SHARED.rescan()
        yield mic
    finally:
        mic.stop()
        shutil.rmtree(root, ignore_errors=True)
