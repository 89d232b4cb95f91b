#!/usr/bin/env python3
"""Where a training step's time goes: classifies the samples of a Linux `perf record` of one of
our `perf` subcommands (the package's own benchmark executable, not to be confused with the Linux
tool) by their call chains, leaf first, into convolution passes (3x3 forward, 1x1 forward,
input gradient, 3x3 weight gradient; each split into GEMM micro-kernel, packing, direct kernels,
col2im), GroupNorm, elementwise ops, pooling/upsampling, allocation and the rest, and prints the
share of samples of each (Benchmarks/PROFILE.md).

  /usr/bin/perf record -F 999 --call-graph fp -o step.data -- \
      .build/release/perf distill-step --preset fashion-mnist --threads 1 --warmup 1 --steps 10
  /usr/bin/perf script -i step.data -F comm,ip,sym | swift demangle --simplified \
      | python3 Scripts/profile-step.py

Attribution is by frame names, so it depends on what the optimiser leaves as a call: the 1x1
convolutions are told apart from the 3x3 ones only in the forward pass (the 3x3 path pads its
input, `withPaddedWindow`); in the backward pass the input gradient's GEMM has no such marker, so
the (small) 1x1 backward passes are counted with "conv input-grad".
"""
import collections, re, sys

def category(frames):
    leaf = frames[0] if frames else "?"
    text = " | ".join(frames)
    if not any("trainStep" in f or "UNetStepCommand" in f for f in frames):
        outside = True
    else:
        outside = False
    # allocation / memory management by leaf
    if re.search(r"malloc|free|calloc|realloc|_int_|tcache|mmap|munmap|brk|swift_allocObject|swift_slowAlloc|swift_slowDealloc|swift_deallocClassInstance|memset|page_fault|clear_page", leaf):
        kind = "allocation, zeroing"
    elif re.search(r"swift_retain|swift_release|swift_bridgeObject|swift_beginAccess|swift_endAccess|swift_isUniquely", leaf):
        kind = "ARC, runtime"
    elif re.search(r"memmove|memcpy", leaf):
        kind = "copies (memcpy)"
    else:
        kind = None
    conv = None
    if "Convolution.forward" in text:
        conv = "conv 3x3 forward" if re.search(r"withPaddedWindow|forwardDirect|forwardRowPanels|forwardPixelPanels", text) else "conv 1x1 forward"
    elif "Convolution.backward" in text:
        if re.search(r"inputGradientDirect|inputGradientTiled|tileChains|storeTile|storeChannelsFirst|packUpstream", text):
            conv = "conv input-grad"
        elif re.search(r"withPaddedWindow|weightGradient|packIm2colTransposed|fillChannelsLast|fillPixelMajor|transposeRun|tapPanelKernel", text):
            conv = "conv 3x3 weight-grad"
        else:
            conv = "conv input-grad"  # GEMM dX = W^T dY and its col2im scatter-add; also the (small) 1x1 weight-grad GEMM
    if conv:
        if kind:
            return conv, kind
        if re.search(r"packIm2col|packUpstream|fillChannelsLast|fillPixelMajor|transposeRun|withPaddedWindow|ImageWindow|packRowPanels", leaf):
            return conv, "packing, padding"
        if re.search(r"microKernel|edgeKernel|fourRowKernel", leaf):
            return conv, "GEMM micro-kernel"
        if re.search(r"rowPanelKernel|forwardRowPanels", leaf):
            return conv, "row-panel kernel (no im2col)"
        if re.search(r"tapPanelKernel|weightGradientTapPanels", leaf):
            return conv, "tap-panel kernel (no im2col)"
        if re.search(r"pixelPanelKernel|forwardPixelPanels", leaf):
            return conv, "pixel-panel kernel (no im2col)"
        if re.search(r"inputGradientTiled|tileChains|storeTile|storeChannelsFirst", leaf):
            return conv, "channel-tiled kernel"
        if re.search(r"Direct|Shallow|SixTaps", leaf):
            return conv, "direct kernel"
        if re.search(r"static Convolution\.backward", leaf):
            return conv, "col2im scatter-add, copies"
        if re.search(r"static Convolution\.forward", leaf):
            return conv, "result copy-out"
        return conv, "other (GemmKernel.run, thunks)"
    if "GroupNormalization" in text or "groupNormalize" in text:
        return "GroupNorm (fwd+bwd)", kind or "compute"
    if "GemmKernel" in text or "Gemm." in text or "matmul" in text:
        return "matmul (Linear layers)", kind or "compute"
    if kind:
        return "outside conv/GN", kind
    if re.search(r"averagePool|upsampleNearest|Resampling|concatenate|Concatenation", text):
        return "pool, upsample, concat", "compute"
    if re.search(r"broadcast|Broadcast|summed|SiLU|silu|Unary|VectorMath|Broadcasting|Arithmetic|ElementwiseFunctions|Reduction|sumOfSquares|addScaled|scaledRows|perSample|adamKernel|Optimizer|ExponentialMovingAverage|meanSquaredError|square|mean", text):
        if "broadcastBinary" in leaf:
            return "elementwise, reductions, optimizer", "broadcasting binary ops (+, *, -)"
        if "SiLU" in leaf:
            return "elementwise, reductions, optimizer", "SiLU forward/backward"
        if "summed" in leaf:
            return "elementwise, reductions, optimizer", "broadcast reductions (gradients of bias, gamma, ...)"
        if re.search(r"adam|Optimizer|ExponentialMovingAverage", text):
            return "elementwise, reductions, optimizer", "Adam, EMAs"
        return "elementwise, reductions, optimizer", "other elementwise"
    if re.search(r"NoiseEmbedding|RandomStream|Philox", text):
        return "RNG, Fourier features", "compute"
    if re.search(r"WorkerPool|ClaimedTasks|futex|sched_yield|pthread", leaf):
        return "threading", "compute"
    if "Tape" in text:
        return "tape bookkeeping", "compute"
    return "other", "compute"

samples = collections.Counter()
leaves = collections.Counter()
total = 0
frames = []
def flush():
    global frames, total
    if frames:
        samples[category(frames)] += 1
        leaves[frames[0]] += 1
        total += 1
    frames = []
for line in sys.stdin:
    if not line.strip():
        flush(); continue
    if line.startswith((" ", "\t")):
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            sym = re.sub(r"\+0x[0-9a-f]+ \(.*\)$", "", parts[1]).strip()
            sym = re.sub(r" \(.*\)$", "", sym)
            frames.append(sym)
    else:
        flush()
flush()
by_top = collections.Counter()
for (a, b), n in samples.items():
    by_top[a] += n
print("samples", total)
for a, n in by_top.most_common():
    print("%-38s %6.1f%%" % (a, 100.0 * n / total))
    for (x, b), m in sorted(samples.items(), key=lambda kv: -kv[1]):
        if x == a:
            print("    %-34s %6.1f%%" % (b, 100.0 * m / total))
print()
print("top leaves")
for leaf, n in leaves.most_common(40):
    print("%6.1f%%  %s" % (100.0 * n / total, leaf[:160]))
