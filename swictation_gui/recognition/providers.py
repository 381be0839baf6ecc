"""onnxruntime execution providers: CUDA when it really works, CPU otherwise, and the honest reason why.

onnxruntime-gpu lists ``CUDAExecutionProvider`` whether or not CUDA can load (the list is fixed at
build time), and when the CUDA provider fails to load it logs a line to stderr and silently runs
on the CPU. So "GPU active" is decided only from ``session.get_providers()`` after loading, and the
reason for a fallback is read from what onnxruntime printed. That text goes to native stderr, so the check
runs in a child process (``recognition/cuda_check.py``) whose stderr we read: nothing here ever redirects
this process's file descriptors, so no line another thread writes meanwhile is lost.

Functions here run on the thread that loads a model (a worker thread, or the CLI's main thread).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from swictation_gui import log
from swictation_gui.recognition.base import DeviceReport

CUDA_EP = "CUDAExecutionProvider"
CPU_EP = "CPUExecutionProvider"

# EXHAUSTIVE cuDNN searches take seconds per new input length; HEURISTIC is near-optimal for
# conformers and keeps the first utterance of every new length fast. arena "kSameAsRequested"
# keeps GPU memory close to what the model needs instead of doubling chunks. TF32 off: full fp32
# matmuls on Ampere and newer, so the encoder output stays as close as possible to sherpa's CPU
# result (fewer argmax flips) at some speed cost; unmeasured here (no GPU was available).
CUDA_OPTIONS: dict[str, str] = {
    "device_id": "0",
    "cudnn_conv_algo_search": "HEURISTIC",
    "arena_extend_strategy": "kSameAsRequested",
    "use_tf32": "0",
}

CUDA_CHECK_TIMEOUT_S = 120.0  # a first CUDA initialization can take several seconds; a hung driver must not block

_PRELOAD_LOCK = threading.Lock()
_preload_messages: list[str] | None = None
_ABSENT = object()
_CHECK_LOCK = threading.Lock()  # held while the shared check runs, so a second asker waits for its answer
_shared_report: DeviceReport | None = None  # the process's one CUDA check (CUDA does not come and go)


@dataclass(frozen=True)
class SessionResult:
    """A loaded session and where it really runs."""

    session: Any
    report: DeviceReport


def ort_version() -> str:
    """The onnxruntime version and flavour, e.g. "onnxruntime-gpu 1.31.1"."""
    import importlib.metadata

    import onnxruntime as ort

    for dist in ("onnxruntime-gpu", "onnxruntime"):
        try:
            importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
        return f"{dist} {ort.__version__}"
    return f"onnxruntime {ort.__version__}"


def preload_cuda_libraries() -> list[str]:
    """Call ``onnxruntime.preload_dlls()`` once (loads pip-installed CUDA/cuDNN); returns its failure, if any.

    ``preload_dlls`` reports each library it cannot load with ``print()``, which would land among the transcripts
    that ``transcribe`` prints on stdout. Its prints are collected by shadowing ``print`` in onnxruntime's own module
    namespace for the duration of the call, so no stream of the process is redirected and other threads are not
    affected.
    """
    global _preload_messages
    with _PRELOAD_LOCK:
        if _preload_messages is None:
            import onnxruntime as ort

            messages: list[str] = []
            preload = getattr(ort, "preload_dlls", None)
            if preload is not None:
                namespace = vars(ort)
                shadowed = namespace.get("print", _ABSENT)
                namespace["print"] = lambda *args, **kwargs: messages.append(" ".join(map(str, args)))
                try:
                    preload()
                except Exception as exc:  # preload is best effort; the session decides
                    messages.append(f"preload_dlls failed: {exc}")
                finally:
                    if shadowed is _ABSENT:
                        del namespace["print"]
                    else:
                        namespace["print"] = shadowed
            for line in messages:
                log.recognition.debug("preload_dlls: %s", line)
            _preload_messages = messages
        return list(_preload_messages)


_MISSING_LIB = re.compile(r"(lib[\w.+-]+\.so[\w.]*|\w+\.dll)\S*: cannot open shared object file|"
                          r"LoadLibrary failed with error \d+ .*?when trying to load \"?([^\"]+\.dll)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def required_cuda(version: str) -> str:
    """The CUDA major an onnxruntime-gpu build needs: 1.27 and later use CUDA 13, older ones CUDA 12."""
    match = re.search(r"(\d+)\.(\d+)", version)
    if match and (int(match.group(1)), int(match.group(2))) < (1, 27):
        return "CUDA 12"
    return "CUDA 13"


def fallback_reason(log_text: str, *, cuda_built: bool = True, version: str = "") -> str:
    """One line explaining why CUDA did not become active, from onnxruntime's own messages."""
    if not cuda_built:
        return (f"{version or 'onnxruntime'} is the CPU-only build; install onnxruntime-gpu "
                "(pip uninstall onnxruntime && pip install onnxruntime-gpu)")
    text = _ANSI.sub("", log_text)
    missing = _MISSING_LIB.search(text)
    if missing:
        lib = next(g for g in missing.groups() if g)
        return (f"{lib} not found (CUDA/cuDNN libraries are not installed or not on the loader path; "
                f"pip install 'swictation-gui[cuda]' or install {required_cuda(version)} + cuDNN 9)")
    lowered = text.lower()
    if "no cuda-capable device" in lowered or "cudaerrornodevice" in lowered:
        return "no CUDA device found (is the NVIDIA driver loaded? check nvidia-smi)"
    if "driver version is insufficient" in lowered or "cudaerrorinsufficientdriver" in lowered:
        return ("the NVIDIA driver is too old for this onnxruntime-gpu (CUDA 13 needs driver R580+; "
                "pin onnxruntime-gpu<=1.26 for a CUDA 12 driver)")
    for line in text.splitlines():
        if "Failed to create CUDAExecutionProvider" in line or "CUDA failure" in line or "CUDA error" in line:
            return line.split("]", 1)[-1].strip()[:300]
    last = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return (last[-1][:300] if last else "onnxruntime did not enable the CUDA provider and gave no reason")


def cuda_built() -> bool:
    """True when this onnxruntime build includes the CUDA provider (not proof that it works)."""
    import onnxruntime as ort

    return CUDA_EP in ort.get_available_providers()


def session_options(threads: int, log_errors_only: bool = True, spin: bool = True) -> Any:
    """SessionOptions for inference: full graph optimization, ``threads`` intra-op threads.

    ``spin=False`` stops idle pool threads from busy-waiting: needed when two sessions alternate
    many tiny runs (decoder and joiner), whose spinning pools otherwise fight over the cores.
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if not spin:
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if log_errors_only:
        opts.log_severity_level = 3
    return opts


def create_session(model: str | bytes, device: str, threads: int,
                   cuda_options: dict[str, str] | None = None, warn: bool = True, spin: bool = True) -> SessionResult:
    """Load ``model`` (a path or ONNX bytes) on ``device`` ("cpu" or "cuda") with an honest report.

    A CUDA fallback is logged as a warning unless ``warn`` is False (then at debug level).

    Raises whatever onnxruntime raises for an unreadable model (callers turn it into ModelError).
    """
    import onnxruntime as ort

    opts = session_options(threads, spin=spin)
    if device != "cuda":
        sess = ort.InferenceSession(model, opts, providers=[CPU_EP])
        return SessionResult(sess, DeviceReport(requested=device, active="cpu",
                                                detail=f"{ort_version()}; providers {sess.get_providers()}"))
    version = ort_version()
    if not cuda_built():
        sess = ort.InferenceSession(model, opts, providers=[CPU_EP])
        return SessionResult(sess, DeviceReport("cuda", "cpu", fallback_reason("", cuda_built=False, version=version),
                                                detail=f"{version}; providers {sess.get_providers()}"))
    preload_cuda_libraries()
    sess, failure = _cuda_session(model, opts, cuda_options)
    active = sess.get_providers()
    detail = f"{version}; providers {active}"
    if active and active[0] == CUDA_EP:
        return SessionResult(sess, DeviceReport("cuda", "cuda", detail=detail))
    reason = failure or explain_fallback()
    log.recognition.log(logging.WARNING if warn else logging.DEBUG,
                        "CUDA requested but onnxruntime runs on the CPU: %s", reason)
    return SessionResult(sess, DeviceReport("cuda", "cpu", reason, detail))


def _cuda_session(model: str | bytes, opts: Any, cuda_options: dict[str, str] | None) -> tuple[Any, str]:
    """A session asking for CUDA first, and the failure text when onnxruntime refused CUDA outright."""
    import onnxruntime as ort

    providers: Sequence[Any] = [(CUDA_EP, {**CUDA_OPTIONS, **(cuda_options or {})}), CPU_EP]
    try:
        return ort.InferenceSession(model, opts, providers=providers), ""
    except Exception as exc:  # a CUDA-side failure must not hide a model that works on the CPU
        failure = f"onnxruntime could not create a CUDA session: {str(exc).strip()[:300]}"
        return ort.InferenceSession(model, opts, providers=[CPU_EP]), failure


def explain_fallback() -> str:
    """Why CUDA did not become active in this process: the shared child-process check's reason (any thread)."""
    report = shared_cuda_status()
    if report.fell_back and report.reason:
        return report.reason
    return ("onnxruntime did not enable the CUDA provider in this process although a separate check could "
            "(its messages are on stderr)")


def shared_cuda_status() -> DeviceReport:
    """``cuda_status()`` run once per process (any thread): a caller that comes while it runs waits for the same
    answer, so the start-up probe and a GPU model's fallback message never start two checks."""
    global _shared_report
    with _CHECK_LOCK:
        if _shared_report is None:
            _shared_report = cuda_status()
        return _shared_report


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes | int | str) -> bytes:
    """One protobuf field: varint for ints, length-delimited for bytes/str."""
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return _varint((number << 3) | 2) + _varint(len(data)) + data


def tiny_model_bytes() -> bytes:
    """A serialized ONNX model ``y = x + x`` (float32 [1]), opset 17, built without the onnx package."""
    dim = _field(1, _field(1, 1))                                   # TensorShapeProto.dim { dim_value: 1 }
    tensor_type = _field(1, 1) + _field(2, dim)                     # elem_type FLOAT, shape
    value_type = _field(1, tensor_type)                             # TypeProto.tensor_type

    def value_info(name: str) -> bytes:
        return _field(1, name) + _field(2, value_type)

    node = _field(1, "x") + _field(1, "x") + _field(2, "y") + _field(3, "add") + _field(4, "Add")
    graph = _field(1, node) + _field(2, "cuda_probe") + _field(11, value_info("x")) + _field(12, value_info("y"))
    opset = _field(1, "") + _field(2, 17)
    return _field(1, 8) + _field(2, "swictation-gui") + _field(7, graph) + _field(8, opset)


def check_here() -> dict[str, Any]:
    """Child process only (``recognition/cuda_check.py``): load and run the tiny model asking for CUDA.

    Returns the facts as JSON-ready values; onnxruntime explains a fallback on this process's stderr,
    which the parent reads (see ``report_from_check``).
    """
    import numpy as np

    version = ort_version()
    if not cuda_built():
        return {"version": version, "built": False}
    facts: dict[str, Any] = {"version": version, "built": True, "preload": preload_cuda_libraries()}
    sess, facts["failure"] = _cuda_session(tiny_model_bytes(), session_options(1), None)
    facts["providers"] = active = sess.get_providers()
    if active and active[0] == CUDA_EP:
        try:
            out = sess.run(None, {"x": np.ones(1, dtype=np.float32)})[0]
            facts["result"] = float(out[0])
        except Exception as exc:
            facts["run_error"] = str(exc)
    return facts


def report_from_check(facts: dict[str, Any], stderr_text: str) -> DeviceReport:
    """The DeviceReport for a child check's ``facts`` and what onnxruntime wrote on the child's stderr."""
    if "error" in facts:
        return DeviceReport("cuda", "cpu", f"the CUDA check failed: {facts['error']}")
    version = str(facts.get("version", ""))
    if not facts.get("built"):
        return DeviceReport("cuda", "cpu", fallback_reason("", cuda_built=False, version=version),
                            detail=f"{version}; providers {[CPU_EP]}")
    active = list(facts.get("providers", []))
    detail = f"{version}; providers {active}"
    if active and active[0] == CUDA_EP:
        if "run_error" in facts:
            return DeviceReport("cuda", "cpu", f"the CUDA provider loaded but could not run: {facts['run_error']}",
                                detail)
        if facts.get("result") != 2.0:
            return DeviceReport("cuda", "cpu", "the CUDA provider computed a wrong result", detail)
        return DeviceReport("cuda", "cuda", detail=detail)
    preload = "\n".join(str(m) for m in facts.get("preload", []))
    reason = str(facts.get("failure") or "") or fallback_reason(stderr_text + "\n" + preload, version=version)
    return DeviceReport("cuda", "cpu", reason, detail)


def cuda_status(timeout: float = CUDA_CHECK_TIMEOUT_S) -> DeviceReport:
    """Whether onnxruntime can run on CUDA here, by loading and running a tiny model in a child process
    (about a second without a GPU; a first CUDA initialization can take a few seconds). Never raises."""
    import json
    import subprocess

    cmd = [sys.executable, "-m", "swictation_gui.recognition.cuda_check"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return DeviceReport("cuda", "cpu", f"the CUDA check did not finish within {timeout:.0f} s")
    except OSError as exc:
        return DeviceReport("cuda", "cpu", f"the CUDA check could not start: {exc}")
    for line in proc.stderr.splitlines():
        if line.strip():
            log.recognition.debug("onnxruntime: %s", _ANSI.sub("", line).strip())
    try:
        facts = json.loads(proc.stdout.strip().splitlines()[-1])
        assert isinstance(facts, dict)
    except (IndexError, ValueError, AssertionError):
        last = [ln.strip() for ln in _ANSI.sub("", proc.stderr).splitlines() if ln.strip()]
        why = last[-1][:300] if last else f"exit code {proc.returncode}"
        return DeviceReport("cuda", "cpu", f"the CUDA check failed: {why}")
    return report_from_check(facts, proc.stderr)
