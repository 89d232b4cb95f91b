import TensorCore

/// How a parameter tensor starts.
public enum ParameterInitialization: Sendable {
  /// Uniform in `[-sqrt(3 gain / fanIn), sqrt(3 gain / fanIn)]`: variance `gain / fanIn` (LeCun's
  /// scaling; gain 1 keeps unit-variance inputs at unit-variance pre-activations).
  case fanIn(Int, gain: Double = 1)
  /// All zeros.
  case zeros
  /// All equal to a constant.
  case constant(Float)
}

/// Registers a network's parameters in order, drawing their initial values from keyed Philox
/// streams: parameter `i` uses `RandomStream(seed, .parameterInit, step: i)`, row `r` its sample `r`.
public struct ParameterBuilder {
  /// The seed of the initial values.
  public let seed: UInt64
  private(set) var names: [String] = []
  private(set) var tensors: [Tensor] = []

  /// A builder drawing from `seed`.
  public init(seed: UInt64) { self.seed = seed }

  /// Adds a parameter and returns its index.
  public mutating func add(_ name: String, shape: [Int], _ initialization: ParameterInitialization) -> Int {
    precondition(!names.contains(name), "ParameterBuilder: duplicate parameter name \(name)")
    let tensor: Tensor
    switch initialization {
    case .zeros:
      tensor = Tensor(zeros: shape)
    case .constant(let value):
      tensor = Tensor(repeating: value, shape: shape)
    case .fanIn(let fanIn, let gain):
      let bound = Float((3 * gain / Double(max(fanIn, 1))).squareRoot())
      let stream = RandomStream(seed: seed, purpose: .parameterInit, step: names.count)
      tensor = stream.uniformTensor(shape: shape.isEmpty ? [1] : shape, low: -bound, high: bound).reshaped(shape)
    }
    names.append(name)
    tensors.append(tensor)
    return names.count - 1
  }

  /// The parameters registered so far.
  public var parameters: ParameterSet { ParameterSet(names: names, tensors: tensors) }
}
