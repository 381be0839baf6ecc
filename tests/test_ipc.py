"""Single instance and the control socket, with real Unix sockets and real processes."""

from __future__ import annotations

import os
import queue
import select
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from swictation_gui.platform import ipc

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import sys, threading
from swictation_gui.platform import ipc
got = threading.Event()
def on_command(cmd, reply):
    print("GOT", cmd, flush=True)
    if cmd == "quit":
        got.set()
    answers = {"model:cpu": "error The CPU model is not installed."
                            "\\nInstall it with: swictation-gui models download cpu",
               "model:gpu": "ok now using the GPU fp32 model (GPU (CUDA))"}
    if reply is not None:  # answered later, from another thread, as the app's GUI thread does
        threading.Timer(1.0, reply, [answers[cmd]]).start()
server = ipc.ControlServer(on_command)
server.start()
print("READY", flush=True)
got.wait(30)
server.stop()
"""


@pytest.fixture
def server() -> Iterator[tuple[ipc.ControlServer, queue.Queue[str]]]:
    received: queue.Queue[str] = queue.Queue()
    srv = ipc.ControlServer(lambda command, reply: received.put(command))
    srv.start()
    yield srv, received
    srv.stop()


def _line(proc: subprocess.Popen[str], timeout: float = 15) -> str:
    """The child's next stdout line, or fail after ``timeout`` seconds."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, f"no output from the child within {timeout} s"
    return proc.stdout.readline().strip()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "swictation_gui", *args], capture_output=True, text=True,
                          timeout=60, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)


def test_command_reaches_the_server(server: tuple[ipc.ControlServer, queue.Queue[str]]) -> None:
    _, received = server
    assert ipc.send_command("toggle") == "ok"
    assert received.get(timeout=5) == "toggle"
    assert ipc.send_command("settings") == "ok"
    assert received.get(timeout=5) == "settings"
    assert ipc.send_command("ping") == "ok"
    assert received.empty()  # ping is answered by the server itself


def test_socket_is_private(server: tuple[ipc.ControlServer, queue.Queue[str]]) -> None:
    srv, _ = server
    folder = srv.socket_path.parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_ISSOCK(srv.socket_path.stat().st_mode)
    assert stat.S_IMODE(srv.socket_path.stat().st_mode) & 0o077 == 0


def test_loose_folder_permissions_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    srv = ipc.ControlServer(lambda c, r: None, folder)
    srv.start()
    try:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    finally:
        srv.stop()


def test_second_instance_is_detected(server: tuple[ipc.ControlServer, queue.Queue[str]]) -> None:
    with pytest.raises(ipc.AlreadyRunningError):
        ipc.ControlServer(lambda c, r: None).start()


def test_unknown_command_and_failing_callback_are_answered_with_errors(tmp_path: Path) -> None:
    def boom(command: str, reply: ipc.Reply | None) -> None:
        raise RuntimeError("no session yet")

    srv = ipc.ControlServer(boom, tmp_path / "run")
    srv.start()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(srv.socket_path))
            sock.sendall(b"format-disk\n")
            assert sock.recv(256).startswith(b"error unknown command")
        assert ipc.send_command("toggle", tmp_path / "run") == "error no session yet"
        assert ipc.send_command("toggle", tmp_path / "run") == "error no session yet"  # server still alive
    finally:
        srv.stop()


def test_not_running_is_reported() -> None:
    with pytest.raises(ipc.NotRunningError):
        ipc.send_command("toggle")


def test_stale_socket_from_a_crash_is_replaced(tmp_path: Path) -> None:
    folder = ipc.ensure_private_dir(tmp_path / "run")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(folder / ipc.SOCKET_NAME))
    stale.close()  # the file stays, nobody listens: like a killed instance
    with pytest.raises(ipc.NotRunningError):
        ipc.send_command("toggle", folder)
    received: queue.Queue[str] = queue.Queue()
    srv = ipc.ControlServer(lambda command, reply: received.put(command), folder)
    srv.start()
    try:
        assert ipc.send_command("stop", folder) == "ok"
        assert received.get(timeout=5) == "stop"
    finally:
        srv.stop()
    assert not (folder / ipc.SOCKET_NAME).exists()


def test_cli_commands_reach_a_running_instance_in_another_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert _line(child) == "READY"
        with pytest.raises(ipc.AlreadyRunningError):  # what a second launch of the app sees
            ipc.ControlServer(lambda c, r: None).start()
        for command in ("toggle", "start", "stop", "settings"):
            result = _cli(command)
            assert result.returncode == 0, result.stderr
            assert _line(child) == f"GOT {command}"
        assert _cli("quit").returncode == 0
        assert _line(child) == "GOT quit"
        assert child.wait(10) == 0
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=5)  # also closes its pipes
    result = _cli("toggle")
    assert result.returncode == 1
    assert "not running" in result.stderr and "Start it with" in result.stderr
    result = _cli("model", "cpu")
    assert result.returncode == 1 and "not running" in result.stderr
    assert "switching" not in result.stdout


def test_a_deferred_command_is_answered_later_while_other_clients_are_served(tmp_path: Path) -> None:
    """The server thread never waits for a model switch: it keeps the connection for the app's answer, which
    comes later from another thread, and answers other commands meanwhile."""
    folder = tmp_path / "run"
    replies: queue.Queue[ipc.Reply] = queue.Queue()
    received: queue.Queue[str] = queue.Queue()

    def on_command(command: str, reply: ipc.Reply | None) -> None:
        received.put(command)
        if reply is not None:
            replies.put(reply)

    srv = ipc.ControlServer(on_command, folder)
    srv.start()
    answers: queue.Queue[str] = queue.Queue()
    try:
        client = threading.Thread(target=lambda: answers.put(ipc.send_command("model:cpu", folder, timeout=30)))
        client.start()
        reply = replies.get(timeout=5)
        assert ipc.send_command("toggle", folder) == "ok"  # served while the switch is still pending
        assert ipc.send_command("ping", folder) == "ok"
        assert answers.empty()
        answerer = threading.Thread(target=reply, args=["error The CPU model\nis not installed."])
        answerer.start()
        answerer.join(5)
        assert not answerer.is_alive()
        client.join(10)
        assert answers.get(timeout=1) == "error The CPU model is not installed."  # one line
        reply("ok twice")  # a second answer is ignored
        assert list(received.queue) == ["model:cpu", "toggle"]
    finally:
        srv.stop()


def test_an_unanswered_deferred_command_gets_an_error_in_bounded_time(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    srv = ipc.ControlServer(lambda command, reply: None, folder, reply_timeout=0.5)
    srv.start()
    try:
        t0 = time.monotonic()
        answer = ipc.send_command("model:gpu", folder, timeout=30)
        assert answer.startswith("error ") and "did not answer in time" in answer
        assert time.monotonic() - t0 < 5
    finally:
        srv.stop()
    held = threading.Event()
    srv = ipc.ControlServer(lambda command, reply: held.set(), folder)
    srv.start()
    answers: queue.Queue[str] = queue.Queue()
    client = threading.Thread(target=lambda: answers.put(ipc.send_command("model:gpu", folder, timeout=30)))
    client.start()
    assert held.wait(10), "the server never handed the command on"
    srv.stop()  # quitting answers every client still waiting
    client.join(10)
    assert answers.get(timeout=1).startswith("error swictation-gui quit")


def test_the_model_command_waits_for_the_outcome_and_reports_it() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert _line(child) == "READY"
        result = _cli("model", "cpu")
        assert _line(child) == "GOT model:cpu"
        assert result.returncode == 2, result
        assert result.stdout.strip() == "switching to the cpu model…"
        assert result.stderr.strip() == ("The CPU model is not installed. "
                                          "Install it with: swictation-gui models download cpu")
        result = _cli("model", "gpu")
        assert result.returncode == 0, result
        assert result.stdout.splitlines() == ["switching to the gpu model…",
                                              "now using the GPU fp32 model (GPU (CUDA))"]
        assert _cli("quit").returncode == 0
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=5)
