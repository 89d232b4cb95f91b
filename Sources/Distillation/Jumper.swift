import Autodiff
import Diffusion
import TensorCore

/// A preconditioning as a value that returns coefficients: `A(t, s)`, `B(t, s)` of
/// `f = A x_t + B F` for every variant of docs/math.md section 3, and the one place where they are
/// combined with a network output (`combine`).
public struct Jumper: Sendable {
  /// The preconditioning.
  public let preconditioning: Preconditioning
  /// EDM's inner preconditioning (`cSkip`, `cOut`, `cIn`).
  public let edm: EDMPreconditioning
  /// The teacher statistics (analytic variants only).
  public let statistics: AnalyticStatistics?
  /// The boundary time of CD and of the final jump.
  public let tMin: Double
  private let table: [CoefficientKey: JumpCoefficients]

  private struct CoefficientKey: Hashable, Sendable {
    let t: UInt64
    let s: UInt64
    init(_ t: Double, _ s: Double) { self.t = t.bitPattern; self.s = s.bitPattern }
  }

  /// A jumper. Analytic variants need `statistics`; coefficients for every pair `s <= t` of
  /// `precomputedTimes` are tabulated up front (training draws its times from a grid).
  public init(preconditioning: Preconditioning, sigmaData: Double, statistics: AnalyticStatistics? = nil,
              tMin: Double = NoiseRange.tMin, precomputedTimes: [Double] = []) {
    precondition(!preconditioning.needsStatistics || statistics != nil,
      "Jumper: \(preconditioning.rawValue) needs the teacher statistics of docs/math.md section 5")
    self.preconditioning = preconditioning
    self.edm = EDMPreconditioning(sigmaData: sigmaData)
    self.statistics = preconditioning == .analyticL ? statistics?.withoutGrowth : statistics
    self.tMin = tMin
    var table = [CoefficientKey: JumpCoefficients]()
    let times = Array(Set(precomputedTimes + (precomputedTimes.isEmpty ? [] : [tMin]))).sorted()
    for (i, t) in times.enumerated() {
      for s in times[...i] {
        table[CoefficientKey(t, s)] = Jumper.compute(preconditioning, edm, self.statistics, tMin, t: t, s: s)
      }
    }
    self.table = table
  }

  /// `A(t, s)`, `B(t, s)` (and `alpha`, `beta`, `l_t` for the analytic variants).
  ///
  /// - `edm` (CD, `s = tMin`): `A = sigmaData^2/((t - tMin)^2 + sigmaData^2)`, `B = sigmaData (t - tMin)/sqrt(sigmaData^2 + t^2)`.
  /// - `ctm`: `A = s/t + (1 - s/t) cSkip(t)`, `B = (1 - s/t) cOut(t)`.
  /// - analytic variants: `A = alpha - beta l_t + beta cSkip(t)`, `B = beta cOut(t)`.
  public func coefficients(t: Double, s: Double) -> JumpCoefficients {
    if let hit = table[CoefficientKey(t, s)] { return hit }
    return Jumper.compute(preconditioning, edm, statistics, tMin, t: t, s: s)
  }

  private static func compute(
    _ preconditioning: Preconditioning, _ edm: EDMPreconditioning, _ statistics: AnalyticStatistics?, _ tMin: Double,
    t: Double, s: Double
  ) -> JumpCoefficients {
    precondition(s <= t && s > 0, "Jumper.coefficients: needs 0 < s <= t, got t \(t), s \(s)")
    let sd = edm.sigmaData
    switch preconditioning {
    case .edm:
      let h = t - tMin
      return JumpCoefficients(a: sd * sd / (h * h + sd * sd), b: sd * h / (sd * sd + t * t).squareRoot())
    case .ctm:
      let r = s / t
      return JumpCoefficients(a: r + (1 - r) * edm.cSkip(t), b: (1 - r) * edm.cOut(t))
    case .analytic, .analyticBackward, .analyticL:
      guard let statistics else { preconditionFailure("Jumper: missing statistics") }
      let (alpha, forward, backward) = statistics.alphaBeta(t: t, s: s)
      let beta = preconditioning == .analyticBackward ? backward : forward
      let l = statistics.l(atLambda: -Diffusion_log(t))
      return JumpCoefficients(a: alpha - beta * l + beta * edm.cSkip(t), b: beta * edm.cOut(t), alpha: alpha, beta: beta, l: l)
    }
  }

  /// `A x + B F` per sample: the only place where a jumper's coefficients meet a network output.
  ///
  /// - Parameters: `x: [batch, ...]`, `raw: [batch, ...]` (same shape), one coefficient pair per row.
  public static func combine(_ x: Variable, raw: Variable, coefficients: [JumpCoefficients]) -> Variable {
    precondition(x.shape == raw.shape && x.shape.first == coefficients.count,
      "Jumper.combine: x \(x.shape), F \(raw.shape), \(coefficients.count) coefficient pairs")
    let rank = x.shape.count
    return x * Tensor.perSample(coefficients.map { $0.a }, rank: rank) + raw * Tensor.perSample(coefficients.map { $0.b }, rank: rank)
  }

  /// Whether a jump is ill-conditioned: `|B|` more than 10 times CTM's `|B|` for the same jump.
  public func isIllConditioned(t: Double, s: Double) -> Bool {
    let ctm = Jumper(preconditioning: .ctm, sigmaData: edm.sigmaData, tMin: tMin).coefficients(t: t, s: s)
    let own = coefficients(t: t, s: s)
    return abs(own.b) > 10 * abs(ctm.b) && s < t
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
@inline(__always) func Diffusion_log(_ x: Double) -> Double { log(x) }
