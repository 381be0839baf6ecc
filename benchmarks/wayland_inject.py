"""Time of text output on native Wayland: ``.venv/bin/python -m benchmarks.wayland_inject [--runs 10]``.

Starts a headless sway (as the tests do: ``tests/desktop/wayland.py``) with a native Wayland Qt target window and
times ``WaylandInjector.inject`` for each method and text length, from the call to its return (type: wtype has
sent every key; paste: the window has read the clipboard and the old clipboard is back), and checks that the window
got the text. Prints a table: median and worst per case. Needs sway, wtype and wl-clipboard.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from swictation_gui.platform.base import InjectionMethod
from swictation_gui.platform.injection.wayland import WaylandInjector
from tests.desktop.fixtures import TargetWindow
from tests.desktop.wayland import SwaySession, WaylandScreen, user_prefix

TEXTS = {"unicode 23 chars": "café — naïve ß 日本語 😀",
         "ascii 200 chars": ("The quick brown fox jumps over the lazy dog. " * 5)[:200]}


def main() -> None:
    """Run the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="sway-bench-"))
    base.chmod(0o755)
    session = SwaySession(base)
    session.start()
    saved = dict(os.environ)
    os.environ.update(session.env)
    os.environ.pop("DISPLAY", None)
    rows = []
    try:
        for method in (InjectionMethod.TYPE, InjectionMethod.PASTE):
            for label, text in TEXTS.items():
                window = TargetWindow(WaylandScreen(session), base / f"{method.value}.txt", "text",  # type: ignore[arg-type]
                                      "bench-target", prefix=user_prefix())
                try:
                    injector = WaylandInjector(method)
                    times = []
                    for run in range(args.runs):
                        start = time.perf_counter()
                        result = injector.inject(text)
                        times.append((time.perf_counter() - start) * 1000)
                        assert result.ok, result
                        expected = text * (run + 1)
                        deadline = time.monotonic() + 10
                        while window.text() != expected and time.monotonic() < deadline:
                            time.sleep(0.01)
                        assert window.text() == expected, (window.text(), expected)
                    rows.append((method.value, label, statistics.median(times), max(times)))
                finally:
                    window.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        session.close()
        shutil.rmtree(base, ignore_errors=True)
    print(f"| method | text | median ms | worst ms |  ({args.runs} runs each, headless sway)")
    print("|---|---|---|---|")
    for method_name, label, median, worst in rows:
        print(f"| {method_name} | {label} | {median:.0f} | {worst:.0f} |")


if __name__ == "__main__":
    main()
