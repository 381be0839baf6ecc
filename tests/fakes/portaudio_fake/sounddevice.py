"""Put this folder first on PYTHONPATH and ``import sounddevice`` gets the fake in ``tests/fakes/sounddevice.py``."""

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("sounddevice", Path(__file__).resolve().parents[1] / "sounddevice.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
sys.modules["sounddevice"] = _module
_spec.loader.exec_module(_module)
