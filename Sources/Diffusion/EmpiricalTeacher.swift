#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import TensorCore

/// The exact optimal denoiser of a finite training set `{x_k}`, optionally smoothed by a bandwidth
/// `sigma0 >= 0`: the Gaussian mixture with `pi_k = 1/n`, `mu_k = x_k`, `sigma_k = sigma0`
/// (docs/math.md section 2).
///
/// For a batch it is two matrix products: the distances `|x - x_k|^2 = |x|^2 - 2 x.x_k + |x_k|^2`
/// from `X x^T`, a softmax over `k` with scale `1 / (2 (sigma0^2 + t^2))`, then `W X`. With
/// `a = sigma0^2/(sigma0^2 + t^2)`, `b = t^2/(sigma0^2 + t^2)`: `D = a x + b sum_k w_k x_k` and
/// `tr grad D = t^-2 [d sigma0^2 t^2/(sigma0^2+t^2) + sum_k w_k |m_k|^2 - |D|^2]` with
/// `sum_k w_k |m_k|^2 = a^2 |x|^2 + 2ab x.(sum_k w_k x_k) + b^2 sum_k w_k |x_k|^2`.
///
/// Precision: the distances are formed in Float32 through the GEMM kernel, so at the smallest
/// noise levels (t ~ 0.002) near-ties between training points are resolved only to about
/// `1e-7 |x|^2 / t^2` in the logits; the denoised value is then a convex combination of the tied
/// points either way.
public struct EmpiricalTeacher: ExactTraceDenoiser {
  /// The training set `[n, d]` (flattened samples).
  public let data: Tensor
  /// The bandwidth `sigma0`.
  public let bandwidth: Double
  /// The shape of one sample.
  public let sampleShape: [Int]
  let squaredNorms: [Float]
  /// Rows processed per block (bounds the `[rows, n]` weight matrix).
  public let blockRows: Int

  /// A teacher over `data: [n] + sampleShape`.
  public init(data: Tensor, bandwidth: Double = 0, blockRows: Int = 128) {
    precondition(data.rank >= 2 && data.shape[0] > 0, "EmpiricalTeacher: data must be [n, ...] with n > 0, got \(data.shape)")
    precondition(bandwidth >= 0, "EmpiricalTeacher: bandwidth must be >= 0, got \(bandwidth)")
    let n = data.shape[0]
    let d = data.count / n
    self.data = data.reshaped([n, d])
    self.bandwidth = bandwidth
    self.sampleShape = Array(data.shape.dropFirst())
    self.blockRows = blockRows
    squaredNorms = data.rowSumOfSquares().map { Float($0) }
  }

  /// Number of training points.
  public var count: Int { data.shape[0] }
  /// Flattened dimension.
  public var dimension: Int { data.shape[1] }

  /// Floating-point operations of one call on `batch` rows (both matrix products).
  public func flops(batch: Int) -> Double { 4 * Double(batch) * Double(count) * Double(dimension) }

  /// `D(x_b, t_b)` for every row.
  public func denoise(_ x: Tensor, noiseLevels: [Double]) -> Tensor {
    denoiseWithTrace(x, noiseLevels: noiseLevels).denoised
  }

  /// `D(x_b, t_b)` and its Jacobian trace for every row.
  public func denoiseWithTrace(_ x: Tensor, noiseLevels: [Double]) -> (denoised: Tensor, trace: [Double]) {
    checkBatch(x, noiseLevels, sampleShape: sampleShape, "EmpiricalTeacher")
    let batch = noiseLevels.count
    let d = dimension
    let n = count
    let flat = x.reshaped([batch, d])
    var denoised = [Float](repeating: 0, count: batch * d)
    var traces = [Double](repeating: 0, count: batch)
    let s0 = bandwidth * bandwidth
    var start = 0
    while start < batch {
      let rows = min(blockRows, batch - start)
      let block = flat.rows(start..<(start + rows))
      // logits[b, k] = (2 x_b.x_k - |x_k|^2) / (2 (s0 + t_b^2)); |x_b|^2 is constant per row.
      var weights = Tensor.matmul(block, data, transposeB: true)
      var weightedNorm = [Double](repeating: 0, count: rows)
      weights.scalars.withUnsafeMutableBufferPointer { w in
        weightedNorm.withUnsafeMutableBufferPointer { norms in
          squaredNorms.withUnsafeBufferPointer { sq in
            let shared = UncheckedSendable((w.baseAddress!, norms.baseAddress!, sq.baseAddress!))
            // Rows are independent tasks; each row's softmax runs in a fixed order.
            ComputeThreads.forEachTask(rows) { r in
              let (base, out, squares) = shared.value
              let t = noiseLevels[start + r]
              out[r] = EmpiricalTeacher.softmaxRow(base + r * n, count: n, squaredNorms: squares,
                scale: Float(1 / (2 * (s0 + t * t))))
            }
          }
        }
      }
      let mean = Tensor.matmul(weights, data)  // sum_k w_k x_k, [rows, d]
      for r in 0..<rows {
        let t = noiseLevels[start + r]
        let t2 = t * t
        let a = s0 / (s0 + t2)
        let b = t2 / (s0 + t2)
        var xNorm = 0.0
        var cross = 0.0
        var dNorm = 0.0
        for i in 0..<d {
          let xi = Double(block.scalars[r * d + i])
          let mi = Double(mean.scalars[r * d + i])
          let value = a * xi + b * mi
          denoised[(start + r) * d + i] = Float(value)
          xNorm += xi * xi
          cross += xi * mi
          dNorm += value * value
        }
        let mNorm = a * a * xNorm + 2 * a * b * cross + b * b * weightedNorm[r]
        traces[start + r] = (Double(d) * s0 * t2 / (s0 + t2) + mNorm - dNorm) / t2
      }
      start += rows
    }
    return (Tensor(shape: x.shape, scalars: denoised), traces)
  }

  /// Turns row `row[k] = x.x_k` into softmax weights `w_k ∝ exp((2 x.x_k - |x_k|^2) scale)` in
  /// place and returns `sum_k w_k |x_k|^2`. Exponentials by `VectorMath.exp` (8 lanes, within
  /// 2 ulp of `expf`); the sums accumulate in Double in increasing `k`.
  static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count n: Int, squaredNorms: UnsafePointer<Float>, scale: Float) -> Double {
    var top = -Float.infinity
    for k in 0..<n {
      let logit = (2 * row[k] - squaredNorms[k]) * scale
      row[k] = logit
      top = Swift.max(top, logit)
    }
    var total = 0.0
    var k = 0
    let shift = SIMD8<Float>(repeating: top)
    while k + 8 <= n {
      let raw = UnsafeMutableRawPointer(row + k)
      let e = VectorMath.exp(raw.loadUnaligned(as: SIMD8<Float>.self) - shift)
      raw.storeBytes(of: e, as: SIMD8<Float>.self)
      for lane in 0..<8 { total += Double(e[lane]) }
      k += 8
    }
    if k < n {
      var tail = SIMD8<Float>(repeating: -Float.infinity)
      for lane in 0..<(n - k) { tail[lane] = row[k + lane] - top }
      let e = VectorMath.exp(tail)
      for lane in 0..<(n - k) {
        row[k + lane] = e[lane]
        total += Double(e[lane])
      }
    }
    let inverse = Float(1 / total)
    var norm = 0.0
    for k in 0..<n {
      row[k] *= inverse
      norm += Double(row[k]) * Double(squaredNorms[k])
    }
    return norm
  }
}
