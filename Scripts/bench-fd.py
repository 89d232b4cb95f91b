#!/usr/bin/env python3
"""Benchmark: the Frechet distance of two 10,000 x 2048 feature sets, end to end.

Writes two float32 feature files (fixed seed; non-negative, correlated features shaped like
Inception-v3 pool features), then, in this one invocation, times

  * `precond-bench fd A.npy B.npy --json` (the release binary) with --threads 1 and 2, and
  * the SciPy route of pytorch-fid and EDM on the same files: np.load, np.mean, np.cov, then
    scipy.linalg.sqrtm(sigma1 @ sigma2) and the trace formula,

and prints the seconds of each, both distances, their relative difference and the speed-ups.
Every timing includes reading the files. SciPy runs with its BLAS's default threads (all cores)
unless --scipy-threads is given, in which case it runs in a subprocess with OPENBLAS_NUM_THREADS
(and OMP/MKL equivalents) set.

Usage:
  python3 Scripts/bench-fd.py [--binary PATH] [--directory DIR] [--count 10000] [--dimension 2048]
                              [--repeat 1] [--scipy-threads N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy
import scipy.linalg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 2026


def write_features(directory, count, dimension):
    """Two feature sets: ReLU of a rank-256 mixture plus noise; B is shifted and re-mixed."""
    rng = np.random.default_rng(SEED)
    rank = 256
    mixing = rng.standard_normal((rank, dimension)) / np.sqrt(rank)
    paths = []
    for name, shift, perturbation in (("A", 0.0, 0.0), ("B", 0.05, 0.15)):
        w = mixing + perturbation * rng.standard_normal((rank, dimension)) / np.sqrt(rank)
        z = rng.standard_normal((count, rank))
        noise = rng.standard_normal((count, dimension))
        x = np.maximum(z @ w + 0.5 * noise + 0.2 + shift, 0).astype(np.float32)
        path = os.path.join(directory, f"{name}.npy")
        np.save(path, x)
        paths.append(path)
    return paths


def scipy_fd(path_a, path_b):
    """pytorch-fid's calculate_frechet_distance on np.cov statistics of the two files."""
    stats = []
    for path in (path_a, path_b):
        x = np.load(path).astype(np.float64)
        stats.append((np.mean(x, axis=0), np.cov(x, rowvar=False)))
    (mu1, sigma1), (mu2, sigma2) = stats
    covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
    if isinstance(covmean, tuple):  # older SciPy with disp=False
        covmean = covmean[0]
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * 1e-6
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def time_scipy(path_a, path_b, threads):
    if threads is None:
        start = time.perf_counter()
        value = scipy_fd(path_a, path_b)
        return time.perf_counter() - start, value
    env = dict(os.environ)
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = str(threads)
    output = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--scipy-only", path_a, path_b],
        env=env, check=True, capture_output=True, text=True).stdout
    result = json.loads(output)
    return result["seconds"], result["fd"]


def time_ours(binary, path_a, path_b, threads):
    start = time.perf_counter()
    completed = subprocess.run(
        [binary, "fd", path_a, path_b, "--json", "--threads", str(threads)],
        capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"precond-bench fd failed ({completed.returncode}): {completed.stderr}")
    return seconds, json.loads(completed.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "precond-bench"))
    parser.add_argument("--directory", help="where to write A.npy and B.npy (default: a temporary directory)")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--dimension", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each route; the fastest is reported")
    parser.add_argument("--scipy-threads", type=int, help="BLAS threads for the SciPy route (default: all)")
    parser.add_argument("--scipy-only", nargs=2, metavar=("A", "B"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.scipy_only:
        start = time.perf_counter()
        value = scipy_fd(*args.scipy_only)
        print(json.dumps({"seconds": time.perf_counter() - start, "fd": value}))
        return

    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no executable at {args.binary}: build it with `swift build -c release` or pass --binary")
    with tempfile.TemporaryDirectory(prefix="bench-fd-") as scratch:
        directory = args.directory or scratch
        os.makedirs(directory, exist_ok=True)
        start = time.perf_counter()
        path_a, path_b = write_features(directory, args.count, args.dimension)
        print(f"features: {path_a}, {path_b} ({args.count} x {args.dimension} float32, seed {SEED}; "
              f"written in {time.perf_counter() - start:.1f} s)")
        print(f"NumPy {np.__version__}, SciPy {scipy.__version__}, {os.cpu_count()} CPUs; binary {args.binary}")

        ours = {}
        for threads in (1, 2):
            runs = [time_ours(args.binary, path_a, path_b, threads) for _ in range(args.repeat)]
            seconds = min(r[0] for r in runs)
            report = runs[0][1]
            ours[threads] = (seconds, report["fd"])
            print(f"precond-bench fd --threads {threads}: {seconds:8.2f} s   fd = {report['fd']!r}"
                  f"   (clamped eigenvalues {report['clampedEigenvalues']}, "
                  f"round-off zeros {report['roundOffZeroEigenvalues']})")
        if ours[1][1] != ours[2][1]:
            print("WARNING: the distance differs between 1 and 2 threads")

        label = f"{args.scipy_threads} BLAS thread(s)" if args.scipy_threads else "default BLAS threads"
        runs = [time_scipy(path_a, path_b, args.scipy_threads) for _ in range(args.repeat)]
        scipy_seconds = min(r[0] for r in runs)
        scipy_value = runs[0][1]
        print(f"SciPy (np.cov + scipy.linalg.sqrtm, {label}): {scipy_seconds:8.2f} s   fd = {scipy_value!r}")

        ours_value = ours[1][1]
        relative = abs(ours_value - scipy_value) / abs(scipy_value)
        print(f"relative difference |ours - SciPy| / |SciPy|: {relative:.3e}")
        for threads in (1, 2):
            print(f"SciPy seconds / ours ({threads} thread{'s' if threads > 1 else ''}): "
                  f"{scipy_seconds / ours[threads][0]:.2f}x")


if __name__ == "__main__":
    main()
