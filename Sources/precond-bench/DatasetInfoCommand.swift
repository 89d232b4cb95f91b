import Datasets
import Foundation

/// `precond-bench dataset info PATH [--format cifar10|idx|npy] [--json]`: count, shape, label
/// histogram, per-channel mean and standard deviation, and the SHA-256 of the decoded pixels.
///
/// Exit codes: 0 ok; 64 usage (bad option, unknown format); 65 malformed or missing input (a
/// missing dataset is input the command cannot read: the message says where to put it and which
/// script converts it).
enum DatasetInfoCommand: Subcommand {
  static let spec = CommandSpec(
    name: "dataset info",
    summary: "Describe a dataset: count, shape, labels, per-channel mean/std, SHA-256.",
    usage: """
      USAGE: precond-bench dataset info PATH [--format cifar10|idx|npy] [--json]

      Loads a dataset and prints its image count, shape [N, C, H, W] (NCHW, whatever the file
      stores), the number of images per class (class order), the per-channel mean and standard
      deviation in 0-255 pixel units, and the SHA-256 of the decoded pixels (NCHW bytes; the
      dataset's content hash).

      PATH is a CIFAR-10 batch (*.bin) or a cifar-10-batches-bin directory, an IDX images file
      (*-idx3-ubyte, optionally .gz; its *-labels-idx1-ubyte file beside it is read when
      present) or an .npy array (uint8 NHWC, labels in NAME.labels.npy), as converted by
      Scripts/prepare-dataset.

      OPTIONS:
        --format F   cifar10, idx or npy (default: inferred from PATH)
        --json       print {"count", "shape", "labels", "mean", "std", "sha256"} as JSON

      EXIT CODES: 0 ok, 64 usage error, 65 missing, malformed or truncated dataset.
      """,
    valueOptions: ["--format"], flags: ["--json"])

  /// The `--json` document.
  struct Report: Encodable {
    let count: Int
    let shape: [Int]
    let labels: [Int]
    let mean: [Double]
    let std: [Double]
    let sha256: String
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...1, spec.usage)
    let path = arguments.positionals[0]
    var format: DatasetFormat? = nil
    if let text = arguments.value("--format") {
      guard let parsed = DatasetFormat(rawValue: text) else {
        let valid = DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")
        throw CommandFailure.usage(
          "\(arguments.command): unknown --format '\(text)' (valid: \(valid))")
      }
      format = parsed
    }
    let dataset: ImageDataset
    do {
      dataset = try ImageDataset.load(path: path, format: format)
    } catch let error as DatasetError {
      switch error.kind {
      case .invalidRequest:
        // The format cannot be inferred from the path: the user must say it.
        throw CommandFailure.usage(error.description)
      case .notFound, .unreadable, .malformed, .unsupported, .unwritable:
        throw CommandFailure.malformed(error.description)
      }
    }
    let statistics = dataset.channelStatistics()
    let report = Report(
      count: dataset.count, shape: dataset.shape, labels: dataset.labelHistogram,
      mean: statistics.mean, std: statistics.standardDeviation, sha256: dataset.contentHash)
    if arguments.flag("--json") {
      Console.out(try Console.json(report))
    } else {
      Console.out(humanReadable(report, path: path, dataset: dataset))
    }
    return .ok
  }

  static func humanReadable(_ report: Report, path: String, dataset: ImageDataset) -> String {
    let type: String
    switch dataset.pixels {
    case .uint8: type = "uint8 pixels"
    case .float32: type = "float32 values in model units"
    }
    func format(_ values: [Double]) -> String {
      values.map { String(format: "%.3f", $0) }.joined(separator: ", ")
    }
    var lines = [
      "dataset: \(path)",
      "count:   \(report.count) images",
      "shape:   \(report.shape) (N, C, H, W; \(type))",
    ]
    if report.labels.isEmpty {
      lines.append("labels:  none")
    } else {
      let classes = report.labels.enumerated().map { "\($0.offset): \($0.element)" }
      lines.append(
        "labels:  \(report.labels.count) classes, images per class: "
          + classes.joined(separator: ", "))
    }
    lines += [
      "mean:    \(format(report.mean)) (per channel, 0-255 pixel units)",
      "std:     \(format(report.std)) (per channel, 0-255 pixel units)",
      "sha256:  \(report.sha256) (decoded pixels, NCHW)",
    ]
    return lines.joined(separator: "\n")
  }
}
