#!/usr/bin/env bash
# The project's test command (README, .ci/run): builds .venv, installs what the suite needs, runs
# ruff, mypy (strict) and pytest. As root it also installs the Debian packages the suite needs.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  xvfb xauth x11-utils x11-xkb-utils x11-xserver-utils xdotool trayer imagemagick xclip xsel xterm
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3
  pulseaudio pulseaudio-utils libportaudio2 espeak-ng sox libsndfile1
  sway wtype wl-clipboard libwayland-client0 libwayland-cursor0 libwayland-egl1 dbus-daemon kwin-wayland ydotool
  gcc openbox at-spi2-core
)

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "== installing the package with its test extras"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[test]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

echo "== Silero VAD for the progressive-recognition tests (pip download silero-vad, cached)"
.venv/bin/python -m tests.fixtures.silero || true
echo "== ruff"
.venv/bin/ruff check swictation_gui tests benchmarks
echo "== mypy (strict)"
.venv/bin/mypy
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
