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
            var g = range.lowerBound
            // Eight (sample, group)s side by side, each in its own lane and its own order.
            while g + lanes <= range.upperBound {
              forwardEight(input + g * groupSize, groupSize: groupSize, epsilon: epsilon,
                output: out + g * groupSize, inverseStd: inverseStd + g)
              g += lanes
            }
            while g < range.upperBound {
              forwardOne(input + g * groupSize, groupSize: groupSize, epsilon: epsilon,
                output: out + g * groupSize, inverseStd: inverseStd + g)
              g += 1
            }
          }
        }
      }
    }
    return (normalized, inverseStd)
  }

  /// `forward` one (sample, group) after another on the calling thread, without the eight-lane
  /// path: the reference the tests and `perf elementwise --op group-norm --reference` compare it with.
  public static func referenceForward(_ x: Tensor, groups: Int, epsilon: Float = 1e-5) -> (normalized: Tensor, inverseStd: [Float]) {
    precondition(x.rank >= 2 && groups > 0 && x.shape[1] % groups == 0,
      "GroupNormalization: \(groups) groups do not divide channels of \(x.shape)")
    let count = x.shape[0] * groups
    let groupSize = count == 0 ? 0 : x.count / count
    var inverseStd = [Float](repeating: 0, count: count)
    let normalized = Tensor(shape: x.shape) { out in
      x.scalars.withUnsafeBufferPointer { p in
        inverseStd.withUnsafeMutableBufferPointer { inverse in
          guard let input = p.baseAddress, let output = out.baseAddress, let inverse = inverse.baseAddress else { return }
          for g in 0..<count {
            forwardOne(input + g * groupSize, groupSize: groupSize, epsilon: epsilon, output: output + g * groupSize,
              inverseStd: inverse + g)
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
    precondition(inverseStd.count == batch * groups,
      "GroupNormalization.backward: \(inverseStd.count) inverse deviations for \(batch) x \(groups) groups")
    let groupSize = normalized.count / (batch * groups)
    return Tensor(shape: normalized.shape) { out in
      normalized.scalars.withUnsafeBufferPointer { xh in
        upstream.scalars.withUnsafeBufferPointer { g in
          inverseStd.withUnsafeBufferPointer { inverse in
            guard let xh = xh.baseAddress, let g = g.baseAddress, let output = out.baseAddress,
              let inverse = inverse.baseAddress
            else { return }
            let shared = UncheckedSendable((xh, g, output, inverse))
            forEachGroupRange(batch * groups, groupSize: groupSize) { range in
              let (xh, g, out, inverse) = shared.value
              // One group at a time: its two sums are already two chains side by side, and
              // an eight-lane version (as in `forward`) measured slower (1.3-1.8 against 1.06
              // ns an element on [32, 3136], 8 groups), its gathers costing more than it hides.
              for group in range {
                let offset = group * groupSize
                backwardOne(normalized: xh + offset, upstream: g + offset, groupSize: groupSize,
                  inverseStd: inverse[group], output: out + offset)
              }
            }
          }
        }
      }
    }
  }

  /// (Sample, group)s normalised side by side: the Double sums of one group are a serial chain
  /// (each add waits for the previous one, 4 cycles), so eight independent groups share the
  /// latency. Each lane is exactly the chain of `forwardOne` for its group: 2.04 -> 0.86 ns an
  /// element on [32, 3136] with 8 groups (`perf elementwise --op group-norm [--reference]`).
  static let lanes = 8
  typealias Lanes = SIMD8<Double>

  /// Element `i` of the eight consecutive groups starting at `x`, `groupSize` apart, in Double.
  @inline(__always)
  static func gather(_ x: UnsafePointer<Float>, _ i: Int, _ groupSize: Int) -> Lanes {
    Lanes(
      Double(x[i]), Double(x[groupSize + i]), Double(x[2 * groupSize + i]), Double(x[3 * groupSize + i]),
      Double(x[4 * groupSize + i]), Double(x[5 * groupSize + i]), Double(x[6 * groupSize + i]),
      Double(x[7 * groupSize + i]))
  }

  /// One (sample, group): `mean = (sum_i x_i) / n`, `var = (sum_i (x_i - mean)^2) / n` in Double,
  /// sums in increasing `i`; `xhat_i = (x_i - Float(mean)) * Float(1 / sqrt(var + epsilon))`.
  /// The reference the eight-lane path reproduces bit for bit.
  static func forwardOne(
    _ source: UnsafePointer<Float>, groupSize: Int, epsilon: Float, output: UnsafeMutablePointer<Float>,
    inverseStd: UnsafeMutablePointer<Float>
  ) {
    var sum = 0.0
    for i in 0..<groupSize { sum += Double(source[i]) }
    let mean = sum / Double(groupSize)
    var squares = 0.0
    for i in 0..<groupSize { let d = Double(source[i]) - mean; squares += d * d }
    let variance = squares / Double(groupSize)
    let inv = 1 / (variance + Double(epsilon)).squareRoot()
    inverseStd.pointee = Float(inv)
    let meanF = Float(mean)
    let invF = Float(inv)
    for i in 0..<groupSize { output[i] = (source[i] - meanF) * invF }
  }

  /// `forwardOne` of the eight consecutive groups at `source`, their sums in the lanes of one
  /// vector.
  static func forwardEight(
    _ source: UnsafePointer<Float>, groupSize: Int, epsilon: Float, output: UnsafeMutablePointer<Float>,
    inverseStd: UnsafeMutablePointer<Float>
  ) {
    var sum = Lanes()
    for i in 0..<groupSize { sum += gather(source, i, groupSize) }
    let count = Lanes(repeating: Double(groupSize))
    let mean = sum / count
    var squares = Lanes()
    for i in 0..<groupSize {
      let d = gather(source, i, groupSize) - mean
      squares += d * d
    }
    let variance = squares / count
    let inv = 1 / (variance + Lanes(repeating: Double(epsilon))).squareRoot()
    for lane in 0..<lanes {
      inverseStd[lane] = Float(inv[lane])
      let meanF = Float(mean[lane])
      let invF = Float(inv[lane])
      let from = source + lane * groupSize
      let to = output + lane * groupSize
      for i in 0..<groupSize { to[i] = (from[i] - meanF) * invF }
    }
  }

  /// One (sample, group) of the backward pass: `meanG = (sum_i g_i) / n`, `meanGX = (sum_i g_i
  /// xhat_i) / n` in Double, sums in increasing `i`; `dx_i = invStd * (g_i - Float(meanG) - xhat_i *
  /// Float(meanGX))`.
  static func backwardOne(
    normalized xh: UnsafePointer<Float>, upstream g: UnsafePointer<Float>, groupSize: Int, inverseStd inv: Float,
    output: UnsafeMutablePointer<Float>
  ) {
    var sumG = 0.0
    var sumGX = 0.0
    for i in 0..<groupSize {
      sumG += Double(g[i])
      sumGX += Double(g[i]) * Double(xh[i])
    }
    let meanG = Float(sumG / Double(groupSize))
    let meanGX = Float(sumGX / Double(groupSize))
    for i in 0..<groupSize { output[i] = inv * (g[i] - meanG - xh[i] * meanGX) }
  }
}
