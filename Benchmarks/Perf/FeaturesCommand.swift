import Metrics
import TensorCore

/// `perf features`: seconds per 1000 images of a pretrained feature network in Swift
/// (`PretrainedFeatures`), preprocessing (resize, normalisation) included.
enum FeaturesCommand {
  static let spec = CommandSpec(
    name: "features", summary: "Seconds per 1000 images of EfficientNet-Lite0 or Inception features.",
    usage: """
      USAGE: perf features --network effnet-lite0|inception [--weights FILE.npz] [--images N]
                           [--size S] [--threads T] [--repeat R] [--clock wall|cpu] [--json]

      Times PretrainedFeatures.features on N random 3-channel images of S x S pixels (default
      28, resized to the network's input as for real data), after one warm-up batch. Reports
      the BEST seconds per 1000 images over R timed runs (each run one batch of N images).

      OPTIONS:
        --network NAME   effnet-lite0 or inception (required)
        --weights FILE   converted weights (default .precond-bench/features/NAME.npz)
        --images N       images per timed batch (default 16)
        --size S         side of the source images (default 28)
        --threads T      worker threads of ComputeThreads (default 1)
        --repeat R       timed runs (default 3)
        --clock C        wall (default) or cpu
        --json           print {"seconds_per_1000": ..., "seconds": ..., ...} on one line
        --help           this text
      """,
    valueOptions: ["--network", "--weights", "--images", "--size", "--threads", "--repeat", "--clock"],
    flags: ["--json"])

  static func run(_ arguments: ParsedArguments) throws {
    let name = try arguments.required("--network")
    guard let network = FeatureNetwork(rawValue: name) else {
      throw PerfFailure.usage("perf features: --network must be effnet-lite0 or inception, got '\(name)'")
    }
    let weights = arguments.options["--weights"] ?? network.defaultWeightsPath
    let images = try arguments.integer("--images", default: 16, atLeast: 1)
    let size = try arguments.integer("--size", default: 28, atLeast: 1)
    let threads = try arguments.integer("--threads", default: 1, atLeast: 1)
    let runs = try arguments.integer("--repeat", default: 3, atLeast: 1)
    let clock = try BenchmarkClock.parse(arguments)
    ComputeThreads.count = threads
    let features: PretrainedFeatures
    do {
      features = try PretrainedFeatures(network: network, weightsPath: weights)
    } catch {
      throw PerfFailure(code: 65, message: "perf features: \(error) (convert with bash Scripts/prepare-features)")
    }
    let batch = RandomStream(seed: 1, purpose: .testing).uniformTensor(shape: [images, 3, size, size], low: 0, high: 1)
    _ = features.features(ofUnitImages: batch.rows(0..<min(images, threads)))
    var seconds = [Double]()
    for _ in 0..<runs {
      let start = clock.now()
      _ = features.features(ofUnitImages: batch)
      seconds.append(clock.now() - start)
    }
    let best = seconds.min()!
    let per1000 = best / Double(images) * 1000
    if arguments.flag("--json") {
      print(
        "{\"seconds_per_1000\": \(per1000), \"seconds\": \(best), \"statistic\": \"best\", \"clock\": \"\(clock.rawValue)\", "
          + "\"network\": \"\(network.rawValue)\", \"images\": \(images), \"size\": \(size), \"threads\": \(threads), \"runs\": \(runs)}")
    } else {
      print(
        "features \(network.rawValue) \(images) images \(size)x\(size) threads \(threads): "
          + "\(formatted(per1000, digits: 4)) s per 1000 images (best of \(runs); median batch \(formatted(seconds.sorted()[runs / 2], digits: 4)) s)")
    }
  }
}
