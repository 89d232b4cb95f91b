import Autodiff
import Diffusion
import NeuralNet
import TensorCore

/// How a student generates (docs/math.md section 4, "Sampling").
public enum SamplerKind: String, Codable, Sendable, CaseIterable, Hashable {
  /// CTM's deterministic multistep sampler (gamma = 0): `x <- f(x, t_i, t_{i+1})`.
  case deterministic
  /// CTM's gamma-sampling: `s = sqrt(1 - gamma^2)(t_{i+1} - tMin) + tMin`,
  /// `x <- f(x, t_i, s) + sqrt(t_{i+1}^2 - s^2) z` except after the last jump.
  case gamma
  /// CM's multistep sampler: `x <- f(x, t_i, tMin)`, then `x <- x + sqrt(t_{i+1}^2 - tMin^2) z`.
  case consistency

  /// Parses a name at the CLI or suite-file boundary.
  public static func parse(_ name: String) throws -> SamplerKind {
    guard let value = SamplerKind(rawValue: name) else {
      throw ChoiceError(kind: "sampler", value: name, valid: allCases.map { $0.rawValue })
    }
    return value
  }
}

/// A sampler and its parameter.
public struct SamplerConfiguration: Codable, Sendable, Hashable {
  /// The kind.
  public var kind: SamplerKind
  /// `gamma` of gamma-sampling (ignored otherwise).
  public var gamma: Double

  /// Creates a configuration.
  public init(kind: SamplerKind, gamma: Double = 0) {
    self.kind = kind
    self.gamma = gamma
  }

  /// The natural sampler of a method: CM multistep for CD, deterministic for CTM.
  public static func `default`(for method: DistillationMethod) -> SamplerConfiguration {
    switch method {
    case .cd: return SamplerConfiguration(kind: .consistency)
    case .ctm: return SamplerConfiguration(kind: .deterministic)
    }
  }
}

extension SamplerConfiguration {
  /// Generates from noise `z: [batch] + sampleShape` with `nfe` jumps of `jump` over the Karras
  /// grid of `nfe + 1` levels from tMax to `tMin` (docs/math.md, "Sampling"):
  ///
  /// - deterministic: `x <- f(x, t_i, t_{i+1})`;
  /// - gamma: `s_i = sqrt(1 - gamma^2) (t_{i+1} - tMin) + tMin`, `x <- f(x, t_i, s_i)`, then (except
  ///   after the last jump) `x <- x + sqrt(t_{i+1}^2 - s_i^2) z_i`;
  /// - consistency (CM multistep): `x <- f(x, t_i, tMin)`, then (except after the last jump)
  ///   `x <- x + sqrt(t_{i+1}^2 - tMin^2) z_i`.
  ///
  /// `x` starts at `tMax z`; the injected `z_i` is row `firstSample + b` of
  /// `RandomStream(seed, .sampleInjectionNoise, i)`. `jump(x, t, s)` maps a batch from `t` to `s`
  /// (the same times for every row), so the loop can be checked with an exact flow map.
  ///
  /// - Returns: the samples and the state after every jump (for gamma and CM, before re-noising).
  public func generate(
    noise z: Tensor, nfe: Int, tMin: Double, seed: UInt64, firstSample: Int = 0, jump: (Tensor, Double, Double) -> Tensor
  ) -> (samples: Tensor, states: [Tensor]) {
    precondition(nfe >= 1, "SamplerConfiguration.generate: nfe must be >= 1, got \(nfe)")
    let times = KarrasGrid(count: nfe + 1, tMin: tMin).times
    var x = z.scaled(by: Float(times[0]))
    var states = [Tensor]()
    for i in 0..<nfe {
      let (t, next) = (times[i], times[i + 1])
      let end = jumpEnd(next: next, tMin: tMin)
      x = jump(x, t, end)
      states.append(x)
      if i < nfe - 1, kind != .deterministic {
        let injection = RandomStream(seed: seed, purpose: .sampleInjectionNoise, step: i).normalTensor(shape: z.shape, firstSample: firstSample)
        // max(_, 0): with gamma = 0, (next - tMin) + tMin can exceed next by an ulp.
        x = x + injection.scaled(by: Float(max(next * next - end * end, 0).squareRoot()))
      }
    }
    return (x, states)
  }

  /// Where jump `i` ends when the next level of the sampling grid is `next`: `next` (deterministic),
  /// `sqrt(1 - gamma^2) (next - tMin) + tMin` (gamma), `tMin` (consistency).
  public func jumpEnd(next: Double, tMin: Double) -> Double {
    switch kind {
    case .deterministic: return next
    case .gamma: return (1 - gamma * gamma).squareRoot() * (next - tMin) + tMin
    case .consistency: return tMin
    }
  }
}

extension Student {
  /// Generates from noise `z: [batch] + sampleShape` with `nfe` jumps of this student
  /// (`SamplerConfiguration.generate` with `f_theta` as the jump).
  ///
  /// - Returns: the samples and the state after every jump (at time `t_{i+1}`; for the CM sampler,
  ///   the state before re-noising).
  public func sample(
    noise z: Tensor, nfe: Int, sampler: SamplerConfiguration, parameters: ParameterSet, seed: UInt64, firstSample: Int = 0
  ) -> (samples: Tensor, states: [Tensor]) {
    let batch = z.shape[0]
    let bound = parameters.constants()
    return sampler.generate(noise: z, nfe: nfe, tMin: jumper.tMin, seed: seed, firstSample: firstSample) { x, t, s in
      jump(Variable(x), from: [Double](repeating: t, count: batch), to: [Double](repeating: s, count: batch), parameters: bound).value
    }
  }
}
