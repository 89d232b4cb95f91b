#!/usr/bin/env bash
# Runs a long suite as N shards on W local worker processes, resumably, then merges the shards and
# renders the report. Each shard is a set of whole blocks (a seed with every arm), so every worker
# keeps the arms interleaved. Run it again with the same arguments to continue after an
# interruption (it passes --resume): finished cells are skipped and an interrupted cell continues
# from its last checkpoint.
#
#   bash Scripts/run-study.sh SUITE [SHARDS] [WORKERS] [DIR]
#
# SHARDS defaults to 5, WORKERS to the number of cores, DIR to .precond-bench/studies/SUITE.
# Workers run with one thread each (results do not depend on the thread count). The binary and
# the suite file are copied into DIR first (frozen), so rebuilding the package or editing the
# suite while a study runs touches neither; delete DIR/precond-bench to continue with a new build.
# Logs: DIR/shard-I.log; databases: DIR/shard-I.sqlite; merged: DIR/merged.sqlite; the report
# goes to Reports/SUITE.md.
#
# Exit codes: 0 every shard finished (cells may have diverged: that is a result); otherwise the
# first worker's failing exit code (65 bad input, 130/143 stopped by a signal).
set -uo pipefail
cd "$(dirname "$0")/.."
suite="${1:?usage: Scripts/run-study.sh SUITE [SHARDS] [WORKERS] [DIR]}"
shards="${2:-5}"
workers="${3:-$(nproc 2>/dev/null || echo 1)}"
dir="${4:-.precond-bench/studies/$suite}"
mkdir -p "$dir"
if [ ! -x "$dir/precond-bench" ]; then
  swift build -c release --product precond-bench || exit 1
  cp .build/release/precond-bench "$dir/precond-bench"
fi
bin="$dir/precond-bench"
if [ ! -f "$dir/$suite.json" ]; then
  cp "Benchmarks/Suites/$suite.json" "$dir/$suite.json" || exit 65
fi
suite_file="$dir/$suite.json"
echo "study $suite: $shards shards on $workers workers in $dir ($(date -u +%FT%TZ))"

# The teacher and the Analytic-Precond statistics are shared by every shard: prepare them once,
# with every core, before the workers start (otherwise each worker would compute them).
"$bin" statistics estimate "$suite_file" --threads "$workers" > "$dir/statistics.log" 2>&1 || {
  status=$?; echo "statistics estimate failed (exit $status); see $dir/statistics.log" >&2; exit "$status"; }

worker() {
  local w="$1" status=0 code
  for ((i = w; i <= shards; i += workers)); do
    "$bin" run "$suite_file" --shard "$i/$shards" --db "$dir/shard-$i.sqlite" --resume --threads 1 --quiet \
      >> "$dir/shard-$i.log" 2>&1
    code=$?
    echo "shard $i/$shards exit $code ($(date -u +%FT%TZ))" >> "$dir/progress.log"
    # 3 = a cell diverged or failed: a result, not a reason to stop.
    if [ "$code" -ne 0 ] && [ "$code" -ne 3 ]; then status=$code; break; fi
  done
  return "$status"
}

pids=()
for ((w = 1; w <= workers; w++)); do
  worker "$w" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || { code=$?; [ "$status" -eq 0 ] && status=$code; }
done
[ "$status" -eq 0 ] || { echo "a worker stopped with exit $status; run the same command again to resume" >&2; exit "$status"; }

rm -f "$dir/merged.sqlite"
"$bin" merge "$dir"/shard-*.sqlite --into "$dir/merged.sqlite" || exit $?
"$bin" report "$suite" --db "$dir/merged.sqlite" || exit $?
echo "study $suite done ($(date -u +%FT%TZ)): Reports/$suite.md, database $dir/merged.sqlite"
