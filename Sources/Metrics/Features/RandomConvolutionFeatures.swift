import TensorCore

/// `randconv-v1`: a fixed, untrained convolutional network whose pooled activation statistics
/// serve as a cheap perceptual proxy for Inception features (random-feature embeddings in the
/// spirit of Naeem et al. 2020, "Reliable fidelity and diversity metrics", which evaluates
/// randomly initialised networks as embeddings).
///
/// Exactly: three stages on NCHW images (meant for [-1, 1]); stage `s` is a 3x3 convolution with
/// stride 1, "same" zero padding and no bias, `C_s -> 32, 64, 128` channels (`C_0` = the image
/// channels), followed by ReLU. After each stage the features take, per channel, the mean and the
/// population standard deviation over all positions (Double); between stages, 2x2 average pooling
/// (odd sizes lose their last row or column first). Features are ordered
/// `[mean_0 (32), std_0 (32), mean_1 (64), std_1 (64), mean_2 (128), std_2 (128)]`: 448 in all.
/// Weights are He-normal: output channel `o` of stage `s` is `sqrt(2 / (9 C_s))` times the normal
/// draws `0 ..< 9 C_s` of sample `o` of `RandomStream(seed: 0x72616e64636f6e76 ("randconv"),
/// purpose: .featureExtractor, step: s)`, in `[in, ky, kx]` order. The network depends only on
/// the image channel count; images need `H, W >= 4`.
public struct RandomConvolutionFeatures: Sendable {
  /// The version stored with every number.
  public static let version = "randconv-v1"
  /// The constant seed of the weights (ASCII "randconv").
  public static let seed: UInt64 = 0x7261_6E64_636F_6E76
  /// Output channels of the three stages.
  public static let stageChannels = [32, 64, 128]
  /// Images per batch through the network (bounds memory; the features do not depend on it).
  public static let batchSize = 64

  /// The complete description stored beside every number.
  public static let specification =
    "randconv-v1: 3 stages of conv3x3 (no bias; C->32->64->128; He-normal weights, Philox seed 0x72616e64636f6e76, purpose featureExtractor, step = stage, sample = output channel) + ReLU; per-channel mean and std after each stage; 2x2 average pooling between stages; 448 features; not Inception, not FID"

  /// The image channel count the network takes.
  public let inputChannels: Int
  /// `weights[s]: [stageChannels[s], in_s, 3, 3]`.
  public let weights: [Tensor]

  /// The network for images with `inputChannels` channels.
  public init(inputChannels: Int) {
    precondition(
      inputChannels >= 1,
      "RandomConvolutionFeatures: needs >= 1 input channel, got \(inputChannels)")
    self.inputChannels = inputChannels
    var weights = [Tensor]()
    var channels = inputChannels
    for (stage, outChannels) in Self.stageChannels.enumerated() {
      let fanIn = channels * 9
      let scale = (2.0 / Double(fanIn)).squareRoot()
      let stream = RandomStream(seed: Self.seed, purpose: .featureExtractor, step: stage)
      var scalars = [Float]()
      scalars.reserveCapacity(outChannels * fanIn)
      for o in 0..<outChannels {
        for v in stream.normal(sample: o, count: fanIn) { scalars.append(Float(scale * v)) }
      }
      weights.append(Tensor(shape: [outChannels, channels, 3, 3], scalars: scalars))
      channels = outChannels
    }
    self.weights = weights
  }

  /// The number of features: `2 * (32 + 64 + 128)` = 448.
  public static var featureDimension: Int { 2 * stageChannels.reduce(0, +) }

  /// The features of `images: [N, inputChannels, H, W]` (`H, W >= 4`): `[N, 448]`.
  public func features(of images: Tensor) -> Tensor {
    precondition(
      images.rank == 4 && images.shape[1] == inputChannels,
      "RandomConvolutionFeatures: needs images [N, \(inputChannels), H, W], got \(images.shape)")
    precondition(
      images.shape[2] >= 4 && images.shape[3] >= 4,
      "RandomConvolutionFeatures: images must be at least 4 x 4, got \(images.shape)")
    let count = images.shape[0]
    let dimension = Self.featureDimension
    var out = [Float](repeating: 0, count: count * dimension)
    var start = 0
    while start < count {
      let end = min(start + Self.batchSize, count)
      let batch = images.rows(start..<end)
      var x = batch
      var column = 0
      for (stage, weight) in weights.enumerated() {
        let y = Convolution.forward(x, weight: weight).map { max($0, 0) }
        let channels = y.shape[1]
        let plane = y.shape[2] * y.shape[3]
        y.scalars.withUnsafeBufferPointer { p in
          for b in 0..<(end - start) {
            for c in 0..<channels {
              let first = (b * channels + c) * plane
              let values = UnsafeBufferPointer(rebasing: p[first..<(first + plane)])
              var sum = 0.0
              for i in 0..<plane { sum += Double(values[i]) }
              let mean = sum / Double(plane)
              var squares = 0.0
              for i in 0..<plane {
                let d = Double(values[i]) - mean
                squares += d * d
              }
              let row = (start + b) * dimension
              out[row + column + c] = Float(mean)
              out[row + column + channels + c] = Float((squares / Double(plane)).squareRoot())
            }
          }
        }
        column += 2 * channels
        if stage + 1 < weights.count { x = Self.averagePool(y) }
      }
      start = end
    }
    return Tensor(shape: [count, dimension], scalars: out)
  }

  /// 2x2 average pooling after dropping a last odd row or column.
  static func averagePool(_ x: Tensor) -> Tensor {
    let (h, w) = (x.shape[2], x.shape[3])
    if h % 2 == 0 && w % 2 == 0 { return Resampling.averagePool2x2(x) }
    let (eh, ew) = (h - h % 2, w - w % 2)
    let cropped = Tensor(shape: [x.shape[0], x.shape[1], eh, ew]) { out in
      x.scalars.withUnsafeBufferPointer { p in
        for plane in 0..<(x.shape[0] * x.shape[1]) {
          for i in 0..<eh {
            for j in 0..<ew { out[(plane * eh + i) * ew + j] = p[(plane * h + i) * w + j] }
          }
        }
      }
    }
    return Resampling.averagePool2x2(cropped)
  }
}
