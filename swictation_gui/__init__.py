"""swictation-gui: push-to-talk dictation with local Parakeet-TDT recognition."""

import os as _os

__version__ = "0.1.0"

# onnxruntime(-gpu) 1.31 starts a telemetry client (1DS, with an upload endpoint) when its native module is
# *imported*: it creates ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ with a device id (written through a
# deviceid.tmp.<uuid> file) and an SQLite event store, onnxruntime.db. ORT_DISABLE_TELEMETRY=1 switches the
# client off, but only if it is set before that import; onnxruntime.disable_telemetry_events() comes too late.
# This package is imported before any of its modules imports onnxruntime, in every process (the model-check
# child runs ``python -m swictation_gui.models.probe`` and inherits it too), so this is the one place.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
