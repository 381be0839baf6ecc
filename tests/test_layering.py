"""The core stays headless: recognition, models, audio, core, settings, platform import no Qt widgets."""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import swictation_gui

HEADLESS_PACKAGES = ("recognition", "models", "audio", "core", "settings", "platform", "cli")
# Modules that legitimately use QtCore/QtNetwork (signals, threads, local sockets) but never widgets.
QT_ALLOWED = {"swictation_gui.recognition.worker", "swictation_gui.core.ipc"}


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(swictation_gui.__path__, "swictation_gui.")
                  if info.name.split(".")[1] in HEADLESS_PACKAGES and not info.name.endswith("__main__"))


def test_headless_modules_do_not_pull_in_qt_gui() -> None:
    modules = _modules()
    assert "swictation_gui.recognition.sherpa_engine" in modules
    code = ("import importlib, json, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(json.dumps(sorted(k for k in sys.modules if k.startswith(('PySide6.QtWidgets', 'PySide6.QtGui')))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", f"Qt GUI modules imported by headless code: {proc.stdout}"


def test_qt_is_imported_directly_only_where_allowed() -> None:
    offenders = []
    for name in _modules():
        if name in QT_ALLOWED:
            continue
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{name}: {t}" for t in targets if t.startswith("PySide6")]
    assert offenders == []
