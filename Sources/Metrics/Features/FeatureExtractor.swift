import Foundation
import TensorCore

/// The features a Frechet distance is computed on; every stored distance carries its extractor's
/// name (`fd-pixels`, `fd-randconv`, `fd-external`, `fd-effnet`, `fd-inception`) and
/// `specification`.
///
/// `effnet` and `inception` are pretrained networks run in Swift (`PretrainedFeatures`) on
/// weights the user converted with `Scripts/prepare-features` into their default paths
/// (`FeatureNetwork.defaultWeightsPath`); no weights are shipped. Inception features give "FID"
/// only with pytorch-fid's standard weights (`PretrainedFeatures.metricName`).
public enum FeatureExtractor: String, CaseIterable, Sendable, Codable {
  /// The flattened samples themselves, `[N, C*H*W]` (or `[N, d]` for vector data).
  case pixels
  /// A fixed random convolutional network (`RandomConvolutionFeatures`, 448 features), a cheap
  /// perceptual proxy.
  case randconv
  /// Features or statistics computed outside PrecondBench, read from `.npy` (`[N, D]`) or `.npz`
  /// (`mu`, `sigma`) files (`FeatureFile`).
  case external
  /// EfficientNet-Lite0 pooled features (1280), from `.precond-bench/features/effnet-lite0.npz`.
  case effnet
  /// pytorch-fid's Inception-v3 pool3 features (2048), from `.precond-bench/features/inception.npz`.
  case inception

  /// The pretrained network of `effnet` and `inception`.
  public var network: FeatureNetwork? {
    switch self {
    case .effnet: return .effnetLite0
    case .inception: return .inception
    case .pixels, .randconv, .external: return nil
    }
  }

  /// The name of Frechet distances on these features in stored numbers: `fd-<rawValue>`.
  public var frechetMetricName: String { "fd-" + rawValue }

  /// The full description stored beside every number computed on these features.
  public var specification: String {
    switch self {
    case .pixels: return "pixels: flattened samples"
    case .randconv: return RandomConvolutionFeatures.specification
    case .external: return "external: user-supplied features or mu/sigma statistics (.npy/.npz)"
    case .effnet, .inception:
      let network = self.network!
      return "\(rawValue): \(network.rawValue) pooled features (\(network.featureDimension)) computed in Swift from \(network.defaultWeightsPath); samples in model units mapped to [0, 1] by (v + 1) / 2, clamped"
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
  /// For `effnet` and `inception` the samples must be images `[N, 1 or 3, H, W]` in model units
  /// (mapped to `[0, 1]` by `(v + 1) / 2`, clamped) and the weights must be in their default path.
  ///
  /// - Throws: `MetricsError.featuresNotComputable` for `external` and for missing weights,
  ///   `MetricsError.malformedFile` for unusable weights.
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
    case .effnet, .inception:
      let network = self.network!
      precondition(
        samples.rank == 4 && (samples.shape[1] == 1 || samples.shape[1] == 3),
        "FeatureExtractor.\(rawValue): needs images [N, 1 or 3, H, W], got \(samples.shape)")
      guard FileManager.default.fileExists(atPath: network.defaultWeightsPath) else {
        throw .featuresNotComputable(
          "\(frechetMetricName) needs \(network.defaultWeightsPath): convert the weights with bash Scripts/prepare-features")
      }
      let model = try PretrainedFeatures(network: network, weightsPath: network.defaultWeightsPath)
      return model.features(ofUnitImages: samples.map { min(max(($0 + 1) / 2, 0), 1) })
    case .external:
      throw .featuresNotComputable(
        "external features are computed outside PrecondBench (e.g. Inception-v3 pool features); pass them as .npy or .npz files"
      )
    }
  }
}
