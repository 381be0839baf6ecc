"""The core stays headless: recognition, models, audio, core, settings, platform import no Qt widgets."""

from __future__ import annotations

import ast
import importlib.util
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import swictation_gui

HEADLESS_PACKAGES = ("recognition", "models", "audio", "core", "settings", "platform", "cli", "text", "history")
# Modules that legitimately use QtCore/QtNetwork (signals, threads, local sockets) but never widgets.
QT_ALLOWED = {"swictation_gui.recognition.worker", "swictation_gui.recognition.cuda_probe",
              "swictation_gui.platform.ipc"}


# The tray app's runner lives with the command line but starts the GUI (it is imported only to run the app).
GUI_ENTRY = {"swictation_gui.cli.tray_app"}


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(swictation_gui.__path__, "swictation_gui.")
                  if info.name.split(".")[1] in HEADLESS_PACKAGES and not info.name.endswith("__main__")
                  and info.name not in GUI_ENTRY)


def _loaded_after_importing(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with ``prefixes`` that a fresh interpreter has loaded after importing ``modules``."""
    code = ("import importlib, json, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            f"print(json.dumps(sorted(k for k in sys.modules if k.startswith({prefixes!r}))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    loaded: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return loaded


def test_headless_modules_do_not_pull_in_qt_gui() -> None:
    modules = _modules()
    assert "swictation_gui.recognition.sherpa_engine" in modules
    assert _loaded_after_importing(modules, ("PySide6.QtWidgets", "PySide6.QtGui")) == []


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


# Floors, lowest first: a module may import its own floor and those below, never one above.
FLOORS = [
    {"errors", "log", "paths", "preflight"},
    {"audio", "recognition", "models", "settings", "platform", "text", "history"},
    {"core"},
    {"ui", "bench"},
    {"app", "cli", "__main__"},
]


def _floor(module: str) -> int:
    part = module.split(".")[1] if module.count(".") else ""
    for i, names in enumerate(FLOORS):
        if part in names:
            return i
    raise AssertionError(f"{module} is on no floor: add its package to FLOORS")


def _imports(module: str) -> set[str]:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("swictation_gui.") and _is_module(m)}


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # "package.module.Name": a name imported from a module
        return False


def test_no_import_runs_back_up_a_floor() -> None:
    everything = sorted(info.name for info in pkgutil.walk_packages(swictation_gui.__path__, "swictation_gui."))
    upward = [f"{m} -> {target}" for m in everything for target in _imports(m) if _floor(target) > _floor(m)]
    assert upward == []


def test_core_imports_no_qt_at_all() -> None:
    """core/ is the headless dictation pipeline: not even QtCore."""
    core = [m for m in _modules() if m.startswith("swictation_gui.core.")]
    assert "swictation_gui.core.session" in core
    assert _loaded_after_importing(core, ("PySide6", "shiboken")) == []
