import Autodiff
import TensorCore

/// Configuration of the vector-data MLP.
public struct MLPConfiguration: Codable, Hashable, Sendable {
  /// Data dimension `d` (input and output width).
  public var dataDimension: Int
  /// Hidden widths, e.g. `[256, 256, 256]`.
  public var hiddenWidths: [Int]
  /// Fourier features per noise input.
  public var embeddingFeatures: Int
  /// Width of the noise-conditioning vector.
  public var conditioningWidth: Int

  /// Creates a configuration.
  public init(dataDimension: Int, hiddenWidths: [Int], embeddingFeatures: Int = 32, conditioningWidth: Int = 128) {
    self.dataDimension = dataDimension
    self.hiddenWidths = hiddenWidths
    self.embeddingFeatures = embeddingFeatures
    self.conditioningWidth = conditioningWidth
  }
}

/// An MLP with SiLU activations and noise conditioning added to every hidden layer:
/// `h_0 = W_in x + P_0 e`, `h_l = W_l silu(h_{l-1}) + P_l e`, `F = W_out silu(h_L)`, where `e` is
/// the `TimeConditioning` of the noise inputs (absent with zero time inputs, e.g. the perf MLP
/// 192->512->512->512->192).
///
/// Shapes: `x: [batch, dataDimension]` -> `[batch, dataDimension]`.
public struct MLP: Network {
  /// The configuration.
  public let configuration: MLPConfiguration
  /// Number of noise inputs.
  public let timeInputs: Int
  let input: Linear
  let hidden: [Linear]
  let output: Linear
  let conditioning: TimeConditioning?
  let projections: [Linear]

  /// Builds the MLP, registering its parameters.
  public init(_ configuration: MLPConfiguration, timeInputs: Int, zeroExtraTimeInputs: Bool = true, builder: inout ParameterBuilder) {
    precondition(!configuration.hiddenWidths.isEmpty, "MLP: needs at least one hidden layer")
    self.configuration = configuration
    self.timeInputs = timeInputs
    let widths = configuration.hiddenWidths
    input = Linear(configuration.dataDimension, widths[0], name: "mlp.in", builder: &builder)
    hidden = (1..<widths.count).map { l in
      Linear(widths[l - 1], widths[l], name: "mlp.hidden\(l)", builder: &builder)
    }
    output = Linear(widths[widths.count - 1], configuration.dataDimension, name: "mlp.out", builder: &builder)
    if timeInputs > 0 {
      conditioning = TimeConditioning(timeInputs: timeInputs, features: configuration.embeddingFeatures,
        width: configuration.conditioningWidth, name: "mlp.cond", zeroExtraInputs: zeroExtraTimeInputs, builder: &builder)
      projections = widths.enumerated().map { l, w in
        Linear(configuration.conditioningWidth, w, name: "mlp.proj\(l)", bias: false, builder: &builder)
      }
    } else {
      conditioning = nil
      projections = []
    }
  }

  /// `[dataDimension]`.
  public var sampleShape: [Int] { [configuration.dataDimension] }

  /// Applies the network.
  public func callAsFunction(_ x: Variable, conditions: [[Float]], parameters: BoundParameters) -> Variable {
    precondition(x.shape.count == 2 && x.shape[1] == configuration.dataDimension,
      "MLP: input shape \(x.shape), expected [batch, \(configuration.dataDimension)]")
    let e = conditioning.map { $0(conditions, parameters) }
    var h = input(x, parameters)
    if let e { h = h + projections[0](e, parameters) }
    for (l, layer) in hidden.enumerated() {
      h = layer(silu(h), parameters)
      if let e { h = h + projections[l + 1](e, parameters) }
    }
    return output(silu(h), parameters)
  }
}
