#!/usr/bin/env bash
# Sets up aigc-video on a fresh Debian/Ubuntu machine: system packages, a virtual environment in
# .venv, CPU PyTorch, the package and its material library (from the npm registry, pinned by
# version and checksum). `--dev` adds what the tests need (pytest, Chromium...).
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

apt_packages="espeak-ng fonts-wqy-microhei"          # narration voices; a font with CJK glyphs
command -v npm >/dev/null 2>&1 || apt_packages="$apt_packages npm"  # fetches the material library
[ "$dev" = 1 ] && apt_packages="$apt_packages chromium chromium-driver"  # browser test
missing=""
for p in $apt_packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
extras="ml,train,serve"
[ "$dev" = 1 ] && extras="$extras,dev"
# torch==2.13.0 is named in the same command so pip takes the CPU build, not a CUDA one.
.venv/bin/pip install -q --disable-pip-version-check torch==2.13.0 -e ".[$extras]"
# The material library: Fluent Emoji (MIT) + CLDR names (emojibase, MIT), indexed once.
.venv/bin/python -m aigc_video.materials install
