#!/usr/bin/env bash
# The README's test command: installs what a fresh machine lacks, builds in release mode (the
# numerical tests are too slow in debug) and runs every test target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-dependencies.sh
swift build -c release --build-tests
swift test -c release --skip-build "$@"
