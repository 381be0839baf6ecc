"""``swictation-gui models``: the catalogue, what is installed where, and whether it passes the check."""

from __future__ import annotations

import argparse
import json
from typing import Any

from swictation_gui import paths
from swictation_gui.errors import ModelError
from swictation_gui.models import check
from swictation_gui.models.catalogue import CATALOGUE, ModelLocation, installed_dir


def register(sub: Any) -> None:
    """Add the ``models`` subcommand."""
    p = sub.add_parser("models", help="list models, where they are installed and whether they work")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_list)


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
                check.check_folder(ModelLocation(folder, spec.files, spec))
                row["status"] = "ok"
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
        if not row["installed"]:
            print(f"       install: swictation-gui models download {row['key']}")
    return 0
