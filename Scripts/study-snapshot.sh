#!/usr/bin/env bash
# Saves or restores the state of a study that Scripts/run-study.sh runs, so that it continues in a
# later session or on another machine of the same type without losing the cells in progress.
#
#   bash Scripts/study-snapshot.sh save SUITE      # after stopping the workers (below)
#   bash Scripts/study-snapshot.sh restore SUITE   # then: bash Scripts/run-study.sh SUITE ...
#
# save: stop the study first, with SIGTERM to its `precond-bench run` processes
# (`pkill -TERM -f "precond-bench run .*SUITE"`): each checkpoints its current step and records its
# run `interrupted`. Then this copies, into Studies/SUITE/, a consistent copy of every shard
# database (sqlite3 .backup, one file each, no -wal/-shm) and the checkpoints of the cells in
# progress (.precond-bench/checkpoints/SUITE-*.ckpt, about 1.3 MB each for the fashion-mnist U-Net).
# restore: copies them back to .precond-bench/studies/SUITE/ and .precond-bench/checkpoints/; it
# never overwrites a database that is already there. The teacher and the Analytic-Precond
# statistics are not kept: run-study.sh recomputes them (deterministically) before the workers
# start.
#
# Exit codes: 0 done; 1 workers still running, or a database would be overwritten; 64 usage.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: Scripts/study-snapshot.sh save|restore SUITE"
mode="${1:-}"
suite="${2:-}"
[ -n "$suite" ] || { echo "$usage" >&2; exit 64; }
live=".precond-bench/studies/$suite"
kept="Studies/$suite"

case "$mode" in
  save)
    if pgrep -f "precond-bench run .*$suite" > /dev/null; then
      echo "study $suite: workers are still running; stop them first: pkill -TERM -f \"precond-bench run .*$suite\"" >&2
      exit 1
    fi
    shopt -s nullglob
    databases=("$live"/shard-*.sqlite)
    [ ${#databases[@]} -gt 0 ] || { echo "study $suite: no shard databases in $live" >&2; exit 1; }
    mkdir -p "$kept/checkpoints"
    rm -f "$kept"/shard-*.sqlite "$kept"/shard-*.sqlite-wal "$kept"/shard-*.sqlite-shm "$kept"/checkpoints/*.ckpt
    for db in "${databases[@]}"; do
      sqlite3 -readonly "$db" ".backup '$kept/$(basename "$db")'"
      # Rollback journal in the kept copy, so that reading it leaves no -wal/-shm files beside it
      # (precond-bench switches a database it opens back to WAL).
      sqlite3 "$kept/$(basename "$db")" "PRAGMA journal_mode=DELETE;" > /dev/null
    done
    checkpoints=(.precond-bench/checkpoints/"$suite"-*.ckpt)
    [ ${#checkpoints[@]} -eq 0 ] || cp "${checkpoints[@]}" "$kept/checkpoints/"
    echo "study $suite: saved ${#databases[@]} database(s) and ${#checkpoints[@]} checkpoint(s) into $kept"
    ;;
  restore)
    shopt -s nullglob
    databases=("$kept"/shard-*.sqlite)
    [ ${#databases[@]} -gt 0 ] || { echo "study $suite: nothing saved in $kept" >&2; exit 1; }
    mkdir -p "$live" .precond-bench/checkpoints
    for db in "${databases[@]}"; do
      target="$live/$(basename "$db")"
      if [ -e "$target" ]; then
        echo "study $suite: $target exists; not overwritten (delete it to restore the saved copy)" >&2
        exit 1
      fi
    done
    for db in "${databases[@]}"; do
      sqlite3 -readonly "$db" ".backup '$live/$(basename "$db")'"
    done
    checkpoints=("$kept"/checkpoints/*.ckpt)
    [ ${#checkpoints[@]} -eq 0 ] || cp "${checkpoints[@]}" .precond-bench/checkpoints/
    echo "study $suite: restored ${#databases[@]} database(s) and ${#checkpoints[@]} checkpoint(s) into $live"
    ;;
  *)
    echo "$usage" >&2
    exit 64
    ;;
esac
