import TensorCore

/// 2-D convolution (stride 1, same padding, kernel 1x1 or 3x3), no bias.
///
/// Shapes: `x: [batch, inChannels, h, w]`, `weight: [outChannels, inChannels, k, k]` ->
/// `[batch, outChannels, h, w]`. Pullback through `Convolution.backward`.
public func conv2d(_ x: Variable, _ weight: Variable) -> Variable {
  let (xv, wv) = (x.value, weight.value)
  let (needX, needW) = (x.requiresGradient, weight.requiresGradient)
  return Tape.record(Convolution.forward(xv, weight: wv), inputs: [x, weight]) { g in
    let grads = Convolution.backward(xv, weight: wv, upstream: g, needInput: needX, needWeight: needW)
    return [grads.input, grads.weight]
  }
}

/// 2x2 average pooling; `[b, c, h, w] -> [b, c, h/2, w/2]`.
public func averagePool2x2(_ x: Variable) -> Variable {
  let shape = x.shape
  return Tape.record(Resampling.averagePool2x2(x.value), inputs: [x]) { g in
    [Resampling.averagePool2x2Backward(g, inputShape: shape)]
  }
}

/// Nearest-neighbour 2x upsampling; `[b, c, h, w] -> [b, c, 2h, 2w]`.
public func upsampleNearest2x(_ x: Variable) -> Variable {
  Tape.record(Resampling.upsampleNearest2x(x.value), inputs: [x]) { g in
    [Resampling.upsampleNearest2xBackward(g)]
  }
}

/// Group normalisation without affine parameters (Wu and He 2018): each (sample, group) of
/// `channels / groups` channels is shifted to mean 0 and scaled to variance 1 (+ epsilon).
public func groupNormalize(_ x: Variable, groups: Int, epsilon: Float = 1e-5) -> Variable {
  let (normalized, inverseStd) = GroupNormalization.forward(x.value, groups: groups, epsilon: epsilon)
  return Tape.record(normalized, inputs: [x]) { g in
    [GroupNormalization.backward(normalized: normalized, inverseStd: inverseStd, groups: groups, upstream: g)]
  }
}
