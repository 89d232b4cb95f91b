import Autodiff
import TensorCore

/// Configuration of the small two-level U-Net for images.
public struct UNetConfiguration: Codable, Hashable, Sendable {
  /// Image channels.
  public var channels: Int
  /// Image height and width (even).
  public var resolution: Int
  /// Channels at the first level (the second has twice as many).
  public var baseWidth: Int
  /// Fourier features per noise input.
  public var embeddingFeatures: Int
  /// Width of the noise-conditioning vector.
  public var conditioningWidth: Int
  /// Groups of every group normalisation.
  public var groups: Int

  /// Creates a configuration.
  public init(channels: Int, resolution: Int, baseWidth: Int = 32, embeddingFeatures: Int = 32,
              conditioningWidth: Int = 128, groups: Int = 8) {
    self.channels = channels
    self.resolution = resolution
    self.baseWidth = baseWidth
    self.embeddingFeatures = embeddingFeatures
    self.conditioningWidth = conditioningWidth
    self.groups = groups
  }
}

/// A residual block: `h = conv(silu(GN(x))) + P e`, `y = conv(silu(GN(h))) + skip(x)` with a 1x1
/// skip convolution when the channel count changes.
struct ResidualBlock: Sendable {
  let norm1: GroupNorm
  let conv1: Conv2d
  let projection: Linear
  let norm2: GroupNorm
  let conv2: Conv2d
  let skip: Conv2d?

  init(_ inChannels: Int, _ outChannels: Int, conditioningWidth: Int, groups: Int, name: String, builder: inout ParameterBuilder) {
    norm1 = GroupNorm(groups: min(groups, inChannels), channels: inChannels, name: "\(name).norm1", builder: &builder)
    conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, name: "\(name).conv1", builder: &builder)
    projection = Linear(conditioningWidth, outChannels, name: "\(name).emb", builder: &builder)
    norm2 = GroupNorm(groups: min(groups, outChannels), channels: outChannels, name: "\(name).norm2", builder: &builder)
    conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, name: "\(name).conv2", gain: 0.25, builder: &builder)
    skip = inChannels == outChannels ? nil : Conv2d(inChannels, outChannels, kernelSize: 1, name: "\(name).skip", builder: &builder)
  }

  func callAsFunction(_ x: Variable, _ e: Variable, _ p: BoundParameters) -> Variable {
    let out = conv1.outChannels
    var h = conv1(silu(norm1(x, p)), p)
    h = h + reshape(projection(e, p), [x.shape[0], out, 1, 1])
    h = conv2(silu(norm2(h, p)), p)
    return h + (skip.map { $0(x, p) } ?? x)
  }
}

/// A two-level U-Net: `conv_in`, a residual block at full resolution, 2x2 average pooling, two
/// residual blocks at half resolution (the second is the middle), nearest upsampling,
/// concatenation with the full-resolution skip, a residual block, and `GN -> SiLU -> conv_out`.
///
/// Shapes: `x: [batch, channels, resolution, resolution]` -> the same.
public struct UNet: Network {
  /// The configuration.
  public let configuration: UNetConfiguration
  /// Number of noise inputs.
  public let timeInputs: Int
  let conditioning: TimeConditioning
  let convIn: Conv2d
  let down: ResidualBlock
  let low: ResidualBlock
  let middle: ResidualBlock
  let up: ResidualBlock
  let normOut: GroupNorm
  let convOut: Conv2d

  /// Builds the U-Net, registering its parameters.
  public init(_ configuration: UNetConfiguration, timeInputs: Int, zeroExtraTimeInputs: Bool = true, builder: inout ParameterBuilder) {
    precondition(configuration.resolution % 2 == 0, "UNet: resolution \(configuration.resolution) must be even")
    precondition(timeInputs >= 1, "UNet: needs at least one noise input")
    self.configuration = configuration
    self.timeInputs = timeInputs
    let c = configuration.baseWidth
    let w = configuration.conditioningWidth
    let g = configuration.groups
    conditioning = TimeConditioning(timeInputs: timeInputs, features: configuration.embeddingFeatures, width: w,
      name: "unet.cond", zeroExtraInputs: zeroExtraTimeInputs, builder: &builder)
    convIn = Conv2d(configuration.channels, c, kernelSize: 3, name: "unet.conv_in", builder: &builder)
    down = ResidualBlock(c, c, conditioningWidth: w, groups: g, name: "unet.down", builder: &builder)
    low = ResidualBlock(c, 2 * c, conditioningWidth: w, groups: g, name: "unet.low", builder: &builder)
    middle = ResidualBlock(2 * c, 2 * c, conditioningWidth: w, groups: g, name: "unet.middle", builder: &builder)
    up = ResidualBlock(3 * c, c, conditioningWidth: w, groups: g, name: "unet.up", builder: &builder)
    normOut = GroupNorm(groups: min(g, c), channels: c, name: "unet.norm_out", builder: &builder)
    convOut = Conv2d(c, configuration.channels, kernelSize: 3, name: "unet.conv_out", gain: 0.25, builder: &builder)
  }

  /// `[channels, resolution, resolution]`.
  public var sampleShape: [Int] { [configuration.channels, configuration.resolution, configuration.resolution] }

  /// Applies the network.
  public func callAsFunction(_ x: Variable, conditions: [[Float]], parameters p: BoundParameters) -> Variable {
    let r = configuration.resolution
    precondition(x.shape.count == 4 && Array(x.shape.dropFirst()) == [configuration.channels, r, r],
      "UNet: input shape \(x.shape), expected [batch, \(configuration.channels), \(r), \(r)]")
    let e = conditioning(conditions, p)
    let h0 = down(convIn(x, p), e, p)
    var h = averagePool2x2(h0)
    h = low(h, e, p)
    h = middle(h, e, p)
    h = upsampleNearest2x(h)
    h = up(concatenate([h, h0], axis: 1), e, p)
    return convOut(silu(normOut(h, p)), p)
  }
}
