#!/usr/bin/env bash
# The README's test command: installs what a fresh machine lacks, builds in release mode (the
# numerical tests are too slow in debug), runs every Swift test target and the test of
# Scripts/prepare-dataset, the check of the CI templates (Scripts/check-workflows.py: the GitHub
# workflows and the Slurm script) and, when python3 has NumPy, the NumPy re-derivation of the golden
# training run (Scripts/golden-run-check.sh). Extra arguments go to `swift test` (e.g. --filter
# DistillationTests) and skip the Python checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-dependencies.sh
swift build -c release --build-tests
swift test -c release --skip-build "$@"
if [ $# -eq 0 ]; then
  python3 Scripts/test_prepare_dataset.py
  python3 Scripts/check-workflows.py
  if python3 -c "import numpy" 2>/dev/null; then
    bash Scripts/golden-run-check.sh --skip-build
  else
    echo "note: python3 without NumPy, golden run re-derivation skipped (the Swift test still checks its fixture)" >&2
  fi
fi
