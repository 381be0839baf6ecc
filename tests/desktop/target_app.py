"""A target window for injection tests: it writes its text to a file on every change (run as a subprocess).

Usage: ``python tests/desktop/target_app.py --out FILE [--title T] [--mode text|line|terminal|form]
[--copy-after-paste TEXT]``

* ``text``: a QPlainTextEdit (keeps newlines and tabs); Ctrl+V pastes.
* ``line``: a QLineEdit (single line); Ctrl+V pastes.
* ``terminal``: its WM_CLASS is ``test-terminal``; behaves like a terminal emulator: only Ctrl+Shift+V (or
  Shift+Insert) pastes, a plain Ctrl+V inserts
  the two characters ``^V`` (what a terminal shows for the control character), and other Ctrl shortcuts do nothing.
* ``form``: a form of 120 labelled single-line fields (a big widget tree); the last one has the focus and is recorded.

The file is replaced atomically (write to ``FILE.tmp``, then rename), UTF-8. Key presses that reach the window are
appended, one per line as ``press <key> <modifiers> <text repr>``, to ``FILE.keys``. The window's X id is printed
as ``READY <id>`` on stdout once the window is shown and active.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class KeyLog(QObject):
    """Appends every key press that reaches the watched widget to a log file (GUI thread)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path
        path.write_text("", encoding="utf-8")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            mods = event.modifiers().value
            with self._path.open("a", encoding="utf-8") as f:
                f.write(f"press {event.key()} {mods} {event.text()!r} {int(event.isAutoRepeat())}\n")
        return False


class TextEdit(QPlainTextEdit):
    """A plain text editor that can put other text on the clipboard right after each paste (``--copy-after-paste``),
    like a user who copies something while a dictation is being pasted."""

    copy_after_paste: str | None = None

    def pasted(self) -> None:
        if self.copy_after_paste is not None:
            QGuiApplication.clipboard().setText(self.copy_after_paste)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 (Qt API)
        super().insertFromMimeData(source)
        self.pasted()


class TerminalEdit(TextEdit):
    """Accepts typed text; pastes only on Ctrl+Shift+V / Shift+Insert, like a terminal emulator."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        key = event.key()
        if (ctrl and shift and key == Qt.Key.Key_V) or (shift and not ctrl and key == Qt.Key.Key_Insert):
            self.insertPlainText(QGuiApplication.clipboard().text())
            self.pasted()
            return
        if ctrl and key == Qt.Key.Key_V:
            self.insertPlainText("^V")
            return
        if ctrl:
            return  # terminals send control codes to the program; nothing is edited here
        if event == QKeySequence.StandardKey.Paste:
            return
        super().keyPressEvent(event)


def main(argv: list[str] | None = None) -> int:
    """Run the target window until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--title", default="swictation-target")
    parser.add_argument("--mode", choices=("text", "line", "terminal", "form"), default="text")
    parser.add_argument("--copy-after-paste", default=None)
    args = parser.parse_args(argv)

    # WM_CLASS: a terminal-like window must look like a terminal to the injector's detection.
    name = "test-terminal" if args.mode == "terminal" else "swictation-target"
    app = QApplication([sys.argv[0], "-name", name])
    app.setDesktopFileName(name)  # the app_id on Wayland
    out: Path = args.out
    _write_atomic(out, "")
    widget: QWidget
    window: QWidget | None = None
    if args.mode in ("line", "form"):
        line = QLineEdit()
        line.textChanged.connect(lambda text: _write_atomic(out, text))
        widget = line
        if args.mode == "form":
            window = QWidget()
            form = QFormLayout(window)
            for i in range(119):
                form.addRow(QLabel(f"Field {i}"), QLineEdit(f"value {i}"))
            form.addRow(QLabel("Last"), line)
    else:
        edit = TerminalEdit() if args.mode == "terminal" else TextEdit()
        edit.copy_after_paste = args.copy_after_paste
        edit.textChanged.connect(lambda: _write_atomic(out, edit.toPlainText()))
        widget = edit
    keylog = KeyLog(out.with_name(out.name + ".keys"))
    widget.installEventFilter(keylog)
    top = window or widget
    top.setWindowTitle(args.title)
    top.resize(640, 240)
    top.move(40, 120)
    top.show()
    top.raise_()
    top.activateWindow()
    widget.setFocus()

    def report_ready() -> None:
        if widget.isActiveWindow() and widget.hasFocus():
            print(f"READY {int(top.winId())}", flush=True)
        else:
            top.activateWindow()
            widget.setFocus()
            QTimer.singleShot(50, report_ready)

    QTimer.singleShot(0, report_ready)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
