import Datasets
import Foundation
import Metrics
import TensorCore

/// `precond-bench features --network effnet-lite0|inception [--weights FILE.npz] INPUT --out
/// FEATURES.npy [--batch N] [--limit N]`: pooled features of a pretrained network computed in
/// Swift (`PretrainedFeatures`) for every image of a dataset or exported samples.
///
/// Exit codes: 0 ok; 64 usage (unknown network, bounds, --out not .npy); 65 missing or malformed
/// input (dataset, samples or weights file, naming the file and key).
enum FeaturesCommand: Subcommand {
  static let batchRange = 1...4096
  static let limitRange = 1...10_000_000

  static let spec = CommandSpec(
    name: "features",
    summary: "Pooled features of EfficientNet-Lite0 or pytorch-fid's Inception-v3, computed in Swift, as .npy.",
    usage: """
      USAGE: precond-bench features --network effnet-lite0|inception INPUT --out FEATURES.npy
                                    [--weights FILE.npz] [--batch N] [--limit N] [--json]

      Runs every image of INPUT through a pretrained network in Swift and writes its pooled
      features as a float32 .npy [N, D], which `precond-bench fd` (and pytorch-fid / EDM, as
      features) read. Images are taken in [0, 1] (uint8 p / 255; float samples in model units
      (v + 1) / 2), grayscale replicated to 3 channels, resized bilinearly with
      align_corners=False (torch's F.interpolate) to the network's input size and normalised
      as the network expects. Features are bit-identical for any --threads and --batch.

        effnet-lite0  EfficientNet-Lite0, 224x224, ImageNet mean/std, 1280 features (fd-effnet)
        inception     Inception-v3 as pytorch-fid builds it, 299x299, 2x - 1, 2048 pool3
                      features: fd-inception, or fid when the weights were converted from
                      pytorch-fid's pt_inception-2015-12-05-6726825d.pth (recorded SHA-256)

      Weights are the .npz Scripts/prepare-features converts (default
      .precond-bench/features/effnet-lite0.npz or inception.npz; see README, "Trained features").

      INPUT is anything `precond-bench dataset info` reads (a CIFAR-10 batch or directory, an
      IDX images file, an .npy image array) or an .npz of samples with a uint8 NHWC arr_0 (as
      `precond-bench samples --out X.npz` and EDM write them).

      OPTIONS:
        --network NAME   effnet-lite0 or inception (required)
        --weights FILE   converted weights (.npz)
        --out FILE       output .npy (written whole or not at all)
        --batch N        images converted at a time, \(batchRange.lowerBound)...\(batchRange.upperBound) (default 64; memory only)
        --limit N        only the first N images, \(limitRange.lowerBound)...\(limitRange.upperBound)
        --json           print {"network", "metric", "count", "dimension", "out", "weights",
                         "weightsSHA256", "seconds"}

      EXIT CODES: 0 ok, 64 usage error, 65 missing or malformed input or weights (named).

      EXAMPLE:
        precond-bench features --network effnet-lite0 /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --out ref.npy --threads 2
        precond-bench samples fashion14/ctm/analytic/seed1 --nfe 2 --count 10000 --out gen.npz
        precond-bench features --network effnet-lite0 gen.npz --out gen.npy && precond-bench fd gen.npy ref.npy
      """,
    valueOptions: ["--network", "--weights", "--out", "--batch", "--limit"], flags: ["--json"])

  /// The `--json` document.
  struct Report: Encodable {
    let network: String
    let metric: String
    let count: Int
    let dimension: Int
    let out: String
    let weights: String
    let weightsSHA256: String?
    let seconds: Double
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...1, spec.usage)
    let command = arguments.command
    let network: FeatureNetwork
    do {
      network = try FeatureNetwork(parsing: try arguments.required("--network"))
    } catch let error as MetricsError {
      throw CommandFailure.usage("\(command): \(error)")
    }
    let out = try arguments.required("--out")
    guard out.lowercased().hasSuffix(".npy") else {
      throw CommandFailure.usage("\(command): --out \(out): features are written as .npy")
    }
    let batch = try arguments.integer("--batch", in: batchRange) ?? 64
    let limit = try arguments.integer("--limit", in: limitRange)
    try SamplesCommand.checkWritable(out, format: .npy)
    let input = arguments.positionals[0]
    var dataset = try loadImages(input)
    if let limit, limit < dataset.count { dataset = dataset.images(0..<limit) }
    guard dataset.channels == 1 || dataset.channels == 3 else {
      throw CommandFailure.malformed("\(input): images have \(dataset.channels) channels; features need 1 (grayscale) or 3 (RGB)")
    }
    let weightsPath = arguments.value("--weights") ?? network.defaultWeightsPath
    if !FileManager.default.fileExists(atPath: weightsPath) {
      throw CommandFailure.malformed(
        "\(weightsPath): no such weights file; convert the \(network.rawValue) weights with `bash Scripts/prepare-features`"
          + (network == .inception ? " --inception pt_inception-2015-12-05-6726825d.pth" : ""))
    }
    let features = try PretrainedFeatures(network: network, weightsPath: weightsPath)
    let progress = ProgressLine(enabled: isatty(STDERR_FILENO) != 0)
    let start = ContinuousClock.now
    let result = features.features(of: dataset, batchSize: batch) { done in
      progress.update("features: \(done)/\(dataset.count) images", fraction: Double(done) / Double(dataset.count))
    }
    progress.finish()
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    try NumpyArray(result).write(to: out)
    let report = Report(
      network: network.rawValue, metric: features.metricName, count: dataset.count,
      dimension: network.featureDimension, out: out, weights: weightsPath,
      weightsSHA256: features.sourceSHA256, seconds: seconds)
    if arguments.flag("--json") {
      Console.out(try Console.json(report))
    } else {
      Console.out(
        "\(out): \(dataset.count) x \(network.featureDimension) \(network.rawValue) features of \(input) "
          + "(Frechet distances on them: \(features.metricName)) in \(String(format: "%.1f", seconds)) s")
    }
    return .ok
  }

  /// A dataset (`ImageDataset.load`) or an `.npz` of samples (uint8 NHWC `arr_0`).
  static func loadImages(_ path: String) throws -> ImageDataset {
    do {
      if path.lowercased().hasSuffix(".npz") {
        guard FileManager.default.fileExists(atPath: path) else {
          throw CommandFailure.malformed("\(path): no such file (write samples with `precond-bench samples --out X.npz`)")
        }
        let archive = try NumpyArchive(contentsOf: path)
        let array = try archive.array(named: "arr_0")
        guard case .uint8 = array.elements, array.shape.count == 4 else {
          throw CommandFailure.malformed(
            "\(path): arr_0 must be uint8 images [N, H, W, C], got \(array.dtype.descr) \(array.shape)")
        }
        let dataset = try NumpyImages.dataset(from: array, path: path)
        guard dataset.count > 0 else { throw CommandFailure.malformed("\(path): arr_0 holds 0 images") }
        return dataset
      }
      return try ImageDataset.load(path: path)
    } catch let error as DatasetError {
      throw CommandFailure.malformed(error.description)
    }
  }
}
