#!/usr/bin/env bash
# The README's test command: installs what a fresh machine lacks, builds in release mode (the
# numerical tests are too slow in debug), runs every Swift test target and the test of
# Scripts/prepare-dataset. Extra arguments go to `swift test` (e.g. --filter DistillationTests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-dependencies.sh
swift build -c release --build-tests
swift test -c release --skip-build "$@"
if [ $# -eq 0 ]; then
  python3 Scripts/test_prepare_dataset.py
fi
