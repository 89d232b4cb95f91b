import Foundation
import Testing
import Diffusion
import Distillation
import TensorCore
import TestSupport

/// The samplers on isotropic Gaussian data `N(mu, c^2 I)`, whose probability-flow map is closed
/// form: `Phi_{t->s}(x) = mu + sqrt((c^2 + s^2) / (c^2 + t^2)) (x - mu)` (docs/math.md, "Sampling").
@Suite("Samplers against closed forms")
struct SamplerTests {
  static let c = 0.5
  static let mu: Float = 0.75
  static let tMin = NoiseRange.tMin

  static func ratio(_ t: Double, _ s: Double) -> Double { ((c * c + s * s) / (c * c + t * t)).squareRoot() }

  /// The exact flow map as the sampler's jump.
  static func exactJump(_ x: Tensor, _ t: Double, _ s: Double) -> Tensor {
    let r = Float(ratio(t, s))
    return x.map { mu + r * ($0 - mu) }
  }

  /// The Karras sampling grid of `nfe + 1` levels, written out (EDM eq. 5, rho = 7).
  static func levels(_ nfe: Int) -> [Double] {
    let a = pow(NoiseRange.tMax, 1 / 7.0), b = pow(tMin, 1 / 7.0)
    return (0...nfe).map { i in i == 0 ? NoiseRange.tMax : i == nfe ? tMin : pow(a + Double(i) / Double(nfe) * (b - a), 7) }
  }

  static let count = 20_000
  static let noise = RandomStream(seed: 31, purpose: .testing).normalTensor(shape: [count, 1])

  @Test("Deterministic sampler: the composition of exact jumps is the exact map tMax -> tMin", arguments: [1, 2, 5])
  func deterministic(nfe: Int) {
    let sampler = SamplerConfiguration(kind: .deterministic)
    let (samples, states) = sampler.generate(noise: Self.noise, nfe: nfe, tMin: Self.tMin, seed: 1, jump: Self.exactJump)
    #expect(states.count == nfe)
    let r = Self.ratio(NoiseRange.tMax, Self.tMin)
    let expected = Self.noise.map { Self.mu + Float(r) * (Float(NoiseRange.tMax) * $0 - Self.mu) }
    expectClose(samples, expected, relative: 1e-4, absolute: 1e-5)
  }

  /// Replays the gamma sampler by hand: `s_i = sqrt(1 - gamma^2)(t_{i+1} - tMin) + tMin`,
  /// `x <- Phi_{t_i -> s_i}(x) + sqrt(t_{i+1}^2 - s_i^2) z_i` (no noise after the last jump).
  static func gammaByHand(nfe: Int, gamma: Double, seed: UInt64) -> (samples: [Double], ends: [Double], injected: [Double]) {
    let t = levels(nfe)
    var x = (0..<count).map { NoiseRange.tMax * Double(noise.scalars[$0]) }
    var ends = [Double](), injected = [Double]()
    for i in 0..<nfe {
      let s = (1 - gamma * gamma).squareRoot() * (t[i + 1] - tMin) + tMin
      ends.append(s)
      let r = ratio(t[i], s)
      x = x.map { Double(mu) + r * ($0 - Double(mu)) }
      if i < nfe - 1 {
        let z = RandomStream(seed: seed, purpose: .sampleInjectionNoise, step: i).normalTensor(shape: [count, 1])
        let scale = (t[i + 1] * t[i + 1] - s * s).squareRoot()
        injected.append(scale * scale)
        x = (0..<count).map { x[$0] + scale * Double(z.scalars[$0]) }
      }
    }
    return (x, ends, injected)
  }

  @Test("Gamma sampler equals its hand replay, and each state has variance c^2 + s_i^2",
    arguments: [0.3, 0.5, 0.9])
  func gamma(gamma: Double) {
    let nfe = 4
    let sampler = SamplerConfiguration(kind: .gamma, gamma: gamma)
    let (samples, states) = sampler.generate(noise: Self.noise, nfe: nfe, tMin: Self.tMin, seed: 7, jump: Self.exactJump)
    let hand = Self.gammaByHand(nfe: nfe, gamma: gamma, seed: 7)
    for i in stride(from: 0, to: Self.count, by: 97) {
      expectClose(Double(samples.scalars[i]), hand.samples[i], relative: 1e-4, absolute: 1e-4, "sample \(i)")
    }
    // Marginals: after an exact jump to s_i the state is N(mu, c^2 + s_i^2) exactly when the
    // injected variance was t_i^2 - s_{i-1}^2; the start tMax z has variance tMax^2 (c^2 + tMax^2 within 4e-5).
    for (i, state) in states.enumerated() {
      let values = state.scalars.map(Double.init)
      let mean = values.reduce(0, +) / Double(values.count)
      let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
      let expected = Self.c * Self.c + hand.ends[i] * hand.ends[i]
      // Standard error of a sample variance: sqrt(2 / n) = 1% of it; allow 4.
      expectClose(variance, expected, relative: 0.04, "state \(i) of gamma \(gamma): s = \(hand.ends[i])")
    }
    #expect(hand.ends.last == Self.tMin)
  }

  @Test("Gamma = 0 is the deterministic sampler, and every injection is finite")
  func gammaZero() {
    for nfe in [2, 3, 7] {
      let deterministic = SamplerConfiguration(kind: .deterministic).generate(noise: Self.noise, nfe: nfe, tMin: Self.tMin, seed: 3,
        jump: Self.exactJump)
      let gammaZero = SamplerConfiguration(kind: .gamma, gamma: 0).generate(noise: Self.noise, nfe: nfe, tMin: Self.tMin, seed: 3,
        jump: Self.exactJump)
      #expect(gammaZero.samples.isFinite)
      expectClose(gammaZero.samples, deterministic.samples, relative: 1e-5, absolute: 1e-5)
    }
  }

  @Test("CM multistep sampler: jumps to tMin and re-noises with variance t_{i+1}^2 - tMin^2", arguments: [2, 3])
  func consistency(nfe: Int) {
    let sampler = SamplerConfiguration(kind: .consistency)
    let (samples, states) = sampler.generate(noise: Self.noise, nfe: nfe, tMin: Self.tMin, seed: 9, jump: Self.exactJump)
    let t = Self.levels(nfe)
    // Replay: x <- Phi_{t_i -> tMin}(x), then x + sqrt(t_{i+1}^2 - tMin^2) z_i.
    var x = (0..<Self.count).map { NoiseRange.tMax * Double(Self.noise.scalars[$0]) }
    for i in 0..<nfe {
      let r = Self.ratio(t[i], Self.tMin)
      x = x.map { Double(Self.mu) + r * ($0 - Double(Self.mu)) }
      if i < nfe - 1 {
        let z = RandomStream(seed: 9, purpose: .sampleInjectionNoise, step: i).normalTensor(shape: [Self.count, 1])
        let scale = (t[i + 1] * t[i + 1] - Self.tMin * Self.tMin).squareRoot()
        x = (0..<Self.count).map { x[$0] + scale * Double(z.scalars[$0]) }
      }
    }
    for i in stride(from: 0, to: Self.count, by: 101) {
      expectClose(Double(samples.scalars[i]), x[i], relative: 1e-4, absolute: 1e-4, "sample \(i)")
    }
    // Every state is a sample of the data marginal at tMin: variance c^2 + tMin^2.
    for (i, state) in states.enumerated() {
      let values = state.scalars.map(Double.init)
      let mean = values.reduce(0, +) / Double(values.count)
      let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
      expectClose(variance, Self.c * Self.c + Self.tMin * Self.tMin, relative: 0.04, "CM state \(i)")
      expectClose(mean, Double(Self.mu), absolute: 0.02, "CM state \(i) mean")
    }
  }

  @Test("jumpEnd: t_{i+1}, sqrt(1 - gamma^2)(t_{i+1} - tMin) + tMin, tMin")
  func jumpEnds() {
    #expect(SamplerConfiguration(kind: .deterministic).jumpEnd(next: 2.5, tMin: 0.002) == 2.5)
    expectClose(SamplerConfiguration(kind: .gamma, gamma: 0.6).jumpEnd(next: 2.5, tMin: 0.002), 0.8 * 2.498 + 0.002, relative: 1e-14)
    #expect(SamplerConfiguration(kind: .consistency).jumpEnd(next: 2.5, tMin: 0.002) == 0.002)
  }
}
