"""The CUDA check (a child process), awaited on a thread so that nobody waits; until it answers, CUDA is unknown."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot

from swictation_gui import log
from swictation_gui.recognition.base import DeviceReport


class CudaProbe(QObject):
    """Runs ``providers.shared_cuda_status()`` (a child process, once per process) on a thread; until it answers,
    CUDA counts as unknown.

    Signals:
        finished(DeviceReport): emitted from the probe thread, delivered on the GUI thread.
    """

    finished = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.report: DeviceReport | None = None
        self.finished.connect(self._store)

    def start(self) -> None:
        """Start probing (GUI thread); the answer arrives through ``finished``."""
        threading.Thread(target=self._run, name="cuda-probe", daemon=True).start()

    def _run(self) -> None:
        """Probe thread: never raises."""
        try:
            from swictation_gui.recognition.providers import shared_cuda_status

            report = shared_cuda_status()
        except Exception as exc:
            log.recognition.debug("CUDA probe failed", exc_info=True)
            report = DeviceReport("cuda", "cpu", f"the CUDA check failed: {exc}")
        self.finished.emit(report)

    @Slot(object)
    def _store(self, report: object) -> None:
        assert isinstance(report, DeviceReport)
        self.report = report
