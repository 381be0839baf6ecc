"""Unhandled exceptions in Qt slots and threads reach the log and the user, on the GUI thread (child process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# pytest and pytest-qt install their own sys.excepthook and threading.excepthook around each test, so the hooks
# are tried in a child process with a real Qt event loop.
_HARNESS = r"""
import json, logging, os, sys, threading
from PySide6.QtCore import QObject, QThread, QTimer, Slot
from PySide6.QtWidgets import QApplication
from swictation_gui.ui import excepthooks

app = QApplication([sys.argv[0]])
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append([record.levelname, record.getMessage(), record.exc_info[0].__name__ if record.exc_info else ""])
logger = logging.getLogger("swictation")
logger.addHandler(Keep())
logger.setLevel(logging.DEBUG)
messages = []
def notify(text):
    messages.append([text, QThread.currentThread() is app.thread()])
    if len(messages) == 2:
        app.quit()  # both delivered
excepthooks.install(notify)

class Receiver(QObject):
    @Slot()
    def boom(self):
        raise ValueError("slot broke")

receiver = Receiver()
def from_a_thread():
    raise KeyError("thread broke")
def later():
    worker = threading.Thread(target=from_a_thread, name="worker-x")
    worker.start()
    worker.join()
QTimer.singleShot(0, receiver.boom)
QTimer.singleShot(50, later)
QTimer.singleShot(30_000, app.quit)  # only if a message never comes (the test then fails on the count)
app.exec()
excepthooks.uninstall()
hooks_back = sys.excepthook is sys.__excepthook__ and threading.excepthook is threading.__excepthook__
print(json.dumps({"records": records, "messages": messages, "hooks_back": hooks_back}))
"""


def test_a_raising_slot_and_a_raising_thread_reach_the_log_and_the_user_on_the_gui_thread() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", _HARNESS], capture_output=True, text=True, timeout=120,
                          env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    records = result["records"]
    assert [r[2] for r in records] == ["ValueError", "KeyError"], records
    assert all(r[0] == "ERROR" for r in records)
    assert "MainThread" in records[0][1] and "worker-x" in records[1][1]
    messages = result["messages"]
    assert len(messages) == 2, messages
    assert "ValueError: slot broke" in messages[0][0] and "KeyError: 'thread broke'" in messages[1][0]
    assert all(on_gui for _, on_gui in messages)  # delivered on the GUI thread, never on the raising one
    assert "Traceback" not in proc.stderr  # nothing went only to a stderr nobody reads
    assert result["hooks_back"]
