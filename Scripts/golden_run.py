#!/usr/bin/env python3
"""Golden run of PrecondBench's distillation trainer, re-derived in float64 NumPy (issue 11, item 5).

Written from the formulas (docs/math.md sections 1-5 and the documented conventions of the trainer),
not from the Swift code's structure: the gradients are derived by hand below and checked by
central finite differences with --check-gradients.

Input: the JSON the Swift test writes when PRECOND_BENCH_GOLDEN_DUMP=path is set (or a fixture,
whose "inputs" are then used): per run the configuration numbers, the initial parameters and, per
step, the pure randomness the trainer drew (clean minibatch x0, noise eps, times t/u/s with their
grid index and the jump length k, DSM levels sigma and DSM noise).

The model, for a student with parameters P:
  e(c_t, c_s)  = silu(W_h silu(W_0 phi(c_t) + b_0 + W_1 phi(c_s)) + b_h)       time conditioning
  phi(c)       = [cos(2 pi f_i c), sin(2 pi f_i c)], f_i geometric in [f_lo, f_hi]
  F(z; c_t, c_s) = W_out silu(h_L) + b_out, h_1 = W_in z + b_in + P_0 e,
                   h_l = W_l silu(h_{l-1}) + b_l + P_{l-1} e                     raw network
  cSkip = sd^2/(t^2+sd^2), cOut = t sd/sqrt(t^2+sd^2), cIn = 1/sqrt(t^2+sd^2), cNoise = ln(t)/4
  jump f_P(x, t, s) = A(t, s) x + B(t, s) F(cIn(t) x; cNoise(t), cNoise(s))
    ctm:      f = (s/t) x + (1 - s/t) D(x, t, s),  D = cSkip(t) x + cOut(t) F     (EDM's denoiser)
    edm (CD): consistency-model boundary at tMin: A = sd^2/((t-tMin)^2+sd^2),
              B = sd (t-tMin)/sqrt(sd^2+t^2)
    analytic: A = alpha - beta l(t) + beta cSkip(t), B = beta cOut(t) with
              alpha = (s/t) exp(L(ls) - L(lt)),
              beta = int_lt^ls exp[(lam - ls) + L(ls) - L(lam) + S(lam) - S(lt)] dlam,
              lambda = -ln t, L and S the integrals (from the grid's first point) of the
              piecewise-linear l and s tabulated in the inputs.
  teacher: exact denoiser of the isotropic Gaussian mixture (Tweedie), Heun steps of
           dx/dt = (x - D(x, t))/t.
  CTM: estimate f_{P-}(f_P(x_t, t, s), s, tMin) (gradient through the inner jump only),
       target   f_{P-}(f_{sg P}(Heun^k(x_t; t -> u), u, s), s, tMin).
  CD:  estimate f_P(x_t, t, tMin), target f_{P-}(Heun(x_t; t -> u), u, tMin).
  L_cons = mean over batch and dimensions of (estimate - target)^2.
  L_dsm  = mean of lambda(sigma) (D_P(x0 + sigma eps', sigma, sigma) - x0)^2,
           lambda = (sigma^2 + sd^2)/(sigma sd)^2.
  adaptive weight w = clamp(|dL_cons/dW_out| / (|dL_dsm/dW_out| + 1e-4), 0, 1e4);
  gradient g = dL_cons/dP + w dL_dsm/dP; Adam with bias correction; then
  P- <- mu P- + (1 - mu) P (target) and the same for the evaluation EMA.

Usage:
  golden_run.py INPUTS.json [--output EXPECTED.json] [--write-fixture PATH]
                [--compare-fixture PATH] [--check-gradients]
"""

import argparse
import datetime
import json
import math
import os
import platform
import sys

# Tiny matrices: BLAS threads only cost time (and the machine's cores are shared).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402


# ---------------------------------------------------------------------------------------------
# Raw network with hand-derived backpropagation


def silu(z):
    return z / (1.0 + np.exp(-z))


def silu_derivative(z):
    sig = 1.0 / (1.0 + np.exp(-z))
    return sig * (1.0 + z * (1.0 - sig))


class RawNetwork:
    """F(z; c_t, c_s) of the docstring; parameters are a dict name -> float64 array."""

    def __init__(self, network):
        self.hidden = list(network["hiddenWidths"])
        half = network["embeddingFeatures"] // 2
        lo, hi = network["lowestFrequency"], network["highestFrequency"]
        self.frequencies = np.array([lo] if half == 1 else [lo * (hi / lo) ** (i / (half - 1)) for i in range(half)])

    def names(self):
        layers = len(self.hidden)
        out = ["mlp.in.weight", "mlp.in.bias"]
        for l in range(1, layers):
            out += [f"mlp.hidden{l}.weight", f"mlp.hidden{l}.bias"]
        out += ["mlp.out.weight", "mlp.out.bias", "mlp.cond.time0.weight", "mlp.cond.time0.bias",
                "mlp.cond.time1.weight", "mlp.cond.hidden.weight", "mlp.cond.hidden.bias"]
        out += [f"mlp.proj{l}.weight" for l in range(layers)]
        return out

    def fourier(self, c):
        angles = 2.0 * np.pi * np.outer(c, self.frequencies)
        return np.concatenate([np.cos(angles), np.sin(angles)], axis=1)

    def forward(self, P, z, c_t, c_s):
        """Returns F and the values backward() needs."""
        phi_t, phi_s = self.fourier(c_t), self.fourier(c_s)
        a = phi_t @ P["mlp.cond.time0.weight"].T + P["mlp.cond.time0.bias"] + phi_s @ P["mlp.cond.time1.weight"].T
        q = silu(a) @ P["mlp.cond.hidden.weight"].T + P["mlp.cond.hidden.bias"]
        e = silu(q)
        pre = [z @ P["mlp.in.weight"].T + P["mlp.in.bias"] + e @ P["mlp.proj0.weight"].T]
        for l in range(1, len(self.hidden)):
            pre.append(silu(pre[-1]) @ P[f"mlp.hidden{l}.weight"].T + P[f"mlp.hidden{l}.bias"]
                       + e @ P[f"mlp.proj{l}.weight"].T)
        out = silu(pre[-1]) @ P["mlp.out.weight"].T + P["mlp.out.bias"]
        return out, dict(z=z, phi_t=phi_t, phi_s=phi_s, a=a, q=q, e=e, pre=pre)

    def backward(self, P, cache, g_out):
        """Gradients of sum(g_out * F) with respect to every parameter and to the input z."""
        G = {}
        pre, e = cache["pre"], cache["e"]
        last = len(self.hidden) - 1
        G["mlp.out.weight"] = g_out.T @ silu(pre[last])
        G["mlp.out.bias"] = g_out.sum(axis=0)
        g_pre = (g_out @ P["mlp.out.weight"]) * silu_derivative(pre[last])
        g_e = np.zeros_like(e)
        for l in range(last, 0, -1):
            G[f"mlp.hidden{l}.weight"] = g_pre.T @ silu(pre[l - 1])
            G[f"mlp.hidden{l}.bias"] = g_pre.sum(axis=0)
            G[f"mlp.proj{l}.weight"] = g_pre.T @ e
            g_e += g_pre @ P[f"mlp.proj{l}.weight"]
            g_pre = (g_pre @ P[f"mlp.hidden{l}.weight"]) * silu_derivative(pre[l - 1])
        G["mlp.in.weight"] = g_pre.T @ cache["z"]
        G["mlp.in.bias"] = g_pre.sum(axis=0)
        G["mlp.proj0.weight"] = g_pre.T @ e
        g_e += g_pre @ P["mlp.proj0.weight"]
        g_z = g_pre @ P["mlp.in.weight"]
        g_q = g_e * silu_derivative(cache["q"])
        G["mlp.cond.hidden.weight"] = g_q.T @ silu(cache["a"])
        G["mlp.cond.hidden.bias"] = g_q.sum(axis=0)
        g_a = (g_q @ P["mlp.cond.hidden.weight"]) * silu_derivative(cache["a"])
        G["mlp.cond.time0.weight"] = g_a.T @ cache["phi_t"]
        G["mlp.cond.time0.bias"] = g_a.sum(axis=0)
        G["mlp.cond.time1.weight"] = g_a.T @ cache["phi_s"]
        return G, g_z


# ---------------------------------------------------------------------------------------------
# Preconditioning and jump coefficients


class Coefficients:
    def __init__(self, run):
        self.kind = run["preconditioning"]
        self.sd = run["sigmaData"]
        self.t_min = run["tMin"]
        self.cache = {}
        st = run.get("statistics")
        if st is not None:
            self.lam = np.array(st["lambdas"])
            self.lin = np.array(st["linear"])
            self.grow = np.array(st["growth"])
            if self.kind == "analytic-l":
                self.grow = np.zeros_like(self.grow)

    def c_skip(self, t):
        return self.sd ** 2 / (t ** 2 + self.sd ** 2)

    def c_out(self, t):
        return t * self.sd / np.sqrt(t ** 2 + self.sd ** 2)

    def c_in(self, t):
        return 1.0 / np.sqrt(t ** 2 + self.sd ** 2)

    @staticmethod
    def c_noise(t):
        return np.log(t) / 4.0

    def loss_weight(self, sigma):
        return (sigma ** 2 + self.sd ** 2) / (sigma * self.sd) ** 2

    def _integral(self, values, x):
        """int_{lam_0}^{x} of the piecewise-linear interpolant of values (x inside the grid)."""
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        segments = 0.5 * np.diff(self.lam) * (values[1:] + values[:-1])
        cumulative = np.concatenate([[0.0], np.cumsum(segments)])
        j = np.clip(np.searchsorted(self.lam, x, side="right") - 1, 0, len(self.lam) - 2)
        at_x = np.interp(x, self.lam, values)
        return cumulative[j] + 0.5 * (x - self.lam[j]) * (values[j] + at_x)

    def _alpha_beta(self, t, s):
        key = (t, s)
        if key not in self.cache:
            self.cache[key] = self._compute_alpha_beta(t, s)
        return self.cache[key]

    def _compute_alpha_beta(self, t, s):
        lt, ls = -math.log(t), -math.log(s)
        if ls == lt:
            return 1.0, 0.0
        L, S = (lambda x: self._integral(self.lin, x)), (lambda x: self._integral(self.grow, x))
        alpha = (s / t) * math.exp(L(ls)[0] - L(lt)[0])
        lam = np.linspace(lt, ls, 40001)
        integrand = np.exp((lam - ls) + L(ls)[0] - L(lam) + S(lam) - S(lt)[0])
        h = lam[1] - lam[0]
        beta = h * (integrand.sum() - 0.5 * (integrand[0] + integrand[-1]))
        if self.kind == "analytic-backward":
            beta *= math.exp(-(S(ls)[0] - S(lt)[0]))
        return alpha, beta

    def ab(self, t, s):
        """A(t, s), B(t, s) for arrays of t and s."""
        t, s = np.asarray(t, dtype=np.float64), np.asarray(s, dtype=np.float64)
        if self.kind == "ctm":
            r = s / t
            return r + (1 - r) * self.c_skip(t), (1 - r) * self.c_out(t)
        if self.kind == "edm":
            assert np.all(s == self.t_min), "edm jumps end at tMin"
            h = t - self.t_min
            return self.sd ** 2 / (h ** 2 + self.sd ** 2), self.sd * h / np.sqrt(self.sd ** 2 + t ** 2)
        if self.kind in ("analytic", "analytic-backward", "analytic-l"):
            A, B = np.empty_like(t), np.empty_like(t)
            for i, (ti, si) in enumerate(zip(t, s)):
                alpha, beta = self._alpha_beta(float(ti), float(si))
                l_t = np.interp(-math.log(ti), self.lam, self.lin)
                A[i] = alpha - beta * l_t + beta * self.c_skip(ti)
                B[i] = beta * self.c_out(ti)
            return A, B
        raise ValueError(f"unknown preconditioning {self.kind}")


class Student:
    def __init__(self, net, coefficients):
        self.net, self.co = net, coefficients

    def jump(self, P, x, t, s):
        A, B = self.co.ab(t, s)
        cin = self.co.c_in(t)
        F, cache = self.net.forward(P, cin[:, None] * x, self.co.c_noise(t), self.co.c_noise(s))
        return A[:, None] * x + B[:, None] * F, (A, B, cin, cache)

    def jump_backward(self, P, saved, g):
        """Gradients (parameters, x) of sum(g * f)."""
        A, B, cin, cache = saved
        G, g_z = self.net.backward(P, cache, B[:, None] * g)
        return G, A[:, None] * g + cin[:, None] * g_z

    def denoise(self, P, x, sigma):
        cin = self.co.c_in(sigma)
        F, cache = self.net.forward(P, cin[:, None] * x, self.co.c_noise(sigma), self.co.c_noise(sigma))
        return self.co.c_skip(sigma)[:, None] * x + self.co.c_out(sigma)[:, None] * F, cache


# ---------------------------------------------------------------------------------------------
# Teacher


class MixtureTeacher:
    def __init__(self, components):
        self.w = np.array([c["weight"] for c in components])
        self.w = self.w / self.w.sum()
        self.mu = np.array([c["mean"] for c in components])
        self.var = np.array([c["variance"] for c in components])

    def denoise(self, x, t):
        """E[x0 | x_t = x] for x_t = x0 + t eps, per row."""
        d = x.shape[1]
        v = self.var[None, :] + (t ** 2)[:, None]                             # [B, K]
        sq = ((x[:, None, :] - self.mu[None, :, :]) ** 2).sum(axis=2)          # [B, K]
        logp = np.log(self.w)[None, :] - 0.5 * sq / v - 0.5 * d * np.log(v)
        post = np.exp(logp - logp.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        shrink = self.var[None, :] / v                                         # [B, K]
        means = self.mu[None, :, :] + shrink[:, :, None] * (x[:, None, :] - self.mu[None, :, :])
        return (post[:, :, None] * means).sum(axis=1)

    def heun(self, x, t, t_next):
        velocity = lambda y, tau: (y - self.denoise(y, tau)) / tau[:, None]
        h = (t_next - t)[:, None]
        d1 = velocity(x, t)
        d2 = velocity(x + h * d1, t_next)
        return x + 0.5 * h * (d1 + d2)


# ---------------------------------------------------------------------------------------------
# One training step


def losses_and_gradients(run, student, teacher, P, P_target, step, P_stopped=None):
    """(L_cons, L_dsm, dL_cons/dP, dL_dsm/dP) for one step's inputs; P_stopped (default P) is
    sg(theta), the parameters of the CTM target's inner jump, held apart for finite differences."""
    P_stopped = P if P_stopped is None else P_stopped
    f64 = lambda values: np.array(values, dtype=np.float64)  # JSON writes 80.0 as 80
    x0, eps = f64(step["clean"]), f64(step["noise"])
    t, u, s = f64(step["t"]), f64(step["u"]), f64(step["s"])
    grid, start, k = f64(run["grid"]), np.array(step["start"]), step["k"]
    t_min = np.full_like(t, run["tMin"])
    n = x0.size
    xt = x0 + t[:, None] * eps
    assert np.all(grid[start] == t) and np.all(grid[start + k] == u)
    if run["method"] == "ctm":
        solved = xt
        for j in range(k):
            solved = teacher.heun(solved, grid[start + j], grid[start + j + 1])
        inner_target, _ = student.jump(P_stopped, solved, u, s)         # sg(theta): no gradient kept
        target, _ = student.jump(P_target, inner_target, s, t_min)
        inner, saved_inner = student.jump(P, xt, t, s)                  # theta, with gradient
        estimate, saved_outer = student.jump(P_target, inner, s, t_min)  # theta-, gradient to its input
        loss = ((estimate - target) ** 2).sum() / n
        _, g_inner = student.jump_backward(P_target, saved_outer, 2.0 * (estimate - target) / n)
        G_cons, _ = student.jump_backward(P, saved_inner, g_inner)
    elif run["method"] == "cd":
        assert k == 1 and np.all(s == t_min)
        target, _ = student.jump(P_target, teacher.heun(xt, t, u), u, t_min)
        estimate, saved = student.jump(P, xt, t, t_min)
        loss = ((estimate - target) ** 2).sum() / n
        G_cons, _ = student.jump_backward(P, saved, 2.0 * (estimate - target) / n)
    else:
        raise ValueError(run["method"])
    sigma = f64(step["denoisingLevels"])
    noisy = x0 + sigma[:, None] * f64(step["denoisingNoise"])
    denoised, cache = student.denoise(P, noisy, sigma)
    lam = student.co.loss_weight(sigma)[:, None]
    dsm = (lam * (denoised - x0) ** 2).sum() / n
    g_denoised = 2.0 * lam * (denoised - x0) / n
    G_dsm, _ = student.net.backward(P, cache, student.co.c_out(sigma)[:, None] * g_denoised)
    return loss, dsm, G_cons, G_dsm


def run_golden(run, check_gradients=False):
    net = RawNetwork(run["network"])
    names = [p["name"] for p in run["parameters"]]
    assert sorted(names) == sorted(net.names()), f"unexpected parameters {names}"
    P = {p["name"]: np.array(p["values"], dtype=np.float64).reshape(p["shape"]) for p in run["parameters"]}
    initial = {k: v.copy() for k, v in P.items()}
    target = {k: v.copy() for k, v in P.items()}
    evaluation = {k: v.copy() for k, v in P.items()}
    m = {k: np.zeros_like(v) for k, v in P.items()}
    v2 = {k: np.zeros_like(v) for k, v in P.items()}
    student = Student(net, Coefficients(run))
    teacher = MixtureTeacher(run["mixture"])
    lr, b1, b2, eps = run["learningRate"], run["beta1"], run["beta2"], run["epsilon"]
    assert run["denoisingLoss"] == "adaptive"
    out = []
    for number, step in enumerate(run["steps"]):
        loss, dsm, G_cons, G_dsm = losses_and_gradients(run, student, teacher, P, target, step)
        if check_gradients:
            gradient_check(run, student, teacher, P, target, step, G_cons, G_dsm, f"{run['name']} step {number}")
        last = run["lastLayer"]
        weight = np.linalg.norm(G_cons[last]) / (np.linalg.norm(G_dsm[last]) + 1e-4)
        weight = float(min(max(weight, 0.0), 1e4))
        tick = number + 1
        for key in P:
            g = G_cons[key] + weight * G_dsm[key]
            m[key] = b1 * m[key] + (1 - b1) * g
            v2[key] = b2 * v2[key] + (1 - b2) * g * g
            P[key] = P[key] - lr * (m[key] / (1 - b1 ** tick)) / (np.sqrt(v2[key] / (1 - b2 ** tick)) + eps)
        for average, mu in ((target, run["targetEMARate"]), (evaluation, run["evaluationEMARate"])):
            for key in P:
                average[key] = mu * average[key] + (1 - mu) * P[key]

        def summary(S):
            return {"sumOfSquares": [float((S[k] ** 2).sum()) for k in names],
                    "displacement": [float(((S[k] - initial[k]) ** 2).sum()) for k in names]}

        out.append({"consistencyLoss": float(loss), "denoisingLoss": float(dsm), "denoisingWeight": weight,
                    "parameters": summary(P), "target": summary(target), "evaluation": summary(evaluation)})
    return {"name": run["name"], "steps": out}


def gradient_check(run, student, teacher, P, target, step, G_cons, G_dsm, label, probes=6, h=1e-6):
    """Central differences of both losses along a few coordinates of every parameter tensor."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for key in P:
        for _ in range(probes):
            index = tuple(rng.integers(0, n) for n in P[key].shape)
            values = []
            for sign in (1, -1):
                Q = {k: v.copy() for k, v in P.items()}
                Q[key][index] += sign * h
                # The target network is theta-, a different object: it does not move with theta.
                values.append(losses_and_gradients(run, student, teacher, Q, target, step, P_stopped=P)[:2])
            for which, G in ((0, G_cons), (1, G_dsm)):
                numeric = (values[0][which] - values[1][which]) / (2 * h)
                analytic = G[key][index]
                error = abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-6)
                worst = max(worst, error)
    print(f"gradient check {label}: worst relative error {worst:.2e}")
    if worst > 1e-5:
        raise SystemExit(f"gradient check failed for {label}: {worst}")


# ---------------------------------------------------------------------------------------------


def compare(expected, fixture_expected, tolerance):
    """Largest relative difference of two equally shaped JSON values; exits on a mismatch."""
    worst = 0.0

    def fail(message):
        raise SystemExit(f"golden run: NumPy disagrees with the fixture at {message}")

    def walk(a, b, path):
        nonlocal worst
        if isinstance(a, dict):
            if set(a) != set(b):
                fail(f"{path}: keys {sorted(a)} vs {sorted(b)}")
            for key in a:
                walk(a[key], b[key], f"{path}.{key}")
        elif isinstance(a, list):
            if len(a) != len(b):
                fail(f"{path}: lengths {len(a)} vs {len(b)}")
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
        elif isinstance(a, str):
            if a != b:
                fail(f"{path}: {a} vs {b}")
        else:
            scale = max(abs(a), abs(b))
            difference = 0.0 if scale < 1e-12 else abs(a - b) / scale
            worst = max(worst, difference)
            if not difference <= tolerance:
                fail(f"{path}: {a} vs {b} (relative {difference:.2e})")
    walk(expected, fixture_expected, "expected")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", help="inputs JSON from the Swift dump, or a fixture (its inputs are used)")
    parser.add_argument("--output", help="write the expected numbers here")
    parser.add_argument("--write-fixture", help="write {howMade, inputs, expected} here")
    parser.add_argument("--compare-fixture", help="fail unless this fixture has the same inputs and numbers (1e-9 relative)")
    parser.add_argument("--check-gradients", action="store_true", help="check the hand-derived gradients by finite differences")
    args = parser.parse_args()
    with open(args.inputs) as f:
        inputs = json.load(f)
    if "inputs" in inputs:
        inputs = inputs["inputs"]
    expected = {"runs": [run_golden(run, args.check_gradients) for run in inputs["runs"]]}
    if args.output:
        with open(args.output, "w") as f:
            json.dump(expected, f, indent=1, sort_keys=True)
    if args.write_fixture:
        fixture = {
            "howMade": {
                "command": "bash Scripts/golden-run-check.sh --update (swift test with PRECOND_BENCH_GOLDEN_DUMP, then "
                           "python3 Scripts/golden_run.py INPUTS --write-fixture Tests/DistillationTests/Fixtures/golden-run.json)",
                "inputs": "random inputs and initial parameters drawn by the Swift trainer (GoldenRunTests.swift)",
                "expected": "float64 NumPy re-derivation in Scripts/golden_run.py, independent of the Swift code",
                "numpy": np.__version__,
                "python": platform.python_version(),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "inputs": inputs,
            "expected": expected,
        }
        with open(args.write_fixture, "w") as f:
            json.dump(fixture, f, indent=1, sort_keys=True)
            f.write("\n")
    if args.compare_fixture:
        with open(args.compare_fixture) as f:
            fixture = json.load(f)
        if fixture["inputs"] != inputs:
            raise SystemExit("golden run: the Swift trainer's inputs differ from the fixture's; "
                             "regenerate with Scripts/golden-run-check.sh --update")
        worst = compare(expected, fixture["expected"], 1e-9)
        print(f"golden run: NumPy {np.__version__} reproduces the fixture (max relative difference {worst:.1e})")
    if not (args.output or args.write_fixture or args.compare_fixture):
        json.dump(expected, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
