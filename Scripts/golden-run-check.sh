#!/usr/bin/env bash
# Re-derives the golden training run (Tests/DistillationTests/GoldenRunTests.swift) with NumPy:
# the Swift test writes the random inputs its trainer drew (PRECOND_BENCH_GOLDEN_DUMP), then
# Scripts/golden_run.py recomputes every step in float64, checks its own gradients by finite
# differences, and compares with the committed fixture (inputs identical, numbers to 1e-9).
#
#   bash Scripts/golden-run-check.sh [--skip-build] [--update]
#
# --update rewrites Tests/DistillationTests/Fixtures/golden-run.json (after a deliberate change of
# the trainer's draws or of the golden configuration) and reruns the Swift test against it.
# Without python3 and NumPy it says so and exits 0: the Swift test alone still checks the fixture.
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
update=0
for argument in "$@"; do
  case "$argument" in
    --skip-build) build=0 ;;
    --update) update=1 ;;
    *) echo "usage: $0 [--skip-build] [--update]" >&2; exit 2 ;;
  esac
done
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import numpy" 2>/dev/null; then
  echo "golden run: python3 with NumPy not found, NumPy re-derivation skipped" >&2
  exit 0
fi
fixture=Tests/DistillationTests/Fixtures/golden-run.json
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
[ "$build" -eq 1 ] && swift build -c release --build-tests
# The dump is written before the fixture is read, so it exists even when the test then fails.
status=0
PRECOND_BENCH_GOLDEN_DUMP="$scratch/inputs.json" swift test -c release --skip-build --filter GoldenRunTests \
  >"$scratch/swift-test.log" 2>&1 || status=$?
if [ ! -s "$scratch/inputs.json" ]; then
  cat "$scratch/swift-test.log" >&2
  echo "golden run: the Swift test wrote no inputs" >&2
  exit 1
fi
if [ "$update" -eq 1 ]; then
  python3 Scripts/golden_run.py "$scratch/inputs.json" --check-gradients --write-fixture "$fixture"
  swift test -c release --skip-build --filter GoldenRunTests
else
  python3 Scripts/golden_run.py "$scratch/inputs.json" --check-gradients --compare-fixture "$fixture"
  if [ "$status" -ne 0 ]; then
    cat "$scratch/swift-test.log" >&2
    echo "golden run: the Swift test failed" >&2
    exit "$status"
  fi
fi
