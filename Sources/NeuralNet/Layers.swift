import Autodiff
import TensorCore

/// A fully connected layer `y = x W^T + b`.
///
/// Shapes: `x: [batch, inFeatures]`, `W: [outFeatures, inFeatures]`, `b: [outFeatures]`.
public struct Linear: Sendable {
  /// Input width.
  public let inFeatures: Int
  /// Output width.
  public let outFeatures: Int
  let weight: Int
  let bias: Int?

  /// Registers `name.weight` (and `name.bias`) with the builder.
  public init(
    _ inFeatures: Int, _ outFeatures: Int, name: String, bias: Bool = true, gain: Double = 1,
    zeroWeights: Bool = false, builder: inout ParameterBuilder
  ) {
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    weight = builder.add("\(name).weight", shape: [outFeatures, inFeatures],
      zeroWeights ? .zeros : .fanIn(inFeatures, gain: gain))
    self.bias = bias ? builder.add("\(name).bias", shape: [outFeatures], .zeros) : nil
  }

  /// Applies the layer.
  public func callAsFunction(_ x: Variable, _ parameters: BoundParameters) -> Variable {
    precondition(x.shape.count == 2 && x.shape[1] == inFeatures,
      "Linear(\(inFeatures) -> \(outFeatures)): input shape \(x.shape)")
    let y = matmul(x, parameters[weight], transposeB: true)
    guard let bias else { return y }
    return y + parameters[bias]
  }
}

/// A 2-D convolution layer with bias, stride 1, same padding, kernel 1 or 3.
///
/// Shapes: `x: [batch, inChannels, h, w]` -> `[batch, outChannels, h, w]`.
public struct Conv2d: Sendable {
  /// Input channels.
  public let inChannels: Int
  /// Output channels.
  public let outChannels: Int
  /// Kernel size (1 or 3).
  public let kernelSize: Int
  let weight: Int
  let bias: Int

  /// Registers `name.weight` `[out, in, k, k]` and `name.bias` `[out]`.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, name: String, gain: Double = 1,
    builder: inout ParameterBuilder
  ) {
    precondition(kernelSize == 1 || kernelSize == 3, "Conv2d: kernel size must be 1 or 3, got \(kernelSize)")
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernelSize = kernelSize
    weight = builder.add("\(name).weight", shape: [outChannels, inChannels, kernelSize, kernelSize],
      .fanIn(inChannels * kernelSize * kernelSize, gain: gain))
    bias = builder.add("\(name).bias", shape: [outChannels], .zeros)
  }

  /// Applies the layer.
  public func callAsFunction(_ x: Variable, _ parameters: BoundParameters) -> Variable {
    precondition(x.shape.count == 4 && x.shape[1] == inChannels,
      "Conv2d(\(inChannels) -> \(outChannels)): input shape \(x.shape)")
    return conv2d(x, parameters[weight]) + reshape(parameters[bias], [1, outChannels, 1, 1])
  }
}

/// Group normalisation with a per-channel affine map `gamma xhat + beta` (Wu and He 2018).
public struct GroupNorm: Sendable {
  /// Number of groups.
  public let groups: Int
  /// Number of channels.
  public let channels: Int
  let gamma: Int
  let beta: Int

  /// Registers `name.gamma` (ones) and `name.beta` (zeros), `[channels]` each.
  public init(groups: Int, channels: Int, name: String, builder: inout ParameterBuilder) {
    precondition(channels % groups == 0, "GroupNorm: \(groups) groups do not divide \(channels) channels")
    self.groups = groups
    self.channels = channels
    gamma = builder.add("\(name).gamma", shape: [channels], .constant(1))
    beta = builder.add("\(name).beta", shape: [channels], .zeros)
  }

  /// Applies the layer to `[batch, channels, h, w]`.
  public func callAsFunction(_ x: Variable, _ parameters: BoundParameters) -> Variable {
    precondition(x.shape.count == 4 && x.shape[1] == channels, "GroupNorm(\(channels)): input shape \(x.shape)")
    let normalized = groupNormalize(x, groups: groups)
    return normalized * reshape(parameters[gamma], [1, channels, 1, 1]) + reshape(parameters[beta], [1, channels, 1, 1])
  }
}
