import TensorCore

/// A denoiser `D(x, t) ~ E[x0 | x_t = x]` over a batch, one noise level per sample: the teacher
/// of a distillation (docs/math.md section 2).
public protocol Denoiser: Sendable {
  /// The shape of one sample (`[d]` or `[c, h, w]`).
  var sampleShape: [Int] { get }
  /// `D(x_b, t_b)` for every row `b` of `x: [batch] + sampleShape`.
  func denoise(_ x: Tensor, noiseLevels: [Double]) -> Tensor
}

/// A denoiser whose Jacobian trace is known in closed form (analytic teachers).
public protocol ExactTraceDenoiser: Denoiser {
  /// `D(x_b, t_b)` and `tr grad_x D(x_b, t_b)` for every row.
  func denoiseWithTrace(_ x: Tensor, noiseLevels: [Double]) -> (denoised: Tensor, trace: [Double])
}

extension Tensor {
  /// A `[batch, 1, ..., 1]` tensor of per-sample values that broadcasts against a tensor of rank
  /// `rank` whose outermost dimension is the batch.
  public static func perSample(_ values: [Double], rank: Int) -> Tensor {
    Tensor(shape: [values.count] + [Int](repeating: 1, count: max(rank - 1, 0)), scalars: values.map { Float($0) })
  }

  /// Each row `b` multiplied by `factors[b]`.
  public func scaledRows(by factors: [Double]) -> Tensor {
    precondition(rank >= 1 && shape[0] == factors.count, "scaledRows: \(factors.count) factors for shape \(shape)")
    return self * Tensor.perSample(factors, rank: rank)
  }
}

/// Checks that `x` is a batch of samples of `shape` with one noise level per row.
@inline(__always)
func checkBatch(_ x: Tensor, _ noiseLevels: [Double], sampleShape: [Int], _ function: String) {
  precondition(Array(x.shape.dropFirst()) == sampleShape && x.shape.first == noiseLevels.count,
    "\(function): x \(x.shape) with \(noiseLevels.count) noise levels; expected [\(noiseLevels.count)] + \(sampleShape)")
}
