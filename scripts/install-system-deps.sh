#!/usr/bin/env bash
# Installs the system packages swictation-gui needs beside its pip dependencies: the X11 libraries of Qt's
# xcb plugin, OpenGL/EGL, fontconfig, D-Bus, PortAudio, a clipboard tool (and python3-venv on Debian/Ubuntu).
# Prints the packages and the command first, and asks before running it (with sudo when not root).
#   scripts/install-system-deps.sh [-y] [--print]
#   -y       do not ask (non-interactive; also passes -y to apt-get/dnf)
#   --print  only print the packages and the command
set -euo pipefail

DEBIAN_PACKAGES=(
  python3-venv
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxkbcommon-x11-0
  libxcb-shape0 libxcb-randr0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3
  libportaudio2 xclip
)
FEDORA_PACKAGES=(
  xcb-util-wm xcb-util-keysyms xcb-util-cursor xcb-util-image xcb-util-renderutil libxkbcommon-x11
  libxcb libglvnd-egl libglvnd-glx fontconfig dbus-libs
  portaudio xclip
)

yes=0
print_only=0
for arg in "$@"; do
  case "$arg" in
    -y|--yes) yes=1 ;;
    --print|-n) print_only=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-system-deps.sh: unknown option: $arg (use -y, --print or --help)" >&2; exit 2 ;;
  esac
done

if command -v apt-get >/dev/null; then
  manager=(apt-get install)
  packages=("${DEBIAN_PACKAGES[@]}")
  family="Debian/Ubuntu"
elif command -v dnf >/dev/null; then
  manager=(dnf install)
  packages=("${FEDORA_PACKAGES[@]}")
  family="Fedora"
else
  echo "Neither apt-get nor dnf was found. Install the equivalents of:"
  echo "  Debian/Ubuntu: ${DEBIAN_PACKAGES[*]}"
  echo "  Fedora:        ${FEDORA_PACKAGES[*]}"
  exit 1
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
  sudo=(sudo)
fi
[ "$yes" = 1 ] && manager+=(-y)

echo "System packages for swictation-gui ($family):"
echo "  ${packages[*]}"
echo "Command: ${sudo[*]}${sudo:+ }${manager[*]} ${packages[*]}"
[ "$print_only" = 1 ] && exit 0

if [ "$yes" != 1 ]; then
  prompt="Run it now"
  [ ${#sudo[@]} -gt 0 ] && prompt="Run it now with sudo"
  answer=""
  read -r -p "$prompt? [y/N] " answer || true
  case "$answer" in
    y|Y|yes|YES) ;;
    *) echo "Nothing installed. Run the command above yourself, or run this script again with -y."; exit 1 ;;
  esac
fi

if [ ${#sudo[@]} -gt 0 ] && ! command -v sudo >/dev/null; then
  echo "sudo is not installed: run this script as root, or run the command above as root." >&2
  exit 1
fi

if ! "${sudo[@]}" "${manager[@]}" "${packages[@]}"; then
  if [ "${manager[0]}" = apt-get ]; then
    echo "== refreshing the package lists (apt-get update) and trying again"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" "${manager[@]}" "${packages[@]}"
  else
    exit 1
  fi
fi
echo "Done. Check everything with: swictation-gui doctor"
