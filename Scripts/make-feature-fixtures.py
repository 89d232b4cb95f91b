#!/usr/bin/env python3
"""Writes Tests/MetricsTests/Fixtures/pretrained-features.npz: the features the PyTorch models
give for 4 small deterministic images with the formula weights of Scripts/feature_networks.py
(`formula_value`; Tests/TestSupport/FormulaWeights.swift computes the same in Swift), so that the
Swift test compares with torch without torch.

- EfficientNet-Lite0: the model code of `efficientnet-lite-pytorch` 0.1.0 (image_size 64), the
  formula weights loaded as folded convolutions (BatchNorm = identity plus the bias); input 64x64.
- Inception: the torch-only replica of pytorch-fid's network (feature_networks.FIDInception),
  same loading; input 75x75 (the smallest pytorch-fid allows).

Members: images uint8 [4, 20, 17, 3] (NHWC), effnet-lite0 float32 [4, 1280], inception float32
[4, 2048]. Run: python3 Scripts/make-feature-fixtures.py
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feature_networks as fn  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "MetricsTests", "Fixtures",
                   "pretrained-features.npz")


def images():
    n, h, w, c = 4, 20, 17, 3
    i, y, x, ch = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return ((i * 37 + ch * 59 + y * 13 + x * 7 + y * x) % 256).astype(np.uint8)


def shapes_of(arrays_like):
    return {k: tuple(v.shape) for k, v in arrays_like.items()}


def main():
    torch.set_num_threads(1)
    pixels = images()
    x01 = torch.from_numpy(pixels.transpose(0, 3, 1, 2).astype(np.float32) / 255)

    effnet = fn.effnet_model(image_size=64)
    arrays = fn.formula_arrays(shapes_of(fn.effnet_arrays(effnet)))
    fn.load_folded_into_effnet(effnet, arrays)
    effnet_features = fn.effnet_features(effnet, x01, size=64).numpy()

    inception = fn.inception_model()
    folded_shapes = {}
    for key, value in inception.state_dict().items():
        if key.endswith(".conv.weight"):
            name = key[: -len(".conv.weight")]
            folded_shapes[name + ".weight"] = tuple(value.shape)
            folded_shapes[name + ".bias"] = (value.shape[0],)
    arrays = fn.formula_arrays(folded_shapes)
    fn.load_folded_into_inception(inception, arrays)
    inception_features = fn.inception_features(inception, x01, size=75).numpy()

    np.savez(OUT, images=pixels, **{"effnet-lite0": effnet_features.astype(np.float32),
                                    "inception": inception_features.astype(np.float32)})
    print(f"{OUT}: effnet |f| max {np.abs(effnet_features).max():.4g}, "
          f"inception |f| max {np.abs(inception_features).max():.4g}")


if __name__ == "__main__":
    main()
