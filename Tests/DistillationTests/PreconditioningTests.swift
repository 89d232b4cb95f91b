import Foundation
import Testing
import Autodiff
import Diffusion
import Distillation
import TensorCore
import TestSupport

let sigmaData = 0.5
let gaussianMean = [1.0, -0.5]
let gaussian = GaussianMixtureTeacher(components: [MixtureComponent(weight: 1, mean: gaussianMean, variance: sigmaData * sigmaData)])

/// Closed-form statistics of isotropic Gaussian data (docs/math.md section 5, check 2).
func gaussianStatistics(count: Int = 240) -> AnalyticStatistics {
  let grid = AnalyticStatistics.lambdaGrid(count: count)
  let l = grid.map { lam -> Double in let t = exp(-lam); return sigmaData * sigmaData / (sigmaData * sigmaData + t * t) }
  return AnalyticStatistics(lambdas: grid, linear: l, growth: l.map { -2 * $0 })
}

@Suite("Preconditionings (docs/math.md sections 3 and 5)")
struct PreconditioningTests {
  static let times = KarrasGrid(count: 18).times

  @Test("Boundary condition A(t, t) = 1, B(t, t) = 0 for every preconditioning", arguments: Preconditioning.allCases)
  func boundary(preconditioning: Preconditioning) {
    let jumper = Jumper(preconditioning: preconditioning, sigmaData: sigmaData, statistics: gaussianStatistics())
    let points = preconditioning == .edm ? [NoiseRange.tMin] : Self.times
    for t in points {
      let c = jumper.coefficients(t: t, s: t)
      expectClose(c.a, 1, relative: 1e-12, absolute: 1e-12)
      expectClose(c.b, 0, absolute: 1e-12)
    }
  }

  @Test("analytic with l = s = 0 equals ctm (check 1), for every analytic variant")
  func zeroStatistics() {
    let ctm = Jumper(preconditioning: .ctm, sigmaData: sigmaData)
    for variant in [Preconditioning.analytic, .analyticBackward, .analyticL] {
      let analytic = Jumper(preconditioning: variant, sigmaData: sigmaData, statistics: .zero())
      for (i, t) in Self.times.enumerated() {
        for s in Self.times[i...] {
          let (a, b) = (analytic.coefficients(t: t, s: s), ctm.coefficients(t: t, s: s))
          expectClose(a.alpha!, s / t, relative: 1e-12)
          expectClose(a.beta!, 1 - s / t, relative: 1e-4, absolute: 1e-6)
          expectClose(a.a, b.a, relative: 1e-4, absolute: 1e-6)
          expectClose(a.b, b.b, relative: 1e-4, absolute: 1e-6)
        }
      }
    }
  }

  @Test("EDM's coefficients extended to jumps, A = (ts + sd^2)/(t^2 + sd^2), B = sd (t - s)/sqrt(t^2 + sd^2), equal ctm's")
  func edmExtensionIsCTM() {
    let ctm = Jumper(preconditioning: .ctm, sigmaData: sigmaData)
    let sd = sigmaData
    for (i, t) in Self.times.enumerated() {
      for s in Self.times[i...] {
        let c = ctm.coefficients(t: t, s: s)
        expectClose(c.a, (t * s + sd * sd) / (t * t + sd * sd), relative: 1e-12)
        expectClose(c.b, sd * (t - s) / (t * t + sd * sd).squareRoot(), relative: 1e-12, absolute: 1e-15)
      }
    }
    // And CD's edm at s = tMin is EDM's consistency-model parameterisation.
    let edm = Jumper(preconditioning: .edm, sigmaData: sd)
    let c = edm.coefficients(t: 2, s: NoiseRange.tMin)
    expectClose(c.a, sd * sd / ((2 - 0.002) * (2 - 0.002) + sd * sd), relative: 1e-12)
  }

  @Test("Gaussian data: alpha = sqrt((s^2 + sd^2)/(t^2 + sd^2)); the forward jumper with the teacher's own g is the exact flow (check 2)")
  func gaussianExactFlow() {
    let statistics = gaussianStatistics()
    let jumper = Jumper(preconditioning: .analytic, sigmaData: sigmaData, statistics: statistics)
    let x = RandomStream(seed: 1, purpose: .testing).normalTensor(shape: [3, 2])
    let edm = EDMPreconditioning(sigmaData: sigmaData)
    for (t, s) in [(80.0, 0.002), (10.0, 1.0), (2.0, 0.5), (0.5, 0.01), (80.0, 40.0)] {
      let c = jumper.coefficients(t: t, s: s)
      // Piecewise-linear l on a 240-point grid: interpolation error of order 1e-4.
      expectClose(c.alpha!, ((s * s + sigmaData * sigmaData) / (t * t + sigmaData * sigmaData)).squareRoot(), relative: 3e-4)
      let xt = x.scaled(by: Float(t))
      let ts = [Double](repeating: t, count: 3)
      // The teacher's own raw output F = (D - cSkip x)/cOut, jumped with A x + B F.
      let denoised = gaussian.denoise(xt, noiseLevels: ts)
      let raw = (denoised - xt.scaled(by: Float(edm.cSkip(t)))).scaled(by: Float(1 / edm.cOut(t)))
      let jumped = Jumper.combine(Variable(xt), raw: Variable(raw), coefficients: .init(repeating: c, count: 3)).value
      let ratio = ((s * s + sigmaData * sigmaData) / (t * t + sigmaData * sigmaData)).squareRoot()
      for b in 0..<3 {
        for i in 0..<2 {
          let exact = gaussianMean[i] + ratio * (Double(xt.scalars[b * 2 + i]) - gaussianMean[i])
          expectClose(Double(jumped.scalars[b * 2 + i]), exact, relative: 1e-3, absolute: 1e-3)
        }
      }
    }
  }

  @Test("Estimated statistics of a Gaussian teacher: l = sd^2/(sd^2 + t^2), s = -2 l")
  func gaussianEstimates() {
    let data = gaussian.sample(count: 2048, stream: RandomStream(seed: 2, purpose: .datasetSynthesis))
    let estimated = AnalyticStatistics.estimate(teacher: gaussian, data: data,
      configuration: StatisticsConfiguration(lambdaCount: 24, samplesPerPoint: 1024), seed: 3)
    for (j, lam) in estimated.lambdas.enumerated() {
      let t = exp(-lam)
      let l = sigmaData * sigmaData / (sigmaData * sigmaData + t * t)
      expectClose(estimated.linear[j], l, relative: 1e-6, absolute: 1e-9)
      // s from a central difference of the exact teacher: small truncation error only.
      expectClose(estimated.growth[j], -2 * l, relative: 2e-3, absolute: 2e-3)
    }
    #expect(estimated.seconds > 0)
  }

  @Test("Small jumps: alpha ≈ 1 - (1 - l_t) h, beta ≈ h with h = ln(t/s) (check 3)", arguments: [Preconditioning.analytic, .analyticBackward, .analyticL])
  func smallJumps(variant: Preconditioning) {
    let statistics = gaussianStatistics()
    let jumper = Jumper(preconditioning: variant, sigmaData: sigmaData, statistics: statistics)
    for t in [40.0, 3.0, 0.7, 0.05] {
      let h = 1e-3
      let s = t * exp(-h)
      let c = jumper.coefficients(t: t, s: s)
      let l = statistics.l(atLambda: -log(t))
      expectClose(c.alpha!, 1 - (1 - l) * h, absolute: 5e-6)
      expectClose(c.beta!, h, relative: 5e-3)
    }
  }

  @Test("Ill-conditioned jumps are flagged: |B| > 10x CTM's")
  func flags() {
    // A growth statistic of +5 everywhere makes beta_forward explode on long jumps.
    let grid = AnalyticStatistics.lambdaGrid(count: 60)
    let wild = AnalyticStatistics(lambdas: grid, linear: .init(repeating: 0, count: 60), growth: .init(repeating: 5, count: 60))
    let jumper = Jumper(preconditioning: .analytic, sigmaData: sigmaData, statistics: wild)
    #expect(jumper.isIllConditioned(t: 80, s: 0.002))
    #expect(!Jumper(preconditioning: .ctm, sigmaData: sigmaData).isIllConditioned(t: 80, s: 0.002))
  }

  @Test("edm is rejected for CTM with a reason; names parse with errors that list valid values")
  func choices() throws {
    let configuration = DistillationConfiguration(method: .ctm, preconditioning: .edm, steps: 1, batchSize: 1, seed: 0, sigmaData: 0.5)
    #expect(configuration.problems.first?.contains("CD only") == true)
    #expect(try Preconditioning.parse("analytic-backward") == .analyticBackward)
    do {
      _ = try Preconditioning.parse("bogus")
      Issue.record("accepted an unknown preconditioning")
    } catch let error as ChoiceError {
      #expect(error.description.contains("analytic-l"))
    }
  }
}

@Suite("Analytic coefficients in closed form")
struct ConstantStatisticsTests {
  /// Constant `l = l0`, `s = s0` make every integral closed form. With `h = ln(t/s)`:
  /// `alpha = e^((l0 - 1) h)`, `beta_forward = e^(-(1 - l0) h) (e^((1 - l0 + s0) h) - 1) / (1 - l0 + s0)`,
  /// `beta_backward = e^(-s0 h) beta_forward`; `A = alpha - beta l0 + beta cSkip(t)`, `B = beta cOut(t)`.
  @Test("Forward and backward beta, alpha, A and B with constant statistics",
    arguments: [(0.3, -0.5), (0.8, 0.4), (0.0, -1.5)])
  func constant(l0: Double, s0: Double) {
    let grid = AnalyticStatistics.lambdaGrid(count: 64)
    let statistics = AnalyticStatistics(lambdas: grid, linear: .init(repeating: l0, count: 64), growth: .init(repeating: s0, count: 64))
    let edm = EDMPreconditioning(sigmaData: sigmaData)
    for (t, s) in [(2.0, 0.5), (40.0, 0.01), (0.3, 0.2)] {
      let h = log(t / s)
      let alpha = exp((l0 - 1) * h)
      let rate = 1 - l0 + s0
      let forward = exp(-(1 - l0) * h) * (exp(rate * h) - 1) / rate
      let backward = exp(-s0 * h) * forward
      for (variant, beta) in [(Preconditioning.analytic, forward), (.analyticBackward, backward)] {
        let c = Jumper(preconditioning: variant, sigmaData: sigmaData, statistics: statistics).coefficients(t: t, s: s)
        let label = Comment(rawValue: "\(variant) l0 \(l0) s0 \(s0) t \(t) s \(s)")
        expectClose(c.alpha ?? .nan, alpha, relative: 1e-6, label)
        expectClose(c.beta ?? .nan, beta, relative: 1e-4, label)
        expectClose(c.a, alpha - beta * l0 + beta * edm.cSkip(t), relative: 1e-4, absolute: 1e-9, label)
        expectClose(c.b, beta * edm.cOut(t), relative: 1e-4, label)
      }
      // analytic-l drops s: its beta is the forward beta with s0 = 0.
      let withoutGrowth = exp(-(1 - l0) * h) * (exp((1 - l0) * h) - 1) / (1 - l0)
      let c = Jumper(preconditioning: .analyticL, sigmaData: sigmaData, statistics: statistics).coefficients(t: t, s: s)
      expectClose(c.beta ?? .nan, l0 == 1 ? h : withoutGrowth, relative: 1e-4, "analytic-l t \(t) s \(s)")
    }
  }
}
