import Foundation

/// Finds suites: a name resolves to `Benchmarks/Suites/NAME.json` under the working directory;
/// anything ending in `.json` is a path.
public enum SuiteCatalog {
  /// The directory of shipped suites.
  public static let directory = "Benchmarks/Suites"

  /// The names of the suites in `directory`, sorted.
  public static func names(in directory: String = directory) -> [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
  }

  /// The path of a suite given by name or path.
  public static func path(of nameOrPath: String, in directory: String = directory) throws -> String {
    if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
      guard FileManager.default.fileExists(atPath: nameOrPath) else {
        throw RecordFormatError(file: nameOrPath, keyPath: nil, message: "no such suite file", remedy: "check the path")
      }
      return nameOrPath
    }
    let path = directory + "/" + nameOrPath + ".json"
    guard FileManager.default.fileExists(atPath: path) else {
      let known = names(in: directory)
      throw RecordFormatError(file: path, keyPath: nil,
        message: "no suite named '\(nameOrPath)'" + (known.isEmpty ? " (no suites found: run from the repository root)" : " (known: \(known.joined(separator: ", ")))"),
        remedy: "run `precond-bench suites` to list them, or pass a path to a suite file")
    }
    return path
  }

  /// Parses the suite given by name or path.
  public static func load(_ nameOrPath: String) throws -> SuiteSpecification {
    try SuiteParser.parse(path: try path(of: nameOrPath))
  }
}
