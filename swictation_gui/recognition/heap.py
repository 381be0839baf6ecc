"""Hand the heap pages a dropped model freed back to the system (glibc keeps them otherwise)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading

from swictation_gui import log

_lock = threading.Lock()
_trim: object = None  # the C function once looked up; False where there is none (not glibc)


def release_freed_memory() -> bool:
    """Collect garbage, then ask glibc's ``malloc_trim`` to return free heap pages to the system; True if it ran.

    A model's weights are freed when its recognizer is dropped, but glibc keeps most of those pages for reuse: after
    a model switch the process would keep the old model's size in resident memory (measured: about 650 MiB of the
    0.6B int8 model). Any thread; it takes a few milliseconds. Does nothing where the C library has no
    ``malloc_trim`` (musl, macOS, Windows).
    """
    global _trim
    gc.collect()
    with _lock:
        if _trim is None:
            _trim = _find_trim()
        trim = _trim
    if not callable(trim):
        return False
    try:
        trim(0)
    except Exception:  # a foreign-function failure must never take the model thread down
        log.recognition.debug("malloc_trim failed", exc_info=True)
        return False
    return True


def _find_trim() -> object:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim
