import TensorCore

/// The features a Frechet distance is computed on; every stored distance carries its extractor's
/// name (`fd-pixels`, `fd-randconv`, `fd-external`) and `specification`.
///
/// None of them is Inception-v3: its weights cannot be shipped with PrecondBench, so no number
/// here is called "FID". Real FID is available only through `external`, on pool features (or
/// pytorch-fid / EDM statistics) that the user computed elsewhere.
public enum FeatureExtractor: String, CaseIterable, Sendable, Codable {
  /// The flattened samples themselves, `[N, C*H*W]` (or `[N, d]` for vector data).
  case pixels
  /// A fixed random convolutional network (`RandomConvolutionFeatures`, 448 features), a cheap
  /// perceptual proxy.
  case randconv
  /// Features or statistics computed outside PrecondBench, read from `.npy` (`[N, D]`) or `.npz`
  /// (`mu`, `sigma`) files (`FeatureFile`).
  case external

  /// The name of Frechet distances on these features in stored numbers: `fd-<rawValue>`.
  public var frechetMetricName: String { "fd-" + rawValue }

  /// The full description stored beside every number computed on these features.
  public var specification: String {
    switch self {
    case .pixels: return "pixels: flattened samples"
    case .randconv: return RandomConvolutionFeatures.specification
    case .external: return "external: user-supplied features or mu/sigma statistics (.npy/.npz)"
    }
  }

  /// Parses a name at the command-line or suite-file boundary.
  ///
  /// - Throws: `MetricsError.unknownChoice` listing the valid names.
  public init(parsing text: String) throws(MetricsError) {
    guard let value = FeatureExtractor(rawValue: text) else {
      throw .unknownChoice(
        kind: "feature extractor", given: text, valid: Self.allCases.map(\.rawValue))
    }
    self = value
  }

  /// The features of a batch of samples: `samples: [N, ...]` -> `[N, D]`. For `randconv` the
  /// samples must be images `[N, C, H, W]` with `H, W >= 4`.
  ///
  /// - Throws: `MetricsError.featuresNotComputable` for `external`.
  public func features(of samples: Tensor) throws(MetricsError) -> Tensor {
    switch self {
    case .pixels:
      precondition(
        samples.rank >= 1,
        "FeatureExtractor.pixels: samples need a batch dimension, got \(samples.shape)")
      let count = samples.shape[0]
      return samples.reshaped([count, count == 0 ? 0 : samples.count / count])
    case .randconv:
      precondition(
        samples.rank == 4,
        "FeatureExtractor.randconv: needs images [N, C, H, W], got \(samples.shape)")
      return RandomConvolutionFeatures(inputChannels: samples.shape[1]).features(of: samples)
    case .external:
      throw .featuresNotComputable(
        "external features are computed outside PrecondBench (e.g. Inception-v3 pool features); pass them as .npy or .npz files"
      )
    }
  }
}
