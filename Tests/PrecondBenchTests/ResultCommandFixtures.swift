import Foundation
import TestSupport
import Testing

/// A temporary directory holding a results database filled through `synthetic-results`.
struct ResultsWorkspace {
  let directory: URL

  init() throws { directory = try CommandRunner.temporaryDirectory("results-cli") }

  var database: String { path("results.sqlite") }

  func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

  /// Runs precond-bench in the workspace directory.
  @discardableResult
  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    try CommandRunner.run(arguments, environment: environment, currentDirectory: directory)
  }

  /// Writes a synthetic suite into `database` (expects success).
  func synthesize(
    _ extra: [String] = [], database: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let result = try run(["synthetic-results", "--db", database ?? self.database] + extra)
    #expect(
      result.exitCode == 0, "synthetic-results failed: \(result.stderr)",
      sourceLocation: sourceLocation)
  }

  func read(_ name: String) -> String? {
    FileManager.default.contents(atPath: path(name)).map { String(decoding: $0, as: UTF8.self) }
  }

  func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}

/// Runs `body` in a fresh workspace.
func withWorkspace(_ body: (ResultsWorkspace) throws -> Void) throws {
  let workspace = try ResultsWorkspace()
  defer { workspace.cleanUp() }
  try body(workspace)
}
