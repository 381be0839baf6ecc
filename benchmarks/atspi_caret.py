"""Time of one AT-SPI lookup of the text before the caret: ``.venv/bin/python -m benchmarks.atspi_caret [--runs 50]``.

Starts Xvfb, a private session bus with at-spi2-core (as the tests do: ``tests/desktop/a11y.py``) and Qt target
windows with accessibility on, and times ``X11Injector.text_before_caret`` (the focused window's process from X,
then the lookup on the accessibility bus) as the injector thread calls it before each dictation. Prints a table:
median and worst of the whole call, and median of the AT-SPI part alone.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from swictation_gui.platform.atspi import CaretReader
from swictation_gui.platform.injection import X11Injector
from tests.desktop import a11y, xenv
from tests.desktop.fixtures import TargetWindow


def _time(runs: int, make_reader: Callable[[], CaretReader], fresh: bool, display: str,
          expected: str | None) -> tuple[float, float, float]:
    """Median and worst of the whole call and median of the AT-SPI part (ms); ``fresh``: a new reader (and
    connection) for every call."""
    totals, parts = [], []
    reader = make_reader()
    for _ in range(runs):
        start = time.perf_counter()
        got = X11Injector(display_name=display, caret=reader).text_before_caret()
        totals.append((time.perf_counter() - start) * 1000)
        parts.append(reader.last_s * 1000)
        assert got == expected, (got, expected, reader.reason)
        if fresh:
            reader.close()
            reader = make_reader()
    reader.close()
    return statistics.median(totals), max(totals), statistics.median(parts)


def main() -> None:
    """Run the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="atspi-bench-"))
    display = xenv.start_xvfb()
    rows = []
    try:
        with a11y.accessibility_bus(display, base) as bus:
            def reader() -> CaretReader:
                return CaretReader(bus.address)
            expected = "The quick brown fox jumps over the lazy dog. The quick brown"
            first = reader()
            probe = X11Injector(display_name=display.name, caret=first)
            for mode, label in (("text", "text field (QPlainTextEdit)"), ("form", "form, 120 fields (last focused)")):
                window = TargetWindow(display, base / f"{mode}.txt", mode, f"bench-{mode}", prefix=bus.prefix())
                try:
                    window.focus()
                    display.xdotool("type", "--delay", "1", expected)
                    xenv.wait_for(lambda: probe.text_before_caret() == expected, 20)  # typed and published
                    rows.append((label, "kept", *_time(args.runs, reader, False, display.name, expected)))
                    rows.append((label, "new each time", *_time(args.runs, reader, True, display.name, expected)))
                finally:
                    window.close()
            first.close()
            window = TargetWindow(display, base / "plain.txt", "text", "bench-plain", prefix=bus.prefix(False))
            try:
                window.focus()
                rows.append(("window not on the accessibility bus", "kept",
                             *_time(args.runs, reader, False, display.name, None)))
            finally:
                window.close()
        rows.append(("no accessibility bus (session bus only)", "-",
                     *_time(args.runs, lambda: CaretReader("unix:path=/nonexistent"), False, display.name, None)))
    finally:
        display.close()
        shutil.rmtree(base, ignore_errors=True)
    print(f"| focused window | connection | median ms | worst ms | AT-SPI part, median ms |  ({args.runs} runs, Xvfb)")
    print("|---|---|---|---|---|")
    for label, conn, median, worst, part in rows:
        print(f"| {label} | {conn} | {median:.1f} | {worst:.1f} | {part:.1f} |")


if __name__ == "__main__":
    main()
