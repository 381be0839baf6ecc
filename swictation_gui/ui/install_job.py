"""Runs a model install (or a model-folder check) on a worker thread and reports back on the GUI thread.

Usage (GUI thread)::

    job = InstallJob(root=None, session=None, parent=widget)
    job.progress.connect(on_progress)       # models.download.Progress
    job.succeeded.connect(on_installed)     # catalogue.ModelLocation
    job.failed.connect(on_failed)           # (message, offline)
    job.cancelled.connect(on_cancelled)
    job.install(lambda: source_for_spec(spec), name="model-download")   # or job.check_folder(folder)
    job.cancel(keep_partial=True)           # stops a running download; ``cancelled`` follows

One job runs at a time (``install``/``check_folder`` return False while ``busy()``). Exactly one of
``succeeded``, ``failed`` or ``cancelled`` follows each started run. The worker thread never touches
the job itself: each run gets its own unparented relay object, which the worker's closure keeps
alive, so deleting the job (or its parent widget) mid-run is safe (call ``cancel()`` first to stop
the download).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import requests
from PySide6.QtCore import QObject, Signal

from swictation_gui import log
from swictation_gui.errors import DownloadError, ModelError, SwictationError
from swictation_gui.models import check
from swictation_gui.models.catalogue import ModelSpec, resolve
from swictation_gui.models.download import CancelledError, CancelToken, NetworkError, Progress
from swictation_gui.models.install import install
from swictation_gui.models.sources import Source
from swictation_gui.recognition.engine_choice import verdict_at_install

_MB = 1024 * 1024
PHASE_TEXT = {"download": "Downloading", "verify": "Verifying", "extract": "Unpacking", "check": "Checking"}
"""Progress.phase → the word shown for it."""
OFFLINE_TEXT = ("You appear to be offline, or the download server cannot be reached. swictation-gui keeps working "
                "with whatever model is installed; try again when you are online.")


def size_text(spec: ModelSpec) -> str:
    """"N MB download, about M MB on disk" (the download part only when its size is known)."""
    download = f"{spec.archive_size / _MB:.0f} MB download, " if spec.archive_size else ""
    return f"{download}about {spec.unpacked_mb} MB on disk"


def progress_text(p: Progress) -> str:
    """One line for a progress report: "Downloading 12.0 / 465.0 MB — 3.1 MB/s, 2:27 left"."""
    if p.phase == "check":
        return "Checking that the model loads …"
    total = f" / {p.total / _MB:.1f}" if p.total else ""
    rate = f" — {p.rate / _MB:.1f} MB/s" if p.rate else ""
    left = ""
    if p.eta is not None:
        minutes, secs = divmod(int(p.eta), 60)
        left = f", {minutes}:{secs:02d} left" if minutes < 600 else ""
    return f"{PHASE_TEXT.get(p.phase, p.phase)} {p.done / _MB:.1f}{total} MB{rate}{left}"


class _Relay(QObject):
    """One run's signals, emitted on the worker thread and relayed to the job (queued to the GUI thread)."""

    progress = Signal(object)
    warning = Signal(str)
    succeeded = Signal(object)
    failed = Signal(str, bool)
    cancelled = Signal()


class InstallJob(QObject):
    """A model install on a worker thread. Create, call and connect on the GUI thread.

    Args:
        root: Where to install (default: ``paths.models_dir()``).
        session: The requests session to download with (default: a new one per run).
        parent: The owning QObject.

    Signals (all delivered on the GUI thread):
        progress(Progress): download/verify/extract/check progress.
        warning(str): a non-fatal warning (for example an unverified digest).
        succeeded(ModelLocation): the model is installed (or the folder passed the check).
        failed(str, bool): a message for the user, and whether the network was unreachable.
        cancelled(): ``cancel()`` stopped the run; nothing was installed (a download's .part is kept).
    """

    progress = Signal(object)
    warning = Signal(str)
    succeeded = Signal(object)
    failed = Signal(str, bool)
    cancelled = Signal()

    def __init__(self, *, root: Path | None = None, session: requests.Session | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = root
        self._session = session
        self._token: CancelToken | None = None
        self._worker: threading.Thread | None = None

    def busy(self) -> bool:
        """True while a run's worker thread is alive. Any thread."""
        return self._worker is not None and self._worker.is_alive()

    def install(self, make_source: Callable[[], Source], name: str = "model-install") -> bool:
        """Start ``models.install.install(make_source())`` on a worker thread named ``name``. GUI thread.

        ``make_source`` runs on the worker too (it may raise ``DownloadError`` for a bad archive path).
        Returns False (and does nothing) while another run is busy.
        """
        if self.busy():
            return False
        token = CancelToken()
        relay = self._relay()
        root, session = self._root, self._session

        def work() -> None:  # worker thread: only emits signals
            try:
                location = install(make_source(), root=root, on_progress=relay.progress.emit,
                                   on_warning=relay.warning.emit, cancel=token, session=session,
                                   on_installed=verdict_at_install)
            except CancelledError:
                relay.cancelled.emit()
            except DownloadError as exc:
                relay.failed.emit(str(exc), isinstance(exc, NetworkError))
            except Exception as exc:  # a bug must still reach the user, not kill the thread silently
                log.ui.exception("Model install failed")
                relay.failed.emit(f"Installing the model failed unexpectedly: {exc!r}", False)
            else:
                relay.succeeded.emit(location)

        self._token = token
        self._start(work, name)
        return True

    def check_folder(self, folder: Path) -> bool:
        """Validate ``folder`` with the full model check (a real load) on a worker thread. GUI thread.

        ``succeeded`` carries the folder's ``ModelLocation``; ``failed`` says why it cannot be used.
        Returns False (and does nothing) while another run is busy.
        """
        if self.busy():
            return False
        relay = self._relay()

        def work() -> None:  # worker thread
            try:
                location = resolve(str(folder))
                check.check_folder(location)
            except (ModelError, SwictationError) as exc:
                relay.failed.emit(f"That folder cannot be used: {exc}", False)
            except Exception as exc:
                log.ui.exception("Model folder check failed")
                relay.failed.emit(f"Checking {folder} failed unexpectedly: {exc!r}", False)
            else:
                relay.succeeded.emit(location)

        self._token = None
        self._start(work, "model-folder-check")
        return True

    def cancel(self, keep_partial: bool = False) -> bool:
        """Ask a running download/install to stop; ``cancelled`` follows. GUI thread (any thread is safe).

        With ``keep_partial`` the partly downloaded archive (``.part``) stays, so the next install of
        the same source resumes with an HTTP Range request; otherwise nothing is left behind.
        Returns True when there was a cancellable run (a folder check is not cancellable).
        """
        if self._token is None or not self.busy():
            return False
        self._token.cancel(keep_partial)
        return True

    def _relay(self) -> _Relay:
        relay = _Relay()  # no parent: the worker's closure keeps it alive even if the job goes away
        relay.progress.connect(self.progress)
        relay.warning.connect(self.warning)
        relay.succeeded.connect(self.succeeded)
        relay.failed.connect(self.failed)
        relay.cancelled.connect(self.cancelled)
        return relay

    def _start(self, work: Callable[[], None], name: str) -> None:
        self._worker = threading.Thread(target=work, name=name, daemon=True)
        self._worker.start()

