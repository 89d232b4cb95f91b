/// Group normalisation (Wu and He 2018) of NCHW (or [batch, channels]) tensors, without the affine
/// part (the layer applies gamma and beta by broadcasting).
///
/// `xhat = (x - mean_g) / sqrt(var_g + epsilon)` over each (sample, group) of `channels / groups`
/// channels and all positions; statistics accumulated in Double in a fixed order. The (sample,
/// group)s are split over the pool, each computed whole by one task, so threads change no bit.
public enum GroupNormalization {
  /// The normalised tensor and the per-(sample, group) inverse standard deviations.
  public static func forward(_ x: Tensor, groups: Int, epsilon: Float = 1e-5) -> (normalized: Tensor, inverseStd: [Float]) {
    precondition(x.rank >= 2 && groups > 0 && x.shape[1] % groups == 0,
      "GroupNormalization: \(groups) groups do not divide channels of \(x.shape)")
    let batch = x.shape[0]
    let groupSize = x.count / (batch * groups)
    var inverseStd = [Float](repeating: 0, count: batch * groups)
    let normalized = Tensor(shape: x.shape) { out in
      x.scalars.withUnsafeBufferPointer { p in
        inverseStd.withUnsafeMutableBufferPointer { inverse in
          guard let input = p.baseAddress, let output = out.baseAddress, let inverse = inverse.baseAddress else { return }
          let shared = UncheckedSendable((input, output, inverse))
          // Whole (sample, group)s per task: each is computed exactly as on one thread.
          forEachGroupRange(batch * groups, groupSize: groupSize) { range in
            let (input, out, inverseStd) = shared.value
            for g in range {
              let source = input + g * groupSize
              var sum = 0.0
              for i in 0..<groupSize { sum += Double(source[i]) }
              let mean = sum / Double(groupSize)
              var squares = 0.0
              for i in 0..<groupSize { let d = Double(source[i]) - mean; squares += d * d }
              let variance = squares / Double(groupSize)
              let inv = 1 / (variance + Double(epsilon)).squareRoot()
              inverseStd[g] = Float(inv)
              let meanF = Float(mean)
              let invF = Float(inv)
              for i in 0..<groupSize { out[g * groupSize + i] = (source[i] - meanF) * invF }
            }
          }
        }
      }
    }
    return (normalized, inverseStd)
  }

  /// Runs `body` over `0..<count` (sample, group) pairs in consecutive ranges of about 16384
  /// elements, as pool tasks.
  static func forEachGroupRange(_ count: Int, groupSize: Int, _ body: (Range<Int>) -> Void) {
    ComputeThreads.forEachBlock(count: count, blockSize: max(1, (1 << 14) / max(groupSize, 1)), body)
  }

  /// Gradient with respect to `x` given the upstream gradient of `xhat`:
  /// `dx = invStd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))` per group.
  public static func backward(normalized: Tensor, inverseStd: [Float], groups: Int, upstream: Tensor) -> Tensor {
    precondition(normalized.shape == upstream.shape,
      "GroupNormalization.backward: upstream \(upstream.shape) differs from \(normalized.shape)")
    let batch = normalized.shape[0]
    let groupSize = normalized.count / (batch * groups)
    return Tensor(shape: normalized.shape) { out in
      normalized.scalars.withUnsafeBufferPointer { xh in
        upstream.scalars.withUnsafeBufferPointer { g in
          guard let xh = xh.baseAddress, let g = g.baseAddress, let output = out.baseAddress else { return }
          let shared = UncheckedSendable((xh, g, output))
          forEachGroupRange(batch * groups, groupSize: groupSize) { range in
            let (xh, g, out) = shared.value
            for group in range {
              let base = group * groupSize
              var sumG = 0.0
              var sumGX = 0.0
              for i in 0..<groupSize {
                sumG += Double(g[base + i])
                sumGX += Double(g[base + i]) * Double(xh[base + i])
              }
              let meanG = Float(sumG / Double(groupSize))
              let meanGX = Float(sumGX / Double(groupSize))
              let inv = inverseStd[group]
              for i in 0..<groupSize {
                out[base + i] = inv * (g[base + i] - meanG - xh[base + i] * meanGX)
              }
            }
          }
        }
      }
    }
  }
}
