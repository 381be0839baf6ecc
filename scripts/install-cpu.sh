#!/usr/bin/env bash
# CPU-only install: swictation-gui with plain onnxruntime instead of the ~340 MB onnxruntime-gpu wheel.
# The requirements are read from pyproject.toml (one source of truth): every dependency as it is, except that
# the onnxruntime-gpu line is replaced by the plain onnxruntime one (both provide the same module and must never be
# installed together, so an onnxruntime-gpu already in the venv is uninstalled first).
#   scripts/install-cpu.sh [VENV] [--dry-run]     VENV defaults to .venv (created when missing)
#   --dry-run  show what pip would install (pip install --dry-run), change nothing
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
dry_run=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=(--dry-run) ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install-cpu.sh: unknown option: $arg" >&2; exit 2 ;;
    *) venv=$arg ;;
  esac
done

if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv"
  python3 -m venv "$venv"
fi
py="$venv/bin/python"

requirements=$(mktemp)
trap 'rm -f "$requirements"' EXIT
"$py" - >"$requirements" <<'EOF'
import re
import tomllib

with open("pyproject.toml", "rb") as f:
    dependencies = tomllib.load(f)["project"]["dependencies"]
for dep in dependencies:
    name = re.match(r"[A-Za-z0-9._-]+", dep).group().lower().replace("_", "-")
    if name == "onnxruntime-gpu":
        continue
    print(dep.split(";")[0].strip() if name == "onnxruntime" else dep)
EOF
grep -q '^onnxruntime[><=!~ ]' "$requirements" || { echo "install-cpu.sh: no onnxruntime line in pyproject.toml" >&2; exit 1; }

if [ ${#dry_run[@]} -eq 0 ] && "$py" -m pip show -q onnxruntime-gpu >/dev/null 2>&1; then
  echo "== uninstalling onnxruntime-gpu (it cannot live beside onnxruntime, and shares its files)"
  "$py" -m pip uninstall -y onnxruntime-gpu onnxruntime
fi
echo "== installing the dependencies with onnxruntime (CPU)"
"$py" -m pip install "${dry_run[@]}" -r "$requirements"
echo "== installing swictation-gui itself (--no-deps)"
"$py" -m pip install "${dry_run[@]}" --no-deps .
