#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import TensorCore

/// One isotropic component `(pi_k, mu_k, sigma_k^2 I)` of a Gaussian mixture.
public struct MixtureComponent: Sendable, Hashable, Codable {
  /// Mixture weight `pi_k` (normalised by the teacher).
  public var weight: Double
  /// Mean `mu_k`.
  public var mean: [Double]
  /// Isotropic variance `sigma_k^2`.
  public var variance: Double

  /// Creates a component.
  public init(weight: Double, mean: [Double], variance: Double) {
    self.weight = weight
    self.mean = mean
    self.variance = variance
  }
}

/// The exact denoiser of a Gaussian mixture `sum_k pi_k N(mu_k, sigma_k^2 I)`
/// (docs/math.md section 2), computed in Double with log-sum-exp weights, stable from t = 0.002 to 80:
/// `w_k ∝ pi_k N(x; mu_k, (sigma_k^2 + t^2) I)`, `m_k = mu_k + sigma_k^2/(sigma_k^2 + t^2) (x - mu_k)`,
/// `D = sum_k w_k m_k`, `tr grad D = t^-2 [sum_k w_k (d sigma_k^2 t^2/(sigma_k^2 + t^2) + |m_k|^2) - |D|^2]`.
public struct GaussianMixtureTeacher: ExactTraceDenoiser {
  /// The components (weights normalised to sum to 1).
  public let components: [MixtureComponent]
  /// Data dimension `d`.
  public let dimension: Int

  /// A teacher for `components`; all means must have the same dimension, weights and variances
  /// must be positive (variance 0 is allowed: a point mass).
  public init(components: [MixtureComponent]) {
    precondition(!components.isEmpty, "GaussianMixtureTeacher: no components")
    let d = components[0].mean.count
    precondition(d > 0 && components.allSatisfy { $0.mean.count == d && $0.weight > 0 && $0.variance >= 0 },
      "GaussianMixtureTeacher: components need equal dimensions, positive weights and non-negative variances")
    let total = components.reduce(0) { $0 + $1.weight }
    self.components = components.map { MixtureComponent(weight: $0.weight / total, mean: $0.mean, variance: $0.variance) }
    self.dimension = d
  }

  /// `[d]`.
  public var sampleShape: [Int] { [dimension] }

  /// The mixture's mean.
  public var mean: [Double] {
    var mu = [Double](repeating: 0, count: dimension)
    for c in components { for i in 0..<dimension { mu[i] += c.weight * c.mean[i] } }
    return mu
  }

  /// The standard deviation of the data averaged over dimensions:
  /// `sqrt( sum_k pi_k (sigma_k^2 + |mu_k - mu|^2 / d) )` (the `sigmaData` of docs/math.md
  /// section 1).
  public var standardDeviation: Double {
    let mu = mean
    var v = 0.0
    for c in components {
      var s = 0.0
      for i in 0..<dimension { let e = c.mean[i] - mu[i]; s += e * e }
      v += c.weight * (c.variance + s / Double(dimension))
    }
    return v.squareRoot()
  }

  /// The posterior weights, denoised value and Jacobian trace at one point, in Double.
  public func posterior(_ x: [Double], t: Double) -> (denoised: [Double], trace: Double, weights: [Double]) {
    precondition(x.count == dimension, "GaussianMixtureTeacher.posterior: x has \(x.count) values, d = \(dimension)")
    let d = Double(dimension)
    let t2 = t * t
    var logits = [Double](repeating: 0, count: components.count)
    for (k, c) in components.enumerated() {
      let v = c.variance + t2
      var sq = 0.0
      for i in 0..<dimension { let e = x[i] - c.mean[i]; sq += e * e }
      logits[k] = log(c.weight) - 0.5 * sq / v - 0.5 * d * log(v)
    }
    let top = logits.max() ?? 0
    var weights = logits.map { exp($0 - top) }
    let total = weights.reduce(0, +)
    for k in weights.indices { weights[k] /= total }
    var denoised = [Double](repeating: 0, count: dimension)
    var traceSum = 0.0
    for (k, c) in components.enumerated() {
      let w = weights[k]
      let shrink = c.variance / (c.variance + t2)
      var normSquared = 0.0
      for i in 0..<dimension {
        let m = c.mean[i] + shrink * (x[i] - c.mean[i])
        denoised[i] += w * m
        normSquared += m * m
      }
      traceSum += w * (d * c.variance * t2 / (c.variance + t2) + normSquared)
    }
    var dNorm = 0.0
    for v in denoised { dNorm += v * v }
    return (denoised, (traceSum - dNorm) / t2, weights)
  }

  /// `D(x_b, t_b)` for every row.
  public func denoise(_ x: Tensor, noiseLevels: [Double]) -> Tensor {
    denoiseWithTrace(x, noiseLevels: noiseLevels).denoised
  }

  /// `D(x_b, t_b)` and `tr grad D(x_b, t_b)` for every row (rows are independent tasks).
  public func denoiseWithTrace(_ x: Tensor, noiseLevels: [Double]) -> (denoised: Tensor, trace: [Double]) {
    checkBatch(x, noiseLevels, sampleShape: sampleShape, "GaussianMixtureTeacher")
    let batch = noiseLevels.count
    var out = [Float](repeating: 0, count: x.count)
    var traces = [Double](repeating: 0, count: batch)
    out.withUnsafeMutableBufferPointer { o in
      traces.withUnsafeMutableBufferPointer { tr in
        let shared = UncheckedSendable((o.baseAddress!, tr.baseAddress!))
        ComputeThreads.forEachTask(batch) { b in
          let (po, ptr) = shared.value
          let row = (0..<dimension).map { Double(x.scalars[b * dimension + $0]) }
          let result = posterior(row, t: noiseLevels[b])
          for i in 0..<dimension { po[b * dimension + i] = Float(result.denoised[i]) }
          ptr[b] = result.trace
        }
      }
    }
    return (Tensor(shape: x.shape, scalars: out), traces)
  }

  /// Draws `count` samples; row `r` uses sample `firstSample + r` of `stream`.
  public func sample(count: Int, stream: RandomStream, firstSample: Int = 0) -> Tensor {
    var cumulative = [Double]()
    var running = 0.0
    for c in components { running += c.weight; cumulative.append(running) }
    var out = [Float]()
    out.reserveCapacity(count * dimension)
    for r in 0..<count {
      let draws = stream.normal(sample: firstSample + r, count: dimension + 1)
      let u = 0.5 * (1 + erf(draws[dimension] / 2.0.squareRoot()))
      let k = cumulative.firstIndex { u <= $0 } ?? (components.count - 1)
      let sd = components[k].variance.squareRoot()
      for i in 0..<dimension { out.append(Float(components[k].mean[i] + sd * draws[i])) }
    }
    return Tensor(shape: [count, dimension], scalars: out)
  }
}
