"""Guards against a Qt binding release that leaks or drops Python references (PySide6 6.12.0 on Python 3.11).

6.12.0 dropped one reference to ``None`` on every ``QTimer.start()``/``stop()`` and one to ``True`` on every
``Signal.emit()``; the app then died with ``Fatal Python error: bool_dealloc`` after a few thousand signals.
Each check runs in a child process so that a broken release fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = r"""
import json, os, sys
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

class Emitter(QObject):
    plain = Signal()
    with_args = Signal(int, object)

class Receiver(QObject):
    @Slot()
    def on_plain(self):
        pass

    @Slot(int, object)
    def on_args(self, n, obj):
        pass

app = QCoreApplication([])
emitter, receiver = Emitter(), Receiver()
emitter.plain.connect(receiver.on_plain)
emitter.with_args.connect(receiver.on_args)
timer = QTimer()
timer.setSingleShot(True)
N = 50  # few enough that a binding dropping one reference per call shows as drift before it aborts

def drift(action, *objs):
    action()  # warm caches first
    before = [sys.getrefcount(o) for o in objs]
    for _ in range(N):
        action()
    return [(sys.getrefcount(o) - b) / N for o, b in zip(objs, before)]

payload = object()
result = {
    "timer": drift(lambda: (timer.start(1000), timer.stop()), None, True, False),
    "emit": drift(emitter.plain.emit, None, True, False),
    "emit_args": drift(lambda: emitter.with_args.emit(1, payload), None, True, False, payload),
    "single_shot": drift(lambda: QTimer.singleShot(0, receiver.on_plain), None, True, False),
}
app.processEvents()
print(json.dumps(result), flush=True)
os._exit(0)  # a broken binding may abort in finalization; the drift above is the finding
"""


@pytest.fixture(scope="module")
def drifts() -> dict[str, list[float]]:
    """One child process measures every call kind (a broken binding fails here, not in pytest's process)."""
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"the Qt probe crashed (broken PySide6 release?):\n{proc.stderr[-2000:]}"
    result: dict[str, list[float]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("what", ["timer", "emit", "emit_args", "single_shot"])
def test_qt_calls_keep_python_refcounts_balanced(what: str, drifts: dict[str, list[float]]) -> None:
    # A correct binding returns every reference it takes: at most a stray one or two over N calls.
    assert all(abs(d) < 0.05 for d in drifts[what]), \
        f"{what}: refcount drift per call {drifts[what]} (None, True, False, ...)"
