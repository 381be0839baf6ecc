"""CUDA provider handling: "GPU active" only from session.get_providers(), and a truthful fallback reason."""

from __future__ import annotations

import onnx
import onnxruntime as ort
import pytest

from swictation_gui.recognition import providers
from swictation_gui.recognition.base import DeviceReport


def _cuda_works() -> bool:
    return providers.cuda_status().active == "cuda"


def test_tiny_probe_model_is_valid_onnx() -> None:
    model = onnx.load_from_string(providers.tiny_model_bytes())
    onnx.checker.check_model(model)
    assert [n.op_type for n in model.graph.node] == ["Add"]
    sess = providers.create_session(providers.tiny_model_bytes(), "cpu", threads=1).session
    import numpy as np

    assert float(sess.run(None, {"x": np.array([1.5], np.float32)})[0][0]) == 3.0


def test_cpu_request_reports_cpu() -> None:
    report = providers.create_session(providers.tiny_model_bytes(), "cpu", threads=1).report
    assert (report.requested, report.active, report.reason) == ("cpu", "cpu", "")
    assert report.describe() == "CPU"
    assert "CPUExecutionProvider" in report.detail


def test_cuda_status_is_decided_by_the_session() -> None:
    report = providers.cuda_status()
    assert report.requested == "cuda"
    if report.active == "cuda":
        assert report.describe() == "GPU (CUDA)" and not report.reason
    else:
        # onnxruntime-gpu is installed on the test machine, so CUDA is "available" yet not active.
        assert report.fell_back and report.reason
        assert report.describe().startswith("cuda requested, running on cpu: ")
        assert "providers ['CPUExecutionProvider']" in report.detail


def test_fallback_reason_names_the_missing_library_when_cuda_is_built_in() -> None:
    if not providers.cuda_built():
        pytest.skip("this onnxruntime is the CPU-only build")
    if _cuda_works():
        pytest.skip("CUDA works here; there is no fallback to explain")
    report = providers.cuda_status()
    # Without CUDA libraries onnxruntime names the first one it could not load.
    assert any(word in report.reason for word in ("not found", "device", "driver", "Failed to create")), report.reason


def test_cpu_only_build_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    report = providers.create_session(providers.tiny_model_bytes(), "cuda", threads=1).report
    assert report.active == "cpu"
    assert "CPU-only build" in report.reason
    assert report.describe().startswith("cuda requested, running on cpu: ")


@pytest.mark.parametrize("log_text, expected", [
    ("Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared "
     "object file: No such file or directory", "libcudnn.so.9 not found"),
    ("\x1b[1;31m2026 [E:onnxruntime] CUDA failure 100: no CUDA-capable device is detected ; GPU=0\x1b[m",
     "no CUDA device found"),
    ("CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version", "driver is too old"),
    ("[W:onnxruntime:Default, x.cc:1] Failed to create CUDAExecutionProvider. Require cuDNN 9.* and CUDA 13.*",
     "Failed to create CUDAExecutionProvider"),
    ("", "gave no reason"),
])
def test_fallback_reason_parsing(log_text: str, expected: str) -> None:
    assert expected in providers.fallback_reason(log_text, version="onnxruntime-gpu 1.31.1")


def test_required_cuda_follows_the_onnxruntime_line() -> None:
    assert providers.required_cuda("onnxruntime-gpu 1.26.0") == "CUDA 12"
    assert providers.required_cuda("onnxruntime-gpu 1.27.0") == "CUDA 13"
    assert providers.required_cuda("onnxruntime-gpu 1.31.1") == "CUDA 13"
    reason = providers.fallback_reason("libcublasLt.so.12: cannot open shared object file", version="x 1.20.1")
    assert "CUDA 12" in reason


_FD2_HARNESS = r"""
import os, sys, threading, time
from swictation_gui.recognition import providers
stop = threading.Event()
written = [0]
def writer():
    while not stop.is_set():
        os.write(2, b"marker-%d\n" % written[0])
        written[0] += 1
        time.sleep(0.0005)
thread = threading.Thread(target=writer)
thread.start()
time.sleep(0.05)
report = providers.cuda_status()
result = providers.create_session(providers.tiny_model_bytes(), "cuda", threads=1, warn=False)
time.sleep(0.05)
stop.set()
thread.join()
print(written[0])
print(report.describe())
print(result.report.describe())
"""


def test_the_cuda_check_never_swallows_what_another_thread_writes_to_stderr() -> None:
    # onnxruntime explains a CUDA fallback only on native stderr; reading it must not redirect fd 2 of the
    # app's process, or a line another thread writes meanwhile (a crash report, a library warning) is lost.
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _FD2_HARNESS], capture_output=True, text=True, timeout=240,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    count, status, session = proc.stdout.strip().splitlines()[-3:]
    markers = [ln for ln in proc.stderr.splitlines() if ln.startswith("marker-")]
    assert int(count) > 20
    missing = sorted(set(range(int(count))) - {int(m.split("-")[1]) for m in markers})
    assert missing == [], f"{len(missing)} of {count} lines written to fd 2 were lost"
    assert status.startswith(("GPU", "cuda requested, running on cpu: "))
    assert session == status  # the in-process session gives the same honest reason as the check


def test_the_check_reports_facts_from_a_child_process() -> None:
    facts = {"version": "onnxruntime-gpu 1.31.1", "built": True, "preload": [], "failure": "",
             "providers": ["CPUExecutionProvider"]}
    text = "Failed to load library x.so with error: libcublasLt.so.13: cannot open shared object file"
    report = providers.report_from_check(facts, text)
    assert report.describe().startswith("cuda requested, running on cpu: libcublasLt.so.13 not found")
    cuda = {**facts, "providers": ["CUDAExecutionProvider", "CPUExecutionProvider"], "result": 2.0}
    assert providers.report_from_check(cuda, "").describe() == "GPU (CUDA)"
    assert "could not run: boom" in providers.report_from_check({**cuda, "run_error": "boom"}, "").reason
    assert "wrong result" in providers.report_from_check({**cuda, "result": 3.0}, "").reason
    assert "CPU-only build" in providers.report_from_check({"version": "onnxruntime 1.31.1", "built": False}, "").reason
    failed = providers.report_from_check({"error": "ImportError: x"}, "")
    assert failed.reason == "the CUDA check failed: ImportError: x"


def test_a_hung_check_times_out_with_a_reason() -> None:
    report = providers.cuda_status(timeout=0.001)
    assert report.fell_back and "did not finish" in report.reason


@pytest.mark.gpu
def test_gpu_session_runs_on_cuda() -> None:
    if not _cuda_works():
        pytest.skip(f"no working CUDA provider: {providers.cuda_status().reason}")
    result = providers.create_session(providers.tiny_model_bytes(), "cuda", threads=1)
    assert result.session.get_providers()[0] == "CUDAExecutionProvider"
    assert result.report.describe() == "GPU (CUDA)"


def test_a_cuda_session_error_falls_back_to_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ort.InferenceSession

    def picky(model: object, opts: object = None, providers: list[object] | None = None) -> object:
        if providers and providers[0] != "CPUExecutionProvider":
            raise RuntimeError("[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Unknown provider option: 'use_tf32'")
        return real(model, opts, providers=providers)

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    monkeypatch.setattr(ort, "InferenceSession", picky)
    report = providers.create_session(providers.tiny_model_bytes(), "cuda", threads=1, warn=False).report
    assert report.active == "cpu"
    assert report.reason.startswith("onnxruntime could not create a CUDA session: ")
    assert "use_tf32" in report.reason


def test_the_start_up_probe_and_a_fallback_message_share_one_cuda_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads asking at once (the start-up probe, a GPU model explaining its fallback) start one real child
    check and get the same answer. Spy only: the real ``cuda_status`` runs, counted."""
    import threading

    monkeypatch.setattr(providers, "_shared_report", None)
    calls: list[int] = []
    real = providers.cuda_status

    def counted(timeout: float = providers.CUDA_CHECK_TIMEOUT_S) -> DeviceReport:
        calls.append(1)
        return real(timeout)

    monkeypatch.setattr(providers, "cuda_status", counted)
    answers: list[DeviceReport] = []
    threads = [threading.Thread(target=lambda: answers.append(providers.shared_cuda_status())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    reason = providers.explain_fallback()
    assert len(calls) == 1 and len(answers) == 2 and answers[0] is answers[1]
    assert reason == answers[0].reason or answers[0].active == "cuda"
