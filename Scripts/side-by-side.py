#!/usr/bin/env python3
"""Side-by-side speed of PrecondBench's kernels and NumPy (OpenBLAS) / PyTorch CPU.

In one invocation:
  1. for each GEMM shape MxKxN and thread count (1 and 2 by default), `perf gemm --json` beside
     NumPy `matmul` on the same shape (threads pinned with OPENBLAS_NUM_THREADS & co. in a
     subprocess), GFLOP/s and the ratio ours / NumPy, plus each side's 2-thread scaling;
  2. `perf train-step --json` beside a PyTorch CPU step of the MLP 192->512->512->512->192
     (SiLU, batch 256, MSE against a fixed target, Adam) with torch.set_num_threads(T).

Both sides are timed the same way: one warm-up run, then timed runs of at least --min-seconds of
back-to-back calls each; the figure is the BEST seconds per call. Each of --rounds rounds runs
every thread count of a shape (and of the training step), ours then theirs, back to back, and
the best of each is kept, so slow drift in the machine's load (other processes, frequency) hits
both sides and both thread counts alike. Note the load (printed at start and end): on a
shared 2-core machine the 2-thread figures are only meaningful when nothing else runs.

Usage:
  python3 Scripts/side-by-side.py [PERF_BINARY] [--shapes 256x512x512,...] [--threads 1,2]
                                  [--rounds 3] [--repeat 5] [--transposes]

PERF_BINARY defaults to .build/release/perf (build it with `swift build -c release --product perf`).
PyTorch is optional; without it the torch rows are skipped with a message. Install a CPU-only
torch with:  pip install torch --index-url https://download.pytorch.org/whl/cpu
"""

import argparse
import json
import os
import subprocess
import sys
import textwrap

DEFAULT_SHAPES = ["256x512x512", "256x192x512", "512x256x512"]
THREAD_VARIABLES = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"]
TORCH_INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"

# Timing helper shared by the NumPy and PyTorch child processes (same method as `perf`).
TIMING = """
import os, time
now = time.process_time if os.environ.get("SIDE_BY_SIDE_CLOCK") == "cpu" else time.perf_counter
def measure(body, runs, min_seconds):
    calls, start = 0, now()
    while True:
        body(); calls += 1
        if now() - start >= min_seconds / 2: break
    per_call = (now() - start) / calls
    calls_per_run = max(1, int(min_seconds / max(per_call, 1e-9)) + 1)
    results = []
    for _ in range(runs):
        start = now()
        for _ in range(calls_per_run): body()
        results.append((now() - start) / calls_per_run)
    return min(results), sorted(results)[len(results) // 2]
"""

NUMPY_CHILD = TIMING + """
import json, sys
import numpy as np
m, k, n, ta, tb, runs, min_seconds = json.loads(sys.argv[1])
rng = np.random.default_rng(1)
a = rng.uniform(-1, 1, size=(k, m) if ta else (m, k)).astype(np.float32)
b = rng.uniform(-1, 1, size=(n, k) if tb else (k, n)).astype(np.float32)
opa = a.T if ta else a
opb = b.T if tb else b
c = np.empty((m, n), dtype=np.float32)
best, median = measure(lambda: np.matmul(opa, opb, out=c), runs, min_seconds)
print(json.dumps({"gflops": 2.0 * m * n * k / best / 1e9, "seconds": best, "median_seconds": median}))
"""

TORCH_CHILD = TIMING + """
import json, sys
import torch
threads, runs, min_seconds = json.loads(sys.argv[1])
torch.set_num_threads(threads)
torch.manual_seed(0)
widths = [192, 512, 512, 512, 192]
layers = []
for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
    layers.append(torch.nn.Linear(fan_in, fan_out))
    if i < len(widths) - 2:
        layers.append(torch.nn.SiLU())
model = torch.nn.Sequential(*layers)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(256, 192)
target = torch.randn(256, 192)
def step():
    optimizer.zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(model(x), target)
    loss.backward()
    optimizer.step()
best, median = measure(step, runs, min_seconds)
print(json.dumps({"seconds": best, "median_seconds": median, "steps_per_second": 1.0 / best,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
"""


CLOCK = "wall"


def pinned_environment(threads):
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    env["SIDE_BY_SIDE_CLOCK"] = CLOCK
    return env


def run_json(command, env=None):
    """Runs a command that prints one JSON line; returns (json or None, completed process)."""
    process = subprocess.run(command, capture_output=True, text=True, env=env)
    if process.returncode != 0:
        return None, process
    lines = [line for line in process.stdout.splitlines() if line.strip().startswith("{")]
    if not lines:
        return None, process
    return json.loads(lines[-1]), process


def load_average():
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


def ours_gemm(perf, shape, threads, transpose_a, transpose_b, repeat):
    command = [perf, "gemm", "--shape", shape, "--threads", str(threads), "--repeat", str(repeat), "--clock", CLOCK,
               "--json"]
    if transpose_a:
        command.append("--transpose-a")
    if transpose_b:
        command.append("--transpose-b")
    result, process = run_json(command)
    if result is None:
        sys.exit("error: %s failed (exit %d): %s" % (" ".join(command), process.returncode, process.stderr.strip()))
    return result


def numpy_gemm(shape, threads, transpose_a, transpose_b, repeat, min_seconds):
    m, k, n = (int(part) for part in shape.split("x"))
    arguments = json.dumps([m, k, n, transpose_a, transpose_b, repeat, min_seconds])
    result, process = run_json([sys.executable, "-c", NUMPY_CHILD, arguments], env=pinned_environment(threads))
    if result is None:
        sys.exit("error: NumPy child failed: %s" % process.stderr.strip())
    return result


def torch_available():
    process = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True)
    return process.returncode == 0


def gemm_table(arguments):
    """Best GFLOP/s per (shape, threads) for both sides. Each round measures every thread count
    of a shape, ours and NumPy's, back to back, so that the 2-thread scaling compares figures
    taken within seconds of each other rather than minutes apart."""
    variants = [(False, False)]
    if arguments.transposes:
        variants += [(False, True), (True, False)]
    rows = []
    for shape in arguments.shapes:
        for transpose_a, transpose_b in variants:
            best = {}
            for _ in range(arguments.rounds):
                for threads in arguments.threads:
                    ours = ours_gemm(arguments.perf, shape, threads, transpose_a, transpose_b, arguments.repeat)
                    theirs = numpy_gemm(shape, threads, transpose_a, transpose_b, arguments.repeat, arguments.min_seconds)
                    previous = best.get(threads, (0.0, 0.0))
                    best[threads] = (max(previous[0], ours["gflops"]), max(previous[1], theirs["gflops"]))
            label = shape + ("" if not (transpose_a or transpose_b) else " " + ("Aᵀ" if transpose_a else "") + ("Bᵀ" if transpose_b else ""))
            for threads in arguments.threads:
                best_ours, best_numpy = best[threads]
                rows.append((label, threads, best_ours, best_numpy))
                print("  %-18s T=%d  ours %7.2f GFLOP/s   numpy %7.2f GFLOP/s   ours/numpy %.3f"
                      % (label, threads, best_ours, best_numpy, best_ours / best_numpy), flush=True)
    return rows


def print_gemm_summary(rows, thread_counts):
    print()
    print("GEMM summary (GFLOP/s, best of rounds; ratio = ours / NumPy):")
    header = "  %-18s" % "shape"
    for threads in thread_counts:
        header += " | T=%d ours   numpy  ratio" % threads
    if 1 in thread_counts and len(thread_counts) > 1:
        header += " | scaling ours numpy"
    print(header)
    by_key = {(label, threads): (ours, theirs) for label, threads, ours, theirs in rows}
    labels = []
    for label, _, _, _ in rows:
        if label not in labels:
            labels.append(label)
    for label in labels:
        line = "  %-18s" % label
        for threads in thread_counts:
            ours, theirs = by_key[(label, threads)]
            line += " | %8.2f %7.2f %6.3f" % (ours, theirs, ours / theirs)
        if 1 in thread_counts and len(thread_counts) > 1:
            top = max(thread_counts)
            line += " | T%d/T1 %5.2fx %5.2fx" % (
                top, by_key[(label, top)][0] / by_key[(label, 1)][0], by_key[(label, top)][1] / by_key[(label, 1)][1])
        print(line)


def train_step_table(arguments):
    """Best seconds per step for both sides over --rounds rounds; each round runs every thread
    count, ours then PyTorch's."""
    print()
    print("Training step, MLP 192->512->512->512->192, SiLU, batch 256, MSE, Adam (seconds per step, best of %d rounds):"
          % arguments.rounds)
    have_torch = torch_available()
    if not have_torch:
        print("  skipped PyTorch: torch is not installed; for a CPU-only build run:  " + TORCH_INSTALL)
    ours_best, theirs_best, torch_version, failures = {}, {}, None, []
    for _ in range(arguments.rounds):
        for threads in arguments.threads:
            ours, process = run_json([arguments.perf, "train-step", "--threads", str(threads), "--json"])
            if ours is None:
                reason = process.stderr.strip().splitlines()[-1] if process.stderr.strip() else "exit %d" % process.returncode
                failures.append("  T=%d  perf train-step failed (%s)" % (threads, reason))
            else:
                ours_best[threads] = min(ours_best.get(threads, float("inf")), ours["seconds"])
            if have_torch:
                theirs, child = run_json(
                    [sys.executable, "-c", TORCH_CHILD, json.dumps([threads, arguments.repeat, arguments.min_seconds])],
                    env=pinned_environment(threads))
                if theirs is None:
                    failures.append("  T=%d  PyTorch child failed: %s" % (threads, child.stderr.strip()[-400:]))
                else:
                    theirs_best[threads] = min(theirs_best.get(threads, float("inf")), theirs["seconds"])
                    torch_version = theirs["torch"]
    for line in sorted(set(failures)):
        print(line)
    for threads in arguments.threads:
        line = "  T=%d" % threads
        if threads in ours_best:
            line += "  ours %.3f ms" % (ours_best[threads] * 1e3)
        if threads in theirs_best:
            line += "  torch %s %.3f ms" % (torch_version, theirs_best[threads] * 1e3)
        if threads in ours_best and threads in theirs_best:
            line += "  ours/torch time %.3f" % (ours_best[threads] / theirs_best[threads])
        if threads in ours_best or threads in theirs_best:
            print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(
        description="Side-by-side GEMM and training-step speed: perf vs NumPy/OpenBLAS and PyTorch CPU.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent("""\
            Install a CPU-only PyTorch (optional) with:
              %s""" % TORCH_INSTALL))
    parser.add_argument("perf_binary", nargs="?", default=None, help="path to the perf executable (default .build/release/perf)")
    parser.add_argument("--perf", dest="perf_option", default=None, help="same as the positional PERF_BINARY")
    parser.add_argument("--shapes", default=",".join(DEFAULT_SHAPES), help="comma-separated MxKxN (default %(default)s)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per row, best kept (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (default %(default)s)")
    parser.add_argument("--min-seconds", type=float, default=0.2, help="least seconds per timed run (default %(default)s)")
    parser.add_argument("--transposes", action="store_true", help="also time op(A)=A, op(B)=Bᵀ and op(A)=Aᵀ (the MLP's products)")
    parser.add_argument("--skip-gemm", action="store_true", help="only the training step")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall-clock seconds (default) or process CPU seconds on both sides; cpu is robust "
                             "to other processes on a shared machine but for T>1 it sums the threads, so it "
                             "measures efficiency, not speed-up")
    arguments = parser.parse_args()
    global CLOCK
    CLOCK = arguments.clock
    arguments.perf = arguments.perf_option or arguments.perf_binary or os.path.join(".build", "release", "perf")
    arguments.shapes = [shape.strip() for shape in arguments.shapes.split(",") if shape.strip()]
    arguments.threads = [int(t) for t in arguments.threads.split(",") if t.strip()]
    if not os.path.isfile(arguments.perf) or not os.access(arguments.perf, os.X_OK):
        sys.exit("error: no perf executable at %s; build it with `swift build -c release --product perf` "
                 "or pass its path" % arguments.perf)
    try:
        import numpy
        numpy_version = numpy.__version__
    except ImportError:
        sys.exit("error: NumPy is required (pip install numpy)")

    print("perf: %s   numpy %s   cpus %d   clock %s   %s"
          % (arguments.perf, numpy_version, os.cpu_count() or 0, arguments.clock, load_average()))
    if not arguments.skip_gemm:
        print("GEMM C = A B (float32), GFLOP/s = 2MNK / best seconds per call:")
        rows = gemm_table(arguments)
        print_gemm_summary(rows, arguments.threads)
    train_step_table(arguments)
    print()
    print("done; %s" % load_average())


if __name__ == "__main__":
    main()
