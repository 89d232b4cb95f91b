#!/usr/bin/env python3
"""Compares the Swift feature networks (`precond-bench features`) with PyTorch.

  python3 Scripts/verify-features.py effnet [--count 500]        # real weights, real images
  python3 Scripts/verify-features.py inception-random [--count 20] # torch replica, random weights

`effnet` needs `bash Scripts/prepare-features` first: it runs EfficientNet-Lite0 of the pip
package on the first COUNT Fashion-MNIST test images and on a synthetic CIFAR-10-format batch
(smooth random colour images written to a temporary .bin), in torch and in Swift, and prints per
input: the largest relative error per feature (max over images of |swift - torch| divided by the
feature's largest |torch| value, worst feature), the largest absolute error, FD(swift, torch) and,
for scale, FD between the two halves of the torch features (all FDs by `precond-bench fd`).

`inception-random` seeds the torch-only replica of pytorch-fid's Inception-v3
(feature_networks.FIDInception) with random weights and BatchNorm statistics, converts it to
.npz with the same folding as real weights, and compares on COUNT Fashion-MNIST test images.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feature_networks as fn  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def fashion(count):
    with gzip.open(FASHION, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return data.reshape(-1, 1, 28, 28)[:count]


def cifar_fixture(path, count, seed=0):
    """A CIFAR-10 binary batch of smooth random colour images (label byte + 3x32x32)."""
    rng = np.random.default_rng(seed)
    low = rng.uniform(0, 255, size=(count, 3, 4, 4))
    big = torch.nn.functional.interpolate(torch.from_numpy(low), size=(32, 32), mode="bicubic", align_corners=False)
    pixels = np.clip(big.numpy() + rng.normal(0, 8, size=big.shape), 0, 255).astype(np.uint8)
    records = np.concatenate([(np.arange(count) % 10).astype(np.uint8)[:, None], pixels.reshape(count, -1)], axis=1)
    records.tofile(path)
    return pixels


def swift_features(binary, network, weights, data, out, threads, limit=None):
    cmd = [binary, "features", "--network", network, "--weights", weights, data, "--out", out,
           "--threads", str(threads), "--json"]
    if limit:
        cmd += ["--limit", str(limit)]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return np.load(out), report


def fd(binary, a, b):
    out = subprocess.run([binary, "fd", a, b, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["fd"]


def compare(name, binary, ours, theirs, tmp):
    difference = np.abs(ours - theirs).max(axis=0)
    relative = (difference / np.maximum(np.abs(theirs).max(axis=0), 1e-6)).max()
    # The same with every feature's scale at least 1% of the largest |torch| value: features that
    # are nearly zero on every image carry only round-off.
    floored = (difference / np.maximum(np.abs(theirs).max(axis=0), 0.01 * np.abs(theirs).max())).max()
    absolute = np.abs(ours - theirs).max()
    paths = {k: os.path.join(tmp, f"{name}-{k}.npy") for k in ("swift", "torch", "h1", "h2")}
    np.save(paths["swift"], ours.astype(np.float32))
    np.save(paths["torch"], theirs.astype(np.float32))
    half = len(theirs) // 2
    np.save(paths["h1"], theirs[:half].astype(np.float32))
    np.save(paths["h2"], theirs[half:].astype(np.float32))
    fd_pair = fd(binary, paths["swift"], paths["torch"])
    fd_halves = fd(binary, paths["h1"], paths["h2"])
    print(f"{name}: {ours.shape[0]} images x {ours.shape[1]} features: max relative error per feature "
          f"{relative:.3g} ({floored:.3g} with scales floored at 1% of the largest), max absolute error {absolute:.3g}, |torch| max {np.abs(theirs).max():.3g}; "
          f"FD(swift, torch) {fd_pair:.3g} vs FD(half 1, half 2) {fd_halves:.4g}")
    return relative


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["effnet", "inception-random"])
    parser.add_argument("--count", type=int)
    parser.add_argument("--binary", default=".build/release/precond-bench")
    parser.add_argument("--weights", default=".precond-bench/features/effnet-lite0.npz")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        if args.what == "effnet":
            count = args.count or 500
            model, _ = fn.effnet_pretrained()
            images = fashion(count)
            start = time.time()
            ours, report = swift_features(args.binary, "effnet-lite0", args.weights, FASHION, os.path.join(tmp, "f.npy"),
                                          args.threads, limit=count)
            swift_seconds = time.time() - start
            start = time.time()
            theirs = fn.effnet_features(model, torch.from_numpy(images.astype(np.float32) / 255)).numpy()
            torch_seconds = time.time() - start
            print(f"seconds per 1000 images at {args.threads} thread(s): swift {1000 * report['seconds'] / count:.1f} "
                  f"(command {1000 * swift_seconds / count:.1f}), torch {1000 * torch_seconds / count:.1f}")
            worst = max(worst, compare("fashion-mnist-test", args.binary, ours, theirs, tmp))
            cifar = os.path.join(tmp, "fixture_batch.bin")
            pixels = cifar_fixture(cifar, 200)
            ours, _ = swift_features(args.binary, "effnet-lite0", args.weights, cifar, os.path.join(tmp, "c.npy"), args.threads)
            theirs = fn.effnet_features(model, torch.from_numpy(pixels.astype(np.float32) / 255)).numpy()
            worst = max(worst, compare("cifar-format-fixture", args.binary, ours, theirs, tmp))
        else:
            count = args.count or 20
            model = fn.inception_model(seed=args.seed)
            weights = os.path.join(tmp, "inception-random.npz")
            fn.save(weights, fn.inception_arrays({k: v.detach() for k, v in model.state_dict().items()}),
                    "inception", f"random-seed-{args.seed}")
            images = fashion(count)
            ours, report = swift_features(args.binary, "inception", weights, FASHION, os.path.join(tmp, "f.npy"),
                                          args.threads, limit=count)
            start = time.time()
            theirs = fn.inception_features(model, torch.from_numpy(images.astype(np.float32) / 255)).numpy()
            torch_seconds = time.time() - start
            print(f"seconds per 1000 images at {args.threads} thread(s): swift {1000 * report['seconds'] / count:.1f}, "
                  f"torch {1000 * torch_seconds / count:.1f}; metric name {report['metric']}")
            worst = max(worst, compare("inception-random-fashion", args.binary, ours, theirs, tmp))
    sys.exit(0 if worst < 2e-2 else 1)


if __name__ == "__main__":
    main()
