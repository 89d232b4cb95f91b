#!/usr/bin/env python3
"""Side-by-side speed of PrecondBench's kernels and NumPy (OpenBLAS) / PyTorch CPU.

In one invocation:
  1. for each GEMM shape MxKxN and thread count (1 and 2 by default), `perf gemm --json` beside
     NumPy `matmul` on the same shape (threads pinned with OPENBLAS_NUM_THREADS & co. in a
     subprocess), GFLOP/s and the ratio ours / NumPy, plus each side's 2-thread scaling;
  2. `perf train-step --json` beside a PyTorch CPU step of the MLP 192->512->512->512->192
     (SiLU, batch 256, MSE against a fixed target, Adam) with torch.set_num_threads(T);
  3. (--sections unet-steps) `perf teacher-step` and `perf distill-step` beside the same steps
     of the same U-Nets written in PyTorch (below, UNET_CHILD): one teacher training step (EDM
     loss, backward, Adam, EMA) and one CTM distillation step (k teacher Heun steps, the
     student's jumps, backward, DSM and its backward, adaptive weight, Adam, two EMAs) for the
     fashion-mnist and cifar10 presets. PyTorch repeats the exact jump lengths k that `perf`
     drew (they set the cost of a step), and both sides print their parameter count and the
     shape of every parameter, which must agree (the run stops if they do not). Both clocks,
     wall and process CPU, are read around the same block of steps;
  4. (--sections unet-conv) `perf unet-conv` beside torch's conv2d, conv2d_input and
     conv2d_weight (torch.nn.grad) on the same shapes, GFLOP/s on both clocks.

Both sides are timed the same way: one warm-up run, then timed runs of at least --min-seconds of
back-to-back calls each; the figure is the BEST seconds per call. Each of --rounds rounds runs
every thread count of a shape (and of the training step), ours then theirs, back to back, and
the best of each is kept, so slow drift in the machine's load (other processes, frequency) hits
both sides and both thread counts alike. Note the load (printed at start and end): on a
shared 2-core machine the 2-thread figures are only meaningful when nothing else runs.

Usage:
  python3 Scripts/side-by-side.py [PERF_BINARY] [--shapes 256x512x512,...] [--threads 1,2]
                                  [--rounds 3] [--repeat 5] [--transposes]
                                  [--sections gemm,train-step,unet-steps,unet-conv]
  e.g. the whole U-Net steps and convolutions of issue 15:
  python3 Scripts/side-by-side.py --sections unet-steps,unet-conv --rounds 3

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

# A U-Net step in PyTorch, the same network as NeuralNet/UNet.swift and the same step as
# Diffusion/TeacherTraining.swift (teacher-step) or Distillation/DistillationTrainer.swift with
# method ctm and preconditioning ctm (distill-step). Argument: a JSON object with the step, the
# preset, the thread count and the jump lengths k to take (warm-up, then timed).
UNET_CHILD = r"""
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

config = json.loads(sys.argv[1])
torch.set_num_threads(config["threads"])
torch.manual_seed(0)
preset = config["preset"]
SIGMA_DATA = 0.5
T_MIN, T_MAX, RHO = 0.002, 80.0, 7.0


def fourier(values, features):
    # NeuralNet NoiseEmbedding: cos of F/2 geometric frequencies 1/8..8, then sin (computed in double).
    half = features // 2
    freqs = torch.tensor([0.125 * math.exp(math.log(64.0) * i / (half - 1)) for i in range(half)], dtype=torch.float64)
    angle = 2 * math.pi * values.to(torch.float64)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(angle), torch.sin(angle)], dim=1).to(torch.float32)


class TimeConditioning(nn.Module):
    def __init__(self, time_inputs, features, width):
        super().__init__()
        self.features = features
        self.inputs = nn.ModuleList([nn.Linear(features, width, bias=(j == 0)) for j in range(time_inputs)])
        self.hidden = nn.Linear(width, width)

    def forward(self, conditions):
        total = None
        for layer, values in zip(self.inputs, conditions):
            projected = layer(fourier(values, self.features))
            total = projected if total is None else total + projected
        return F.silu(self.hidden(F.silu(total)))


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, width, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(min(groups, cin), cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(width, cout)
        self.norm2 = nn.GroupNorm(min(groups, cout), cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x))) + self.emb(e)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class UNet(nn.Module):
    # NeuralNet/UNet.swift: conv_in, down (c->c) at full resolution, 2x2 average pooling, low
    # (c->2c) and middle (2c->2c) at half resolution, nearest 2x upsampling, concatenation with the
    # full-resolution skip, up (3c->c), GN -> SiLU -> conv_out.

    def __init__(self, channels, base, features, width, groups, time_inputs):
        super().__init__()
        c = base
        self.cond = TimeConditioning(time_inputs, features, width)
        self.conv_in = nn.Conv2d(channels, c, 3, padding=1)
        self.down = ResidualBlock(c, c, width, groups)
        self.low = ResidualBlock(c, 2 * c, width, groups)
        self.middle = ResidualBlock(2 * c, 2 * c, width, groups)
        self.up = ResidualBlock(3 * c, c, width, groups)
        self.norm_out = nn.GroupNorm(min(groups, c), c, eps=1e-5)
        self.conv_out = nn.Conv2d(c, channels, 3, padding=1)

    def forward(self, x, conditions):
        e = self.cond(conditions)
        h0 = self.down(self.conv_in(x), e)
        h = F.avg_pool2d(h0, 2)
        h = self.low(h, e)
        h = self.middle(h, e)
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.up(torch.cat([h, h0], dim=1), e)
        return self.conv_out(F.silu(self.norm_out(h)))


def build(time_inputs):
    return UNet(preset["channels"], preset["base_width"], preset["embedding_features"], preset["conditioning_width"],
                preset["groups"], time_inputs)


def per_sample(values):
    return values.to(torch.float32)[:, None, None, None]


def c_skip(t): return SIGMA_DATA ** 2 / (t * t + SIGMA_DATA ** 2)
def c_out(t): return t * SIGMA_DATA / torch.sqrt(t * t + SIGMA_DATA ** 2)
def c_in(t): return 1 / torch.sqrt(t * t + SIGMA_DATA ** 2)
def c_noise(t): return (torch.log(t) / 4).to(torch.float32)
def loss_weight(t): return (t * t + SIGMA_DATA ** 2) / (t * SIGMA_DATA) ** 2


def raw_output(network, x, t, extra=()):
    return network(x * per_sample(c_in(t)), [c_noise(t)] + [c_noise(e) for e in extra])


def denoise(network, x, t, extra=()):
    return x * per_sample(c_skip(t)) + raw_output(network, x, t, extra) * per_sample(c_out(t))


def karras(count):
    a, b = T_MAX ** (1 / RHO), T_MIN ** (1 / RHO)
    return torch.tensor([(a + i / (count - 1) * (b - a)) ** RHO for i in range(count)], dtype=torch.float64)


resolution, channels = preset["resolution"], preset["channels"]
data = torch.randn(256, channels, resolution, resolution)
kind = config["step"]

if kind == "teacher-step":
    batch = preset["teacher_batch"]
    network = build(1)
    trained = list(network.parameters())
    ema = [p.detach().clone() for p in trained]
    optimizer = torch.optim.Adam(trained, lr=preset["teacher_learning_rate"], foreach=True)

    def step(_k):
        clean = data[torch.randint(0, data.shape[0], (batch,))]
        sigma = torch.exp(-1.2 + 1.2 * torch.randn(batch, dtype=torch.float64))
        noisy = clean + torch.randn_like(clean) * per_sample(sigma)
        denoised = denoise(network, noisy, sigma)
        loss = torch.mean(torch.square(denoised - clean) * per_sample(loss_weight(sigma)))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema, trained, 1 - preset["teacher_ema_rate"])
        return loss.item()
    counted = network
else:
    batch = preset["distillation_batch"]
    grid = karras(preset["grid_count"])
    n_grid = preset["grid_count"]
    teacher = build(1)
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = build(2)
    target_net = build(2)
    target_net.load_state_dict(student.state_dict())
    for p in target_net.parameters():
        p.requires_grad_(False)
    trained = list(student.parameters())
    target_params = list(target_net.parameters())
    evaluation = [p.detach().clone() for p in trained]
    optimizer = torch.optim.Adam(trained, lr=preset["distillation_learning_rate"], foreach=True)
    rate = preset["ema_rate"]
    t_min = torch.full((batch,), T_MIN, dtype=torch.float64)

    def jump(network, x, t, s):
        # CTM preconditioning (Distillation/Jumper.swift, .ctm): A = r + (1-r) cSkip(t), B = (1-r) cOut(t), r = s/t.
        r = s / t
        a = r + (1 - r) * c_skip(t)
        b = (1 - r) * c_out(t)
        return x * per_sample(a) + raw_output(network, x, t, (s,)) * per_sample(b)

    def heun(x, t, nxt):
        h = per_sample(nxt - t)
        d = (x - denoise(teacher, x, t)) * per_sample(1 / t)
        predictor = x + d * h
        d2 = (predictor - denoise(teacher, predictor, nxt)) * per_sample(1 / nxt)
        return x + (d + d2) * (0.5 * h)

    def step(k):
        clean = data[torch.randint(0, data.shape[0], (batch,))]
        noise = torch.randn_like(clean)
        start = torch.randint(0, n_grid - k, (batch,))
        ends = start + k + (torch.rand(batch) * (n_grid - (start + k))).long()
        t, u, s = grid[start], grid[start + k], grid[ends]
        xt = clean + noise * per_sample(t)
        with torch.no_grad():
            solved = xt
            for j in range(k):
                solved = heun(solved, grid[start + j], grid[start + j + 1])
            target = jump(target_net, jump(student, solved, u, s), s, t_min)
        estimate = jump(target_net, jump(student, xt, t, s), s, t_min)
        consistency = F.mse_loss(estimate, target)
        consistency_gradients = torch.autograd.grad(consistency, trained)
        levels = torch.exp(-1.2 + 1.2 * torch.randn(batch, dtype=torch.float64))
        xi = 0.5 * torch.rand(batch, dtype=torch.float64)
        a, b = T_MAX ** (1 / RHO), T_MIN ** (1 / RHO)
        levels[1::2] = ((a + xi * (b - a)) ** RHO)[1::2]
        noisy = clean + torch.randn_like(clean) * per_sample(levels)
        denoised = denoise(student, noisy, levels, (levels,))
        dsm = torch.mean(torch.square(denoised - clean) * per_sample(loss_weight(levels)))
        dsm_gradients = torch.autograd.grad(dsm, trained)
        last = len(trained) - 2  # conv_out.weight
        weight = (consistency_gradients[last].norm() / (dsm_gradients[last].norm() + 1e-4)).clamp(0, 1e4)
        gradients = torch._foreach_add(consistency_gradients, dsm_gradients, alpha=weight.item())
        for p, g in zip(trained, gradients):
            p.grad = g
        optimizer.step()
        with torch.no_grad():
            torch._foreach_lerp_(target_params, trained, 1 - rate)
            torch._foreach_lerp_(evaluation, trained, 1 - rate)
        return consistency.item()
    counted = student

for k in config["warmup_jumps"] or [None] * config["warmup"]:
    step(k)
jumps = config["jumps"] or [None] * config["steps"]
wall_start, cpu_start = time.perf_counter(), time.process_time()
for k in jumps:
    loss = step(k)
wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
shapes = {name: "x".join(str(d) for d in p.shape) for name, p in counted.named_parameters()}
print(json.dumps({"seconds": wall / len(jumps), "cpu_seconds": cpu / len(jumps), "loss": loss,
                  "parameters": sum(p.numel() for p in counted.parameters()), "parameter_shapes": shapes,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
"""

# torch's three convolution passes on the shapes `perf unet-conv` printed.
CONV_CHILD = TIMING + """
import json, sys
import torch
import torch.nn.functional as F
threads, runs, min_seconds, shapes = json.loads(sys.argv[1])
torch.set_num_threads(threads)
torch.manual_seed(0)
out = []
for label in shapes:
    dims, kernel = label.split(" k")
    b, cin, h, w, cout = (int(d) for d in dims.split("x"))
    k = int(kernel)
    pad = k // 2
    x = torch.randn(b, cin, h, w)
    weight = torch.randn(cout, cin, k, k)
    grad = torch.randn(b, cout, h, w)
    flops = 2.0 * b * cout * h * w * cin * k * k
    bodies = {
        "forward": lambda: F.conv2d(x, weight, padding=pad),
        "backward-input": lambda: torch.nn.grad.conv2d_input(x.shape, weight, grad, padding=pad),
        "backward-weight": lambda: torch.nn.grad.conv2d_weight(x, weight.shape, grad, padding=pad),
    }
    for name, body in bodies.items():
        best, median = measure(body, runs, min_seconds)
        out.append({"shape": label, "pass": name, "gflops": flops / best / 1e9, "seconds": best})
print(json.dumps({"results": out, "torch": torch.__version__}))
"""

# The suites' U-Nets (Benchmarks/Suites/fashion-mnist.json, cifar10.json; as
# Benchmarks/Perf/UNetStepCommand.swift).
UNET_COMMON = {"embedding_features": 32, "conditioning_width": 64, "groups": 8, "teacher_batch": 64,
               "teacher_learning_rate": 0.002, "teacher_ema_rate": 0.999, "distillation_batch": 32, "max_jump": 4,
               "distillation_learning_rate": 0.0002, "ema_rate": 0.99}
UNET_PRESETS = {
    "fashion-mnist": dict(UNET_COMMON, channels=1, resolution=14, base_width=16, grid_count=10),
    "cifar10": dict(UNET_COMMON, channels=3, resolution=16, base_width=32, grid_count=18),
}

CLOCK = "wall"


def pinned_environment(threads, clock=None):
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    env["SIDE_BY_SIDE_CLOCK"] = clock or CLOCK
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


def last_line(process):
    text = process.stderr.strip()
    return text.splitlines()[-1] if text else "exit %d" % process.returncode


def unet_step_table(arguments):
    """Seconds per U-Net training step, ours and PyTorch's, wall and CPU clock, best over rounds.
    Each round runs every (step, preset, threads), ours then PyTorch's with the same jumps."""
    print()
    print("U-Net training steps (ms per step, mean over a block of %d steps after %d warm-up, best of %d "
          "interleaved rounds; CPU = process CPU time, summed over threads):"
          % (arguments.step_block, arguments.step_warmup, arguments.rounds), flush=True)
    if not torch_available():
        sys.exit("error: the U-Net steps need PyTorch; for a CPU-only build run:  " + TORCH_INSTALL)
    steps = ["teacher-step", "distill-step"]
    best, parity, torch_version = {}, {}, None
    for round_index in range(arguments.rounds):
        print("  round %d of %d (%s)" % (round_index + 1, arguments.rounds, load_average()), flush=True)
        for step in steps:
            for preset in arguments.presets:
                for threads in arguments.threads:
                    command = [arguments.perf, step, "--preset", preset, "--threads", str(threads), "--steps",
                               str(arguments.step_block), "--warmup", str(arguments.step_warmup), "--json"]
                    ours, process = run_json(command)
                    if ours is None:
                        sys.exit("error: %s failed: %s" % (" ".join(command), last_line(process)))
                    config = {"step": step, "preset": UNET_PRESETS[preset], "threads": threads,
                              "warmup": arguments.step_warmup, "steps": arguments.step_block,
                              "warmup_jumps": ours["warmup_jumps"], "jumps": ours["jumps"]}
                    theirs, child = run_json([sys.executable, "-c", UNET_CHILD, json.dumps(config)],
                                             env=pinned_environment(threads))
                    if theirs is None:
                        sys.exit("error: PyTorch U-Net child failed: %s" % child.stderr.strip()[-800:])
                    torch_version = theirs["torch"]
                    key = (step, preset)
                    if key not in parity:
                        ours_shapes = sorted(ours["parameter_shapes"].values())
                        their_shapes = sorted(theirs["parameter_shapes"].values())
                        parity[key] = (ours["parameters"], theirs["parameters"], ours_shapes == their_shapes)
                        print("    parity %-13s %-14s parameters ours %d torch %d, parameter shapes %s; jumps k %s"
                              % (step, preset, ours["parameters"], theirs["parameters"],
                                 "identical" if ours_shapes == their_shapes else "DIFFER", ours["jumps"]), flush=True)
                        if parity[key][0] != parity[key][1] or not parity[key][2]:
                            sys.exit("error: the PyTorch U-Net is not the same network as ours (%s %s)" % key)
                    row = best.setdefault((step, preset, threads), [float("inf")] * 4)
                    for i, value in enumerate([ours["seconds"], ours["cpu_seconds"], theirs["seconds"], theirs["cpu_seconds"]]):
                        row[i] = min(row[i], value)
                    print("    %-13s %-14s T=%d  ours %8.1f ms wall %8.1f ms CPU   torch %8.1f ms wall %8.1f ms CPU"
                          % (step, preset, threads, ours["seconds"] * 1e3, ours["cpu_seconds"] * 1e3,
                             theirs["seconds"] * 1e3, theirs["cpu_seconds"] * 1e3), flush=True)
    print()
    print("U-Net steps, best of %d rounds, torch %s (ratio = ours / torch time; > 1 means we are slower):"
          % (arguments.rounds, torch_version))
    print("  %-13s %-14s %3s | %10s %10s %6s | %10s %10s %6s" % (
        "step", "preset", "T", "ours ms", "torch ms", "ratio", "ours CPU", "torch CPU", "ratio"))
    for (step, preset, threads), (ours_wall, ours_cpu, torch_wall, torch_cpu) in best.items():
        print("  %-13s %-14s %3d | %10.1f %10.1f %6.2f | %10.1f %10.1f %6.2f" % (
            step, preset, threads, ours_wall * 1e3, torch_wall * 1e3, ours_wall / torch_wall,
            ours_cpu * 1e3, torch_cpu * 1e3, ours_cpu / torch_cpu))


def unet_conv_table(arguments, threads):
    """GFLOP/s of every U-Net convolution pass at `threads` threads, ours (`perf unet-conv`) and
    torch's, on both clocks, best over interleaved rounds (ours then torch, CPU clock then wall,
    each round)."""
    print()
    print("U-Net convolutions, GFLOP/s, T=%d, best of %d interleaved rounds (useful FLOPs 2 B Cout H W Cin k^2 per pass):"
          % (threads, arguments.rounds), flush=True)
    if not torch_available():
        sys.exit("error: the convolution comparison needs PyTorch; run:  " + TORCH_INSTALL)
    best, order, torch_version = {}, [], None
    for round_index in range(arguments.rounds):
        for clock in ("cpu", "wall"):
            print("  round %d of %d, %s clock (%s)" % (round_index + 1, arguments.rounds, clock, load_average()), flush=True)
            command = [arguments.perf, "unet-conv", "--threads", str(threads), "--rounds", "1", "--repeat",
                       str(arguments.conv_repeat), "--clock", clock, "--json"]
            process = subprocess.run(command, capture_output=True, text=True)
            if process.returncode != 0:
                sys.exit("error: %s failed: %s" % (" ".join(command), last_line(process)))
            rows = [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{\"gflops")]
            shapes = []
            for row in rows:
                key = (row["preset"], row["layer"], row["shape"], row["pass"])
                if key not in order:
                    order.append(key)
                if row["shape"] not in shapes:
                    shapes.append(row["shape"])
                entry = best.setdefault(key, {})
                entry["ours " + clock] = max(entry.get("ours " + clock, 0.0), row["gflops"])
            arguments_json = json.dumps([threads, arguments.conv_repeat, arguments.min_seconds, shapes])
            theirs, child = run_json([sys.executable, "-c", CONV_CHILD, arguments_json],
                                     env=pinned_environment(threads, clock))
            if theirs is None:
                sys.exit("error: PyTorch convolution child failed: %s" % child.stderr.strip()[-800:])
            torch_version = theirs["torch"]
            by_shape = {(r["shape"], r["pass"]): r["gflops"] for r in theirs["results"]}
            for key in order:
                entry = best[key]
                entry["torch " + clock] = max(entry.get("torch " + clock, 0.0), by_shape[(key[2], key[3])])
    print()
    print("U-Net convolutions, GFLOP/s, T=%d, best of %d rounds, torch %s (ratio = ours / torch GFLOP/s; < 1 means we are slower):"
          % (threads, arguments.rounds, torch_version))
    print("  %-14s %-18s %-24s %-16s | %7s %7s %5s | %7s %7s %5s" % (
        "preset", "layer", "shape BxCinxHxWxCout", "pass", "ours", "torch", "ratio", "ours", "torch", "ratio"))
    print("  %-14s %-18s %-24s %-16s | %21s | %21s" % ("", "", "", "", "CPU clock", "wall clock"))
    for key in order:
        e = best[key]
        print("  %-14s %-18s %-24s %-16s | %7.2f %7.2f %5.2f | %7.2f %7.2f %5.2f" % (
            key[0], key[1], key[2], key[3], e["ours cpu"], e["torch cpu"], e["ours cpu"] / e["torch cpu"],
            e["ours wall"], e["torch wall"], e["ours wall"] / e["torch wall"]))


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
    parser.add_argument("--skip-gemm", action="store_true", help="only the training step (same as --sections train-step)")
    parser.add_argument("--sections", default="gemm,train-step",
                        help="comma-separated sections among gemm, train-step, unet-steps, unet-conv (default %(default)s)")
    parser.add_argument("--presets", default="fashion-mnist,cifar10", help="U-Net presets of unet-steps (default %(default)s)")
    parser.add_argument("--step-block", type=int, default=4, help="timed U-Net steps per round (default %(default)s)")
    parser.add_argument("--step-warmup", type=int, default=1, help="untimed U-Net steps first (default %(default)s)")
    parser.add_argument("--conv-threads", default="1",
                        help="comma-separated thread counts of unet-conv, one table each (default %(default)s)")
    parser.add_argument("--conv-repeat", type=int, default=3, help="timed runs per convolution pass (default %(default)s)")
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
    arguments.conv_threads = [int(t) for t in arguments.conv_threads.split(",") if t.strip()]
    arguments.presets = [p.strip() for p in arguments.presets.split(",") if p.strip()]
    sections = [p.strip() for p in arguments.sections.split(",") if p.strip()]
    if arguments.skip_gemm:
        sections = [p for p in sections if p != "gemm"]
    unknown = [p for p in sections if p not in ("gemm", "train-step", "unet-steps", "unet-conv")]
    unknown += [p for p in arguments.presets if p not in UNET_PRESETS]
    if unknown:
        sys.exit("error: unknown section or preset: %s" % ", ".join(unknown))
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
    if "gemm" in sections:
        print("GEMM C = A B (float32), GFLOP/s = 2MNK / best seconds per call:")
        rows = gemm_table(arguments)
        print_gemm_summary(rows, arguments.threads)
    if "train-step" in sections:
        train_step_table(arguments)
    if "unet-steps" in sections:
        unet_step_table(arguments)
    if "unet-conv" in sections:
        for threads in arguments.conv_threads:
            unet_conv_table(arguments, threads)
    print()
    print("done; %s" % load_average())


if __name__ == "__main__":
    main()
