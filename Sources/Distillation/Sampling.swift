import Autodiff
import Diffusion
import NeuralNet
import TensorCore

/// How a student generates (math.md section 4, "Sampling").
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

extension Student {
  /// Generates from noise `z: [batch] + sampleShape` with `nfe` jumps over the Karras grid of
  /// `nfe + 1` levels from tMax to tMin. Injected noise for jump `i` is row `firstSample + b` of
  /// `RandomStream(seed, .sampleInjectionNoise, i)`.
  ///
  /// - Returns: the samples and the state after every jump (at time `t_{i+1}`; for the CM sampler,
  ///   the state before re-noising).
  public func sample(
    noise z: Tensor, nfe: Int, sampler: SamplerConfiguration, parameters: ParameterSet, seed: UInt64, firstSample: Int = 0
  ) -> (samples: Tensor, states: [Tensor]) {
    precondition(nfe >= 1, "Student.sample: nfe must be >= 1, got \(nfe)")
    let batch = z.shape[0]
    let times = KarrasGrid(count: nfe + 1, tMin: jumper.tMin).times
    let bound = parameters.constants()
    var x = z.scaled(by: Float(times[0]))
    var states = [Tensor]()
    let column = { (value: Double) in [Double](repeating: value, count: batch) }
    for i in 0..<nfe {
      let (t, next) = (times[i], times[i + 1])
      let last = i == nfe - 1
      let injection = { () -> Tensor in
        RandomStream(seed: seed, purpose: .sampleInjectionNoise, step: i).normalTensor(shape: z.shape, firstSample: firstSample)
      }
      switch sampler.kind {
      case .deterministic:
        x = jump(Variable(x), from: column(t), to: column(next), parameters: bound).value
        states.append(x)
      case .gamma:
        let s = (1 - sampler.gamma * sampler.gamma).squareRoot() * (next - jumper.tMin) + jumper.tMin
        x = jump(Variable(x), from: column(t), to: column(s), parameters: bound).value
        states.append(x)
        if !last { x = x + injection().scaled(by: Float((next * next - s * s).squareRoot())) }
      case .consistency:
        x = jump(Variable(x), from: column(t), to: column(jumper.tMin), parameters: bound).value
        states.append(x)
        if !last { x = x + injection().scaled(by: Float((next * next - jumper.tMin * jumper.tMin).squareRoot())) }
      }
    }
    return (x, states)
  }
}
