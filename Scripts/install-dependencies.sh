#!/usr/bin/env bash
# Installs the Debian packages PrecondBench needs when they are missing (libsqlite3-dev, zlib1g-dev,
# pkg-config, and the Fashion-MNIST dataset package). Quiet when everything is present.
set -euo pipefail
needed=()
for package in libsqlite3-dev zlib1g-dev pkg-config dataset-fashion-mnist; do
  dpkg -s "$package" >/dev/null 2>&1 || needed+=("$package")
done
if [ ${#needed[@]} -gt 0 ]; then
  echo "Installing missing packages: ${needed[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
fi
# Python side (Scripts/ only): NumPy and Pillow for prepare-dataset and its test.
if command -v python3 >/dev/null 2>&1; then
  python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy >/dev/null 2>&1 || echo "note: could not install numpy for python3" >&2
  python3 -c "import PIL" 2>/dev/null || python3 -m pip install -q pillow >/dev/null 2>&1 || echo "note: could not install pillow; PNG conversion tests will be skipped" >&2
fi
