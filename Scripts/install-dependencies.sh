#!/usr/bin/env bash
# Installs the Debian packages PrecondBench needs when they are missing (libsqlite3-dev, zlib1g-dev,
# pkg-config, the Fashion-MNIST dataset package, and python3 when there is none: the test command
# runs Python checks). Quiet when everything is present.
set -euo pipefail
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
updated=false
apt_install() {
  echo "Installing missing packages: $*" >&2
  if [ "$updated" = false ]; then $sudo_cmd apt-get update -qq; updated=true; fi
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
needed=()
for package in libsqlite3-dev zlib1g-dev pkg-config dataset-fashion-mnist; do
  dpkg -s "$package" >/dev/null 2>&1 || needed+=("$package")
done
command -v python3 >/dev/null 2>&1 || needed+=(python3)
if [ ${#needed[@]} -gt 0 ]; then apt_install "${needed[@]}"; fi
# Python side (Scripts/ only): NumPy and Pillow for prepare-dataset and its test, PyYAML for
# Scripts/check-workflows.py. pip first; where pip is missing or refuses (Debian's system Python
# is "externally managed"), the Debian package.
python_module() {  # MODULE PIP-NAME DEBIAN-PACKAGE
  python3 -c "import $1" 2>/dev/null && return 0
  python3 -m pip install -q "$2" >/dev/null 2>&1 && return 0
  apt_install "$3" 2>/dev/null && python3 -c "import $1" 2>/dev/null && return 0
  echo "note: could not install the Python module $1 ($2, or Debian's $3)" >&2
}
python_module numpy numpy python3-numpy
python_module PIL pillow python3-pil
python_module yaml pyyaml python3-yaml
