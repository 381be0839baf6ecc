"""Child-process CUDA check: ``python -m swictation_gui.recognition.cuda_check`` prints one JSON line of facts."""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    """Run ``providers.check_here()``; the JSON goes to the original stdout, everything else to stderr.

    onnxruntime (native code) and ``preload_dlls`` (Python prints) explain a fallback on stderr and stdout;
    both end up on stderr, which the parent reads, so stdout carries nothing but the JSON line.
    """
    sys.stdout.flush()
    result_fd = os.dup(1)
    os.dup2(2, 1)
    try:
        from swictation_gui.recognition.providers import check_here

        facts = check_here()
    except Exception as exc:  # reported to the parent as a failed check, with the traceback on stderr
        import traceback

        traceback.print_exc()
        facts = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.flush()
    sys.stderr.flush()
    with os.fdopen(result_fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(facts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
