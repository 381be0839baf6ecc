"""What `swictation-gui model gpu|cpu` is answered when no model load has to run first (GUI thread)."""

from __future__ import annotations

MODEL_NAMES = {"gpu": "GPU fp32 model", "cpu": "CPU int8 model"}
BUSY = "A model change is already in progress; try again when it has finished."


def immediate_answer(key: str, *, quitting: bool, busy: bool, chosen: str, ready: bool, device: str) -> str | None:
    """The answer to a model command that needs no load (an error, or "already in use"); None when a load must run
    and its outcome answers the command (``chosen``: the model key the settings select)."""
    if key not in MODEL_NAMES:
        return f"error Unknown model {key!r}."
    if quitting:
        return "error swictation-gui is quitting."
    if busy:
        return f"error {BUSY}"
    if key == chosen and ready:
        return f"ok the {MODEL_NAMES[key]} is already in use ({device})"
    return None  # another model, or the chosen one not loaded yet (not installed, or it failed): load it


def ready_answer(model: str, device: str) -> str:
    """The answer once ``model`` ("gpu", "cpu" or a folder) is warm on ``device``."""
    return f"ok now using the {MODEL_NAMES.get(model, 'model in ' + model)} ({device})"
