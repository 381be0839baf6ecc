"""``swictation-gui models [download|remove|path]``: list, install, remove and locate models."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from swictation_gui import paths
from swictation_gui.errors import ModelError, SwictationError
from swictation_gui.models import check
from swictation_gui.models.catalogue import CATALOGUE, ModelLocation, detect_files, installed_dir, spec_for_key
from swictation_gui.models.download import Progress
from swictation_gui.models.install import install, part_path, remove_model
from swictation_gui.models.sources import Source, source_for_file, source_for_spec, source_for_url
from swictation_gui.recognition import engine_choice

EXIT_FAILURE = 2
_MB = 1024 * 1024
_PHASES = {"download": "downloading", "verify": "verifying", "extract": "unpacking", "check": "checking"}


def register(sub: Any) -> None:
    """Add the ``models`` subcommand and its ``download``, ``remove`` and ``path`` actions."""
    p = sub.add_parser("models", help="list, download, remove and locate models",
                       description="Without an action: list the catalogue models, where they are installed and "
                                   "whether they work.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    d = actions.add_parser("download", help="download, verify and install a model",
                           description="Download a model archive (or take one you already have), verify it, unpack "
                                       "it, test-load it and install it. An interrupted download resumes when the "
                                       "command is run again. A local archive named like a catalogue model's "
                                       "release archive is held to that model's pinned size and checksum.")
    d.add_argument("target", metavar="gpu|cpu|URL|FILE",
                   help="a catalogue model, the URL of a sherpa-onnx .tar.bz2, or a local .tar.bz2 "
                        "(path or file:// URL)")
    d.add_argument("--sha256", metavar="HEX", help="expected SHA-256 of the archive (for a URL or FILE)")
    d.add_argument("--dir", type=Path, metavar="PATH", help="install under PATH instead of the models folder")
    d.add_argument("--force", action="store_true", help="download again even if a working copy is installed")
    d.set_defaults(func=run_download)

    r = actions.add_parser("remove", help="delete an installed model",
                           description="Delete an installed model folder. Folders outside the models folder "
                                       "are refused unless --outside is given.")
    r.add_argument("target", metavar="gpu|cpu|PATH")
    r.add_argument("--dir", type=Path, metavar="PATH", help="the models folder to remove from")
    r.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    r.add_argument("--outside", action="store_true", help="allow removing a model folder outside the models folder")
    r.set_defaults(func=run_remove)

    pa = actions.add_parser("path", help="print the models folder, or where a model is installed")
    pa.add_argument("target", nargs="?", choices=[s.key for s in CATALOGUE], metavar="gpu|cpu")
    pa.add_argument("--dir", type=Path, metavar="PATH", help="the models folder")
    pa.set_defaults(func=run_path)


def status_rows() -> list[dict[str, Any]]:
    """One row per catalogue model: installed folder and check verdict."""
    rows = []
    for spec in CATALOGUE:
        folder = installed_dir(spec)
        row: dict[str, Any] = {"key": spec.key, "name": spec.name, "display_name": spec.display_name,
                               "device": str(spec.device), "folder": str(folder), "installed": folder.is_dir(),
                               "status": "not installed", "size_mb": spec.unpacked_mb}
        if folder.is_dir():
            try:
                location = ModelLocation(folder, spec.files, spec)
                check.check_folder(location)
                row["status"] = "ok"
                verdict = engine_choice.verdict(location)
                row["cpu_engine"] = {"engine": verdict.engine, "reason": verdict.reason,
                                     "describe": engine_choice.describe(verdict)}
            except ModelError as exc:
                row["status"] = f"broken: {exc}"
        rows.append(row)
    return rows


def run_list(args: argparse.Namespace) -> int:
    """Print the catalogue table."""
    rows = status_rows()
    if args.json:
        print(json.dumps({"models_dir": str(paths.models_dir()), "models": rows}, indent=1))
        return 0
    print(f"Models folder: {paths.models_dir()}")
    for row in rows:
        print(f"\n  {row['key']:<4} {row['display_name']}  (~{row['size_mb']} MB, for {row['device']})")
        print(f"       {row['name']}")
        print(f"       status: {row['status']}")
        if "cpu_engine" in row:
            print(f"       {row['cpu_engine']['describe']}")
        if not row["installed"]:
            print(f"       install: swictation-gui models download {row['key']}")
    return 0


def _fail(message: str) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_FAILURE


def _clock(seconds: float | None) -> str:
    if seconds is None or seconds < 0 or seconds > 99 * 3600:
        return "--:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TerminalProgress:
    """Draws progress on a terminal (one redrawn line), or prints plain lines when not on a TTY.

    Called on the thread that runs the install (the CLI's main thread).
    """

    def __init__(self, stream: TextIO, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self._phase = ""
        self._step = -1
        self._last_draw = 0.0

    def __call__(self, p: Progress) -> None:
        """Report ``p``."""
        new_phase = p.phase != self._phase
        if new_phase:
            self._end_line()
            self._phase, self._step = p.phase, -1
        if p.phase == "check":
            self._write("checking the model (test load) …\n")
            return
        if self.tty:
            now = time.monotonic()
            if new_phase or now - self._last_draw >= 0.1 or p.done == p.total:
                self._last_draw = now
                self._write("\r" + self.line(p) + "\x1b[K")
            return
        step = int((p.fraction or 0.0) * 10)
        if new_phase or step > self._step:
            self._step = step
            self._write(self.line(p) + "\n")

    @staticmethod
    def line(p: Progress) -> str:
        """One progress line: phase, bar, percent, MB done/total, MB/s, ETA."""
        label = f"{_PHASES.get(p.phase, p.phase):<11}"
        done_mb = p.done / _MB
        rate = f"{p.rate / _MB:6.1f} MB/s" if p.rate else "    -- MB/s"
        if p.fraction is None or p.total is None:
            return f"{label} {done_mb:8.1f} MB  {rate}"
        width = 24
        filled = int(p.fraction * width)
        bar = "#" * filled + "." * (width - filled)
        return (f"{label} [{bar}] {p.fraction * 100:5.1f}%  {done_mb:.1f}/{p.total / _MB:.1f} MB  {rate}  "
                f"ETA {_clock(p.eta)}")

    def _end_line(self) -> None:
        if self.tty and self._phase and self._phase != "check":
            self._write("\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def finish(self) -> None:
        """End a half-drawn line."""
        self._end_line()
        self._phase = ""


def _source(target: str, sha256: str | None) -> Source:
    spec = spec_for_key(target)
    if spec is not None:
        if sha256 is not None:
            raise SwictationError("--sha256 is only for a URL or a file; catalogue models carry their own checksum.")
        return source_for_spec(spec)
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    if scheme in ("http", "https"):
        return source_for_url(target, sha256)
    if scheme == "file" or (not scheme and (target.endswith(".tar.bz2") or Path(target).expanduser().exists())):
        return source_for_file(target, sha256)
    keys = ", ".join(s.key for s in CATALOGUE)
    raise SwictationError(f"{target!r} is neither a catalogue model ({keys}), an http(s) URL nor a .tar.bz2 file.")


def run_download(args: argparse.Namespace) -> int:
    """Download, verify and install; exit 2 with one line on failure."""
    root: Path = (args.dir.expanduser() if args.dir else paths.models_dir())
    try:
        source = _source(args.target, args.sha256)
    except SwictationError as exc:
        return _fail(str(exc))
    if source.spec is not None and not args.force:
        folder = installed_dir(source.spec, root)
        if folder.is_dir():
            try:
                check.check_folder(ModelLocation(folder, source.spec.files, source.spec))
            except ModelError:
                pass  # broken: install over it
            else:
                again = "install" if source.local_path else "download"
                print(f"{source.spec.display_name} is already installed in {folder} (use --force to {again} again).")
                return 0
    size = f" ({source.size / _MB:.1f} MB)" if source.size else ""
    if source.local_path is not None:
        print(f"Installing from {source.local_path}{size}")
    else:
        print(f"Downloading {source.url}{size}")
        part = part_path(source, root)
        if part.is_file() and part.stat().st_size:
            print(f"Resuming after {part.stat().st_size / _MB:.1f} MB already downloaded")
    progress = TerminalProgress(sys.stdout)

    def warn(message: str) -> None:
        progress.finish()
        print(f"warning: {message}", file=sys.stderr)

    try:
        location = install(source, root=root, on_progress=progress, on_warning=warn,
                           on_installed=engine_choice.verdict_at_install)
    except SwictationError as exc:
        progress.finish()
        return _fail(str(exc))
    except KeyboardInterrupt:
        progress.finish()
        return _fail("Interrupted; nothing was installed." if source.local_path else
                     "Interrupted. Run the same command again to resume the download.")
    progress.finish()
    print(f"Installed {location.spec.display_name if location.spec else 'the model'} in {location.folder}")
    if location.spec is None:
        print(f"Use it with: swictation-gui transcribe --model {location.folder} FILE")
    return 0


def _inside(folder: Path, root: Path) -> bool:
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def run_remove(args: argparse.Namespace) -> int:
    """Delete an installed model after confirmation (or ``--yes``)."""
    root: Path = (args.dir.expanduser() if args.dir else paths.models_dir())
    spec = spec_for_key(args.target)
    folder = installed_dir(spec, root) if spec is not None else Path(args.target).expanduser()
    if not folder.is_dir():
        return _fail(f"There is no model in {folder}; nothing was removed.")
    if folder.resolve() == root.resolve() or not (_inside(folder, root) or args.outside):
        return _fail(f"{folder} is not a model folder inside the models folder {root}; nothing was removed. "
                     "Pass --outside to remove a model folder elsewhere.")
    files = detect_files(folder)
    if not any((folder / name).exists() for name in files.all()):
        return _fail(f"{folder} does not look like a model folder (no {files.encoder} or {files.tokens}); "
                     "nothing was removed.")
    if not args.yes:
        if not sys.stdin.isatty():
            return _fail(f"Not removing {folder} without confirmation; pass --yes.")
        answer = input(f"Remove {folder}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Nothing was removed.")
            return 1
    try:
        remove_model(folder)
    except SwictationError as exc:
        return _fail(str(exc))
    print(f"Removed {folder}")
    return 0


def run_path(args: argparse.Namespace) -> int:
    """Print the models folder, or the install folder of one catalogue model."""
    root: Path = (args.dir.expanduser() if args.dir else paths.models_dir())
    spec = spec_for_key(args.target) if args.target else None
    print(installed_dir(spec, root) if spec is not None else root)
    return 0
