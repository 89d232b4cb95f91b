import Autodiff
import TensorCore

/// A raw network `F(x, c_0, ..., c_{k-1})` of data `x` and per-sample noise inputs `c_j`
/// (`cNoise(t)` for a teacher; `cNoise(t)`, `cNoise(s)` for a student). Its parameters live in a
/// separate `ParameterSet`, so EMA copies and optimiser state share one architecture value.
public protocol Network: Sendable {
  /// Number of noise inputs.
  var timeInputs: Int { get }
  /// Shape of one sample, e.g. `[2]` or `[1, 14, 14]`.
  var sampleShape: [Int] { get }
  /// Applies the network to `x: [batch] + sampleShape`; `conditions[j]` has one value per sample.
  func callAsFunction(_ x: Variable, conditions: [[Float]], parameters: BoundParameters) -> Variable
}

/// The architecture of a network, fully described by a Codable value (stored with every result).
public enum NetworkArchitecture: Sendable, Hashable {
  /// A multilayer perceptron for vector data.
  case mlp(MLPConfiguration)
  /// A small two-level U-Net for images.
  case unet(UNetConfiguration)

  /// Builds the network with `timeInputs` noise inputs and its initial parameters drawn from
  /// `seed`. With `zeroExtraTimeInputs`, inputs after the first start at zero.
  public func build(timeInputs: Int, seed: UInt64, zeroExtraTimeInputs: Bool = true) -> (network: any Network, parameters: ParameterSet) {
    var builder = ParameterBuilder(seed: seed)
    switch self {
    case .mlp(let configuration):
      let network = MLP(configuration, timeInputs: timeInputs, zeroExtraTimeInputs: zeroExtraTimeInputs, builder: &builder)
      return (network, builder.parameters)
    case .unet(let configuration):
      let network = UNet(configuration, timeInputs: timeInputs, zeroExtraTimeInputs: zeroExtraTimeInputs, builder: &builder)
      return (network, builder.parameters)
    }
  }

  /// The shape of one sample.
  public var sampleShape: [Int] {
    switch self {
    case .mlp(let c): return [c.dataDimension]
    case .unet(let c): return [c.channels, c.resolution, c.resolution]
    }
  }
}

extension NetworkArchitecture: Codable {
  private enum CodingKeys: String, CodingKey { case kind, mlp, unet }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let kind = try container.decode(String.self, forKey: .kind)
    switch kind {
    case "mlp": self = .mlp(try MLPConfiguration(from: decoder))
    case "unet": self = .unet(try UNetConfiguration(from: decoder))
    default:
      throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
        debugDescription: "unknown network kind '\(kind)' (valid: mlp, unet)")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .mlp(let c):
      try container.encode("mlp", forKey: .kind)
      try c.encode(to: encoder)
    case .unet(let c):
      try container.encode("unet", forKey: .kind)
      try c.encode(to: encoder)
    }
  }
}
