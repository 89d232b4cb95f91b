#!/usr/bin/env python3
"""For a user who has pytorch-fid and its standard weights: compares PrecondBench's FID (Swift
Inception, `precond-bench features --network inception` + `precond-bench fd`) with pytorch-fid's
on the same two image sets.

  bash Scripts/prepare-features --inception pt_inception-2015-12-05-6726825d.pth
  python3 Scripts/verify-fid.py --pth pt_inception-2015-12-05-6726825d.pth A B [--count N]

A and B: .npz (uint8 NHWC arr_0, as `precond-bench samples` writes), .npy (uint8 NHWC) or IDX
(.gz) image files. pytorch-fid's network is built with its own code (InceptionV3([3])) and its
weights loaded from --pth instead of downloaded; both sides see the same uint8 images as [0, 1]
tensors. Prints both FIDs and their relative difference.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch


def load(path, count):
    if path.endswith(".npz"):
        x = np.load(path)["arr_0"]
    elif path.endswith(".npy"):
        x = np.load(path)
        x = x[..., None] if x.ndim == 3 else x
    else:
        with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
            raw = f.read()
        n, h, w = (int.from_bytes(raw[4 * i + 4:4 * i + 8], "big") for i in range(3))
        x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, h, w, 1)
    return x[:count] if count else x


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--pth", required=True)
    parser.add_argument("--weights", default=".precond-bench/features/inception.npz")
    parser.add_argument("--binary", default=".build/release/precond-bench")
    parser.add_argument("--count", type=int)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import pytorch_fid.inception as pi
    from pytorch_fid.fid_score import calculate_frechet_distance

    pi.load_state_dict_from_url = lambda *a, **k: torch.load(args.pth, map_location="cpu")
    model = pi.InceptionV3([pi.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    stats = []
    with tempfile.TemporaryDirectory() as tmp:
        swift = []
        for i, path in enumerate((args.a, args.b)):
            images = load(path, args.count)
            x = torch.from_numpy(images.transpose(0, 3, 1, 2).astype(np.float32) / 255)
            if x.shape[1] == 1:
                x = x.repeat(1, 3, 1, 1)
            with torch.no_grad():
                acts = torch.cat([model(x[j:j + 50])[0].squeeze(-1).squeeze(-1) for j in range(0, len(x), 50)]).numpy()
            stats.append((acts.mean(axis=0), np.cov(acts, rowvar=False)))
            npz = os.path.join(tmp, f"{i}.npz")
            np.savez(npz, arr_0=images)
            out = os.path.join(tmp, f"{i}.npy")
            subprocess.run([args.binary, "features", "--network", "inception", "--weights", args.weights, npz,
                            "--out", out, "--threads", str(args.threads)], check=True)
            swift.append(out)
        ours = json.loads(subprocess.run([args.binary, "fd", swift[0], swift[1], "--json"], check=True,
                                         capture_output=True, text=True).stdout)["fd"]
    theirs = calculate_frechet_distance(stats[0][0], stats[0][1], stats[1][0], stats[1][1])
    print(f"pytorch-fid FID {theirs:.6g}; PrecondBench {ours:.6g}; relative difference {abs(ours - theirs) / max(theirs, 1e-12):.3g}")


if __name__ == "__main__":
    sys.exit(main())
