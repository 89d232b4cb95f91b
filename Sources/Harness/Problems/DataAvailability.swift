import Foundation

/// Whether a suite's data are on this machine, without loading them (`precond-bench suites`).
/// Synthetic problems generate their data; image problems read the path the suite gives (or its
/// format's default path, `ImageSource.defaultPath`), relative to the working directory, as
/// `PreparedProblem.prepare` does.
public enum DataAvailability: Hashable, Sendable {
  /// Every problem generates its data (2-D mixtures and the like).
  case synthetic
  /// Every image problem's data are at their path.
  case present
  /// These image problems' data are not at their path.
  case missing([MissingData])

  /// `synthetic`, `present` or `missing`.
  public var status: String {
    switch self {
    case .synthetic: return "synthetic"
    case .present: return "present"
    case .missing: return "missing"
    }
  }

  /// The problems whose data are missing (empty unless `.missing`).
  public var missing: [MissingData] {
    if case .missing(let list) = self { return list }
    return []
  }

  /// One problem's absent data: where they were looked for and how to get them.
  public struct MissingData: Hashable, Sendable, Encodable {
    /// The problem's name.
    public let problem: String
    /// The path the problem reads.
    public let path: String
    /// What to do, in a few words (README.md, "Datasets", has the details).
    public let remedy: String
  }

  /// The availability of `suite`'s data.
  public static func of(_ suite: SuiteSpecification) -> DataAvailability {
    var missing: [MissingData] = []
    var images = false
    for problem in suite.problems {
      guard case .images(let source, let path, _, _, _) = problem.data else { continue }
      images = true
      if !isPresent(path) {
        missing.append(MissingData(problem: problem.name, path: path, remedy: source.installRemedy))
      }
    }
    if !missing.isEmpty { return .missing(missing) }
    return images ? .present : .synthetic
  }

  /// Whether `path` holds data: a file, or a directory with at least one entry that is not hidden
  /// (an empty CIFAR-10 directory is missing data).
  static func isPresent(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
    guard isDirectory.boolValue else { return true }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return entries.contains { !$0.hasPrefix(".") }
  }
}

extension ImageSource {
  /// How to get the data, in a few words (the full advice is `missingAdvice`, in the error a run
  /// gives).
  public var installRemedy: String {
    switch self {
    case .fashionMNIST:
      return "install dataset-fashion-mnist: sudo apt-get install dataset-fashion-mnist"
    case .cifar10:
      return "unpack cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html there"
    case .npy:
      return "convert it with Scripts/prepare-dataset; see README.md, \"Datasets\""
    }
  }
}
