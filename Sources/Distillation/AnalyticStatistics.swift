import Autodiff
import Diffusion
import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How the Analytic-Precond statistics are estimated (docs/math.md section 5).
public struct StatisticsConfiguration: Codable, Hashable, Sendable {
  /// Points of the lambda grid (default 120), uniform in `[-ln tMax, -ln tMin]`.
  public var lambdaCount: Int
  /// Samples `x_t = x0 + t eps` per grid point (default 4096).
  public var samplesPerPoint: Int
  /// Rademacher probes per sample of the Hutchinson trace estimate (network teachers).
  public var hutchinsonProbes: Int
  /// Half-width `delta` (in lambda) of the central difference that gives `g1 = dg/dlambda`.
  public var differenceStep: Double
  /// Samples per teacher call.
  public var batchSize: Int
  /// The convergence rule: the largest relative standard error of `B` allowed on any jump of the
  /// training grid (nil: one round of `samplesPerPoint`, no rule). Left out of the JSON when nil,
  /// so configurations without a rule keep their spec hashes.
  public var tolerance: Double?
  /// The most samples per point the rule may use (nil: 32x `samplesPerPoint`).
  public var maxSamplesPerPoint: Int?

  /// Creates a configuration (defaults: 120 points, 4096 samples, 1 probe, delta 0.02, batches of 512, no rule).
  public init(lambdaCount: Int = 120, samplesPerPoint: Int = 4096, hutchinsonProbes: Int = 1,
              differenceStep: Double = 0.02, batchSize: Int = 512, tolerance: Double? = nil, maxSamplesPerPoint: Int? = nil) {
    self.lambdaCount = lambdaCount
    self.samplesPerPoint = samplesPerPoint
    self.hutchinsonProbes = hutchinsonProbes
    self.differenceStep = differenceStep
    self.batchSize = batchSize
    self.tolerance = tolerance
    self.maxSamplesPerPoint = maxSamplesPerPoint
  }
}

/// The teacher statistics of Analytic-Precond on a lambda grid (docs/math.md section 5,
/// a reconstruction: the paper has no public code) and the jump coefficients they define.
///
/// `l(lambda) = E[tr grad_x D(x_t, t)] / d`; `s(lambda) = E<g1, g> / E|g|^2` with `g = D - l x` and
/// `g1 = dg/dlambda` along the teacher ODE; `L`, `S` their cumulative trapezoid integrals from
/// `lambda_0 = -ln tMax`, linear interpolation in between (so `L` is the exact integral of the
/// piecewise-linear `l`). Then, with `lt = -ln t`, `ls = -ln s`:
/// `alpha = (s/t) exp(L(ls) - L(lt))`,
/// `beta_forward = ∫_lt^ls exp[(lam - ls) + L(ls) - L(lam) + S(lam) - S(lt)] dlam`,
/// `beta_backward = exp(-(S(ls) - S(lt))) beta_forward`.
public struct AnalyticStatistics: Codable, Sendable, Hashable {
  /// The grid, increasing (`lambda = -ln t`).
  public let lambdas: [Double]
  /// `l` on the grid.
  public let linear: [Double]
  /// `s` on the grid.
  public let growth: [Double]
  /// Wall-clock seconds spent estimating them.
  public var seconds: Double
  /// `L` and `S` at the grid points (derived, not encoded).
  private let cumulativeL: [Double]
  private let cumulativeS: [Double]

  private enum CodingKeys: String, CodingKey { case lambdas, linear, growth, seconds }

  /// Decodes the grid values and recomputes the integrals.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(lambdas: try c.decode([Double].self, forKey: .lambdas), linear: try c.decode([Double].self, forKey: .linear),
      growth: try c.decode([Double].self, forKey: .growth), seconds: try c.decode(Double.self, forKey: .seconds))
  }

  /// Statistics from given values on a grid.
  public init(lambdas: [Double], linear: [Double], growth: [Double], seconds: Double = 0) {
    precondition(lambdas.count >= 2 && linear.count == lambdas.count && growth.count == lambdas.count,
      "AnalyticStatistics: \(lambdas.count) grid points, \(linear.count) l values, \(growth.count) s values")
    precondition(zip(lambdas, lambdas.dropFirst()).allSatisfy { $0 < $1 }, "AnalyticStatistics: lambda grid must increase")
    self.lambdas = lambdas
    self.linear = linear
    self.growth = growth
    self.seconds = seconds
    self.cumulativeL = AnalyticStatistics.cumulativeTrapezoid(linear, lambdas)
    self.cumulativeS = AnalyticStatistics.cumulativeTrapezoid(growth, lambdas)
  }

  /// The uniform grid of `count` points in `[-ln tMax, -ln tMin]`.
  public static func lambdaGrid(count: Int, tMin: Double = NoiseRange.tMin, tMax: Double = NoiseRange.tMax) -> [Double] {
    let low = -log(tMax), high = -log(tMin)
    return (0..<count).map { low + (high - low) * Double($0) / Double(count - 1) }
  }

  /// `l = s = 0` everywhere: the statistics under which every analytic variant is exactly CTM.
  public static func zero(count: Int = 120) -> AnalyticStatistics {
    AnalyticStatistics(lambdas: lambdaGrid(count: count), linear: .init(repeating: 0, count: count), growth: .init(repeating: 0, count: count))
  }

  /// Statistics with `s` replaced by zero (the `analytic-l` ablation).
  public var withoutGrowth: AnalyticStatistics {
    AnalyticStatistics(lambdas: lambdas, linear: linear, growth: .init(repeating: 0, count: lambdas.count), seconds: seconds)
  }

  /// The interval index and offset of `lambda` (clamped to the grid).
  private func locate(_ lambda: Double) -> (index: Int, offset: Double) {
    if lambda <= lambdas[0] { return (0, lambda - lambdas[0]) }
    let last = lambdas.count - 2
    if lambda >= lambdas[last + 1] { return (last, lambda - lambdas[last]) }
    var lo = 0, hi = lambdas.count - 1
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if lambdas[mid] <= lambda { lo = mid } else { hi = mid }
    }
    return (lo, lambda - lambdas[lo])
  }

  private func interpolate(_ values: [Double], _ lambda: Double) -> Double {
    let clamped = min(max(lambda, lambdas[0]), lambdas[lambdas.count - 1])
    let (j, u) = locate(clamped)
    let width = lambdas[j + 1] - lambdas[j]
    return values[j] + (values[j + 1] - values[j]) * u / width
  }

  private func integrate(_ values: [Double], cumulative: [Double], _ lambda: Double) -> Double {
    let (j, u) = locate(lambda)
    let width = lambdas[j + 1] - lambdas[j]
    let slope = (values[j + 1] - values[j]) / width
    return cumulative[j] + u * values[j] + 0.5 * u * u * slope
  }

  private static func cumulativeTrapezoid(_ values: [Double], _ grid: [Double]) -> [Double] {
    var out = [0.0]
    for j in 1..<grid.count { out.append(out[j - 1] + 0.5 * (grid[j] - grid[j - 1]) * (values[j - 1] + values[j])) }
    return out
  }

  /// `l(lambda)` by linear interpolation.
  public func l(atLambda lambda: Double) -> Double { interpolate(linear, lambda) }
  /// `s(lambda)` by linear interpolation.
  public func s(atLambda lambda: Double) -> Double { interpolate(growth, lambda) }
  /// `L(lambda) = ∫_{lambda_0}^{lambda} l`.
  public func integratedL(atLambda lambda: Double) -> Double {
    integrate(linear, cumulative: cumulativeL, lambda)
  }
  /// `S(lambda) = ∫_{lambda_0}^{lambda} s`.
  public func integratedS(atLambda lambda: Double) -> Double {
    integrate(growth, cumulative: cumulativeS, lambda)
  }

  /// `alpha(t, s)`, `beta_forward(t, s)` and `beta_backward(t, s)`; the integral by the trapezoid
  /// rule on a sub-grid of at most 0.005 in lambda (at least 64 intervals).
  public func alphaBeta(t: Double, s: Double) -> (alpha: Double, betaForward: Double, betaBackward: Double) {
    precondition(t > 0 && s > 0 && s <= t, "AnalyticStatistics.alphaBeta: needs 0 < s <= t, got t \(t), s \(s)")
    let lt = -log(t), ls = -log(s)
    if ls == lt { return (1, 0, 0) }
    let lAtS = integratedL(atLambda: ls), sAtT = integratedS(atLambda: lt), sAtS = integratedS(atLambda: ls)
    let alpha = (s / t) * exp(lAtS - integratedL(atLambda: lt))
    let intervals = max(64, Int(((ls - lt) / 0.005).rounded(.up)))
    let h = (ls - lt) / Double(intervals)
    var integral = 0.0
    // The quadrature points increase, so the grid interval is found by a forward scan.
    let last = lambdas.count - 2
    var j = 0
    for i in 0...intervals {
      let lam = lt + h * Double(i)
      while j < last && lambdas[j + 1] <= lam { j += 1 }
      let u = lam - lambdas[j]
      let width = lambdas[j + 1] - lambdas[j]
      let bigL = cumulativeL[j] + u * linear[j] + 0.5 * u * u * (linear[j + 1] - linear[j]) / width
      let bigS = cumulativeS[j] + u * growth[j] + 0.5 * u * u * (growth[j + 1] - growth[j]) / width
      let value = exp((lam - ls) + lAtS - bigL + bigS - sAtT)
      integral += (i == 0 || i == intervals) ? 0.5 * value : value
    }
    let forward = integral * h
    return (alpha, forward, exp(-(sAtS - sAtT)) * forward)
  }
}
