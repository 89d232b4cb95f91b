#!/usr/bin/env python3
"""Spread of Analytic-Precond's B from seed to seed.

    precond-bench statistics estimate fashion-mnist --seed 1 --json > s1.json   (and --seed 2, ...)
    python3 Scripts/statistics-spread.py s1.json s2.json s3.json

Each file holds the `--json` lines of one `statistics estimate` (one line per problem). For every
jump (t, s) of the training grid and each variant of beta (B = beta cOut(t)), prints how far the
estimates disagree: the relative range (max - min) / |mean| and the relative standard deviation
across the files, then their median and maximum over the jumps, with the worst jump. The
jackknife's own relative standard error of B (the mean over the files) is printed beside them:
if the error bars are right, the relative SD across seeds is about that size.
"""
import json
import statistics
import sys


def main(paths):
    if len(paths) < 2:
        sys.exit("statistics-spread: give at least two --json outputs of `statistics estimate` (see --help)")
    runs = []
    for path in paths:
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if not lines:
            sys.exit(f"statistics-spread: {path}: no JSON lines")
        runs.append({line["problem"]: line for line in lines})
    problems = sorted(set.intersection(*(set(r) for r in runs)))
    for problem in problems:
        costs = [r[problem]["cost"] for r in runs]
        print(f"{problem}: {len(runs)} estimates; samples per point "
              + ", ".join(str(c["samplesPerPoint"]) for c in costs)
              + "; largest jackknife relative SE of B "
              + ", ".join(f"{100 * c.get('maxRelativeErrorB', float('nan')):.2f}%" for c in costs))
        table = {}
        for r in runs:
            for jump in r[problem]["jumps"]:
                table.setdefault((jump["t"], jump["s"], jump["variant"]), []).append(jump)
        rows = []
        for (t, s, variant), jumps in sorted(table.items()):
            if len(jumps) != len(runs):
                continue
            betas = [j["beta"] for j in jumps]
            mean = statistics.fmean(betas)
            if mean == 0:
                continue
            spread = (max(betas) - min(betas)) / abs(mean)
            sd = statistics.stdev(betas) / abs(mean)
            se = statistics.fmean(j["relativeError"] for j in jumps)
            rows.append((spread, sd, se, t, s, variant, betas))
        if not rows:
            print("  no common jumps")
            continue
        for variant in sorted({r[5] for r in rows}):
            part = [r for r in rows if r[5] == variant]
            worst = max(part)
            print(f"  {variant} beta over {len(part)} jumps: relative range median "
                  f"{100 * statistics.median(r[0] for r in part):.2f}%, max {100 * worst[0]:.2f}% "
                  f"(t {worst[3]:.4g} -> s {worst[4]:.4g}: B/cOut = {', '.join(f'{b:.4f}' for b in worst[6])}); "
                  f"relative SD median {100 * statistics.median(r[1] for r in part):.2f}%, "
                  f"max {100 * max(r[1] for r in part):.2f}%; "
                  f"jackknife relative SE median {100 * statistics.median(r[2] for r in part):.2f}%, "
                  f"max {100 * max(r[2] for r in part):.2f}%")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0)
    main(sys.argv[1:])
