import Foundation
import Metrics

/// `precond-bench fd A B [--json]`: the Frechet distance between two feature files (`.npy`
/// feature matrices or `.npz` mu/sigma statistics), computed in Double (`FrechetDistance`).
///
/// Exit codes: 0 ok; 64 usage; 65 a missing or malformed file, mismatched dimensions, or
/// statistics that are not a covariance (the message names the file).
enum FDCommand: Subcommand {
  static let spec = CommandSpec(
    name: "fd",
    summary: "Frechet distance between two .npy feature sets or .npz mu/sigma statistics.",
    usage: """
      USAGE: precond-bench fd A B [--json]

      Prints the Frechet distance |mu_A - mu_B|^2 + tr(S_A + S_B - 2 (S_A^1/2 S_B S_A^1/2)^1/2)
      between the Gaussians fitted to A and B, computed in Double through a symmetric
      eigendecomposition of F^T S_B F, with S_A = F F^T by Cholesky (or, when S_A is singular,
      by its eigendecomposition). Each of A and B is
        - an .npy feature matrix [N, D] (float32 or float64, N >= 2): its mean and unbiased
          (N - 1) covariance are computed, as pytorch-fid and EDM do, or
        - an .npz archive with members mu [D] and sigma [D, D] (stored or compressed), as
          pytorch-fid --save-stats and EDM's fid.py ref write them.
      The number is stored as fd-external. It is FID only if both files hold Inception-v3 pool
      features (or statistics of them) computed elsewhere: PrecondBench cannot ship Inception
      weights and never calls its own feature proxies FID.

      OPTIONS:
        --json       print {"fd", "features", "metric", "dimension", "meanTerm",
                     "covarianceTerm", "route", "clampedEigenvalues",
                     "roundOffZeroEigenvalues", "a", "b"}

      EXIT CODES: 0 ok, 64 usage error, 65 missing or malformed file or mismatched dimensions.
      """,
    flags: ["--json"])

  /// One input file in the `--json` document.
  struct Input: Encodable {
    let path: String
    let kind: String
    let count: Int?
    let dimension: Int
  }

  /// The `--json` document.
  struct Report: Encodable {
    let fd: Double
    let features: String
    let metric: String
    let dimension: Int
    let meanTerm: Double
    let covarianceTerm: Double
    let route: String
    let clampedEigenvalues: Int
    let roundOffZeroEigenvalues: Int
    let a: Input
    let b: Input
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(2...2, spec.usage)
    let (pathA, pathB) = (arguments.positionals[0], arguments.positionals[1])
    do {
      let a = try FeatureFile(path: pathA)
      let b = try FeatureFile(path: pathB)
      guard a.moments.dimension == b.moments.dimension else {
        throw MetricsError.dimensionMismatch(pathA, a.moments.dimension, pathB, b.moments.dimension)
      }
      let distance = try FrechetDistance(between: a.moments, and: b.moments, names: (pathA, pathB))
      let extractor = FeatureExtractor.external
      let report = Report(
        fd: distance.value, features: extractor.rawValue, metric: extractor.frechetMetricName,
        dimension: a.moments.dimension, meanTerm: distance.meanTerm,
        covarianceTerm: distance.covarianceTerm, route: distance.route.rawValue,
        clampedEigenvalues: distance.clampedEigenvalues,
        roundOffZeroEigenvalues: distance.roundOffZeroEigenvalues,
        a: input(a), b: input(b))
      if arguments.flag("--json") {
        Console.out(try Console.json(report))
      } else {
        Console.out(humanReadable(report, a, b))
      }
      return .ok
    } catch let error as MetricsError {
      throw CommandFailure.malformed(error.description)
    }
  }

  static func input(_ file: FeatureFile) -> Input {
    switch file.contents {
    case .features(let count, let dimension, _):
      return Input(path: file.path, kind: "features", count: count, dimension: dimension)
    case .statistics(let dimension):
      return Input(path: file.path, kind: "statistics", count: nil, dimension: dimension)
    }
  }

  static func humanReadable(_ report: Report, _ a: FeatureFile, _ b: FeatureFile) -> String {
    [
      "\(report.metric) \(report.fd)",
      "  A: \(a.path) (\(a.summary))",
      "  B: \(b.path) (\(b.summary))",
      "  |mu_A - mu_B|^2 = \(report.meanTerm), trace term = \(report.covarianceTerm)",
      "  S_A factored by \(report.route); eigenvalues set to zero: \(report.clampedEigenvalues) negative, \(report.roundOffZeroEigenvalues) at round-off level",
      "  (FID only if both hold Inception-v3 pool features; PrecondBench ships no Inception weights)",
    ].joined(separator: "\n")
  }
}
