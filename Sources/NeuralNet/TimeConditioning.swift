import Autodiff
import TensorCore

/// The embedding of a network's noise-level inputs: for time inputs `c_0 = cNoise(t)` (and
/// `c_1 = cNoise(s)` for students),
/// `e = silu( W2 silu( sum_j W1_j fourier(c_j) + b1 ) + b2 )`, shape `[batch, width]`.
///
/// Input `j > 0` (the student's `s`) can start with zero weights so that at initialisation the
/// student equals the teacher it was copied from (docs/math.md section 2).
public struct TimeConditioning: Sendable {
  /// The Fourier features of each time input.
  public let fourier: NoiseEmbedding
  /// The output width.
  public let width: Int
  let inputs: [Linear]
  let hidden: Linear

  /// Registers the layers under `name`.
  public init(timeInputs: Int, features: Int, width: Int, name: String, zeroExtraInputs: Bool, builder: inout ParameterBuilder) {
    fourier = NoiseEmbedding(features: features)
    self.width = width
    inputs = (0..<timeInputs).map { j in
      Linear(features, width, name: "\(name).time\(j)", bias: j == 0, zeroWeights: j > 0 && zeroExtraInputs, builder: &builder)
    }
    hidden = Linear(width, width, name: "\(name).hidden", builder: &builder)
  }

  /// The embedding of per-sample noise inputs: `conditions[j]` holds `c_j` for every sample.
  public func callAsFunction(_ conditions: [[Float]], _ parameters: BoundParameters) -> Variable {
    precondition(conditions.count == inputs.count,
      "TimeConditioning: expected \(inputs.count) time inputs, got \(conditions.count)")
    var sum: Variable? = nil
    for (layer, values) in zip(inputs, conditions) {
      let projected = layer(Variable(fourier(values)), parameters)
      sum = sum.map { $0 + projected } ?? projected
    }
    guard let sum else { preconditionFailure("TimeConditioning: no time inputs") }
    return silu(hidden(silu(sum), parameters))
  }
}
