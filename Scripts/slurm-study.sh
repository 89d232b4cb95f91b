#!/usr/bin/env bash
# Runs a long suite on a Slurm cluster as a job array, one array task per shard, then merges the
# shards and renders the report: the cluster counterpart of Scripts/run-study.sh (one machine,
# several workers) and .github/workflows/study.yml (a CI matrix), with the same files.
#
#   bash Scripts/slurm-study.sh SUITE [SHARDS] [DIR]        # from the repository root, on a login node
#
# SHARDS defaults to 5, DIR to .precond-bench/studies/SUITE (relative to the repository root, on a
# file system every node sees).
# It submits three jobs, each waiting for the one before with `sbatch --dependency=afterok:`:
#
#   1. prepare   installs what a Debian node lacks (Scripts/install-dependencies.sh), builds
#                precond-bench and copies it into DIR (rebuilding the package while the study runs
#                does not touch it), and estimates the teacher and the Analytic-Precond statistics
#                once for every shard (DIR/statistics.log);
#   2. shards    a job array, task I = shard I/SHARDS:
#                precond-bench run SUITE --shard I/SHARDS --db DIR/shard-I.sqlite --resume
#                (log DIR/shard-I.log; a diverged cell, exit 3, is a result and the task succeeds);
#   3. merge     precond-bench merge DIR/shard-*.sqlite --into DIR/merged.sqlite, then
#                precond-bench report SUITE --db DIR/merged.sqlite (Reports/SUITE.md and figures).
#
# Resources: every job gets PRECOND_BENCH_CPUS cores (default 2; a shard runs with that many
# threads, results do not depend on it) and PRECOND_BENCH_TIME of wall time (default 24:00:00).
# Other sbatch options come from sbatch's own environment variables, e.g.
# SBATCH_PARTITION=cpu SBATCH_ACCOUNT=myproject bash Scripts/slurm-study.sh toy 8.
# Slurm's logs: DIR/slurm-JOBID[_TASK].log.
#
# Interrupted (time limit, preemption: precond-bench stops at SIGTERM after recording the run
# `interrupted`) or failed: submit the same command again; finished cells are skipped and an
# interrupted cell continues from its last checkpoint (--resume). A shard that fails with another
# exit code (65 bad input, ...) fails its array task, and the merge job never starts (afterok).
#
# The jobs call this script again as `slurm-study.sh prepare|shard|merge SUITE SHARDS DIR`, in the
# repository root (sbatch --chdir); those modes are not meant to be called by hand.
set -uo pipefail

mode=submit
case "${1:-}" in prepare | shard | merge) mode="$1"; shift ;; esac
suite="${1:?usage: Scripts/slurm-study.sh SUITE [SHARDS] [DIR]}"
shards="${2:-5}"
dir="${3:-.precond-bench/studies/$suite}"
bin="$dir/precond-bench"
cpus="${PRECOND_BENCH_CPUS:-${SLURM_CPUS_PER_TASK:-2}}"
stamp() { date -u +%FT%TZ; }

case "$mode" in
  submit)
    cd "$(dirname "$0")/.." || exit 1
    if ! [[ "$shards" =~ ^[0-9]+$ ]] || [ "$shards" -lt 1 ]; then
      echo "SHARDS must be a positive integer, got '$shards'" >&2
      exit 64
    fi
    command -v sbatch >/dev/null 2>&1 || { echo "sbatch not found: run this on a Slurm login node" >&2; exit 1; }
    mkdir -p "$dir"
    script="$PWD/Scripts/slurm-study.sh"
    common=(--parsable --chdir "$PWD" --cpus-per-task "$cpus" --time "${PRECOND_BENCH_TIME:-24:00:00}"
      --export "ALL,PRECOND_BENCH_CPUS=$cpus")
    prepare=$(sbatch "${common[@]}" --job-name "$suite-prepare" --output "$dir/slurm-%j.log" \
      "$script" prepare "$suite" "$shards" "$dir") || exit 1
    array=$(sbatch "${common[@]}" --job-name "$suite-shard" --output "$dir/slurm-%A_%a.log" \
      --array "1-$shards" --dependency="afterok:${prepare%%;*}" \
      "$script" shard "$suite" "$shards" "$dir") || exit 1
    merge=$(sbatch "${common[@]}" --job-name "$suite-merge" --output "$dir/slurm-%j.log" \
      --dependency="afterok:${array%%;*}" \
      "$script" merge "$suite" "$shards" "$dir") || exit 1
    echo "study $suite: $shards shards in $dir; jobs prepare ${prepare%%;*}, shards ${array%%;*}_[1-$shards], merge ${merge%%;*} ($(stamp))"
    echo "follow: squeue -j ${prepare%%;*},${array%%;*},${merge%%;*}; progress: $dir/progress.log"
    ;;

  prepare)
    [ -f Package.swift ] || { echo "run from the repository root (sbatch --chdir)" >&2; exit 1; }
    if command -v dpkg >/dev/null 2>&1; then
      bash Scripts/install-dependencies.sh || exit $?
    else
      echo "note: not a Debian node, Scripts/install-dependencies.sh skipped (libsqlite3, zlib and pkg-config must be there)" >&2
    fi
    if [ ! -x "$bin" ]; then
      swift build -c release --product precond-bench || exit 1
      cp .build/release/precond-bench "$bin"
    fi
    "$bin" statistics estimate "$suite" --threads "$cpus" > "$dir/statistics.log" 2>&1 || {
      status=$?; echo "statistics estimate failed (exit $status); see $dir/statistics.log" >&2; exit "$status"; }
    echo "prepared $suite ($(stamp))" >> "$dir/progress.log"
    ;;

  shard)
    i="${SLURM_ARRAY_TASK_ID:?shard mode runs as a Slurm array task}"
    "$bin" run "$suite" --shard "$i/$shards" --db "$dir/shard-$i.sqlite" --resume --threads "$cpus" --quiet \
      >> "$dir/shard-$i.log" 2>&1
    code=$?
    echo "shard $i/$shards exit $code ($(stamp))" >> "$dir/progress.log"
    # 3 = a cell diverged or failed: a result, not a reason to stop the merge.
    if [ "$code" -ne 0 ] && [ "$code" -ne 3 ]; then exit "$code"; fi
    ;;

  merge)
    for ((i = 1; i <= shards; i++)); do
      [ -f "$dir/shard-$i.sqlite" ] || { echo "missing $dir/shard-$i.sqlite: shard $i did not run" >&2; exit 65; }
    done
    rm -f "$dir/merged.sqlite"
    "$bin" merge "$dir"/shard-*.sqlite --into "$dir/merged.sqlite" || exit $?
    "$bin" report "$suite" --db "$dir/merged.sqlite" || exit $?
    echo "study $suite done ($(stamp)): Reports/$suite.md, database $dir/merged.sqlite" | tee -a "$dir/progress.log"
    ;;
esac
