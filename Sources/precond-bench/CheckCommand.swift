import Foundation
import Harness
import Report
import Storage

/// `precond-bench check --baseline NAME|PATH [SUITE]`: the CI gate.
enum CheckCommand: Subcommand {
  static let spec = CommandSpec(
    name: "check",
    summary: "Gate on a baseline: exit 0 ok, 2 regression, 3 failed run, 4 improvement only, 5, 6.",
    usage: """
      USAGE: precond-bench check --baseline NAME|PATH [SUITE] [--db PATH] [--no-record]
                                 [comparison options]

      Compares like `compare`, prints the Markdown verdict table and exits with the status. When
      GITHUB_STEP_SUMMARY is set, the table is appended to that file.

      OPTIONS:
        --baseline B    the baseline: a name stored in the database, else Baselines/B.json, or a path
        \(ResultsSupport.databaseOptionHelp)
        --no-record     do not store the comparison in the database
      \(ResultsSupport.policyHelp)

      EXAMPLES:
        precond-bench run smoke && precond-bench check --baseline smoke

      EXIT CODES (in this order of precedence):
        3  a benchmark failed: a run diverged, failed or did not finish (unless the baseline's run
           of the same seed ended the same way at the same step)
        2  regression: a deterministic quantity got worse beyond tolerance, significantly
        6  not comparable: an arm's spec hash differs from the baseline's, or nothing matched, or
           the baseline is of another suite than SUITE (then nothing is recorded)
        4  improvement only: better and nothing worse (the baseline is stale: refresh it)
        0  ok
        5  baseline not found · 64 usage error · 65 malformed database or baseline file
      """,
    valueOptions: ["--baseline", "--db"] + ResultsSupport.policyOptions, flags: ["--no-record"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    let comparison = try CompareCommand.compare(arguments, usage: spec.usage)
    let markdown = ComparisonMarkdown.render(
      comparison, heading: "precond-bench check: \(comparison.suite)")
    Console.out(markdown)
    if let summary = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty {
      appendSummary(markdown, to: summary)
    }
    let code = exitCode(comparison.status)
    Console.error(
      "check: \(ComparisonMarkdown.statusText(comparison.status)) (exit \(code.rawValue))")
    return code
  }

  /// The exit code of a comparison status.
  static func exitCode(_ status: ComparisonStatus) -> ExitCode {
    switch status {
    case .ok: return .ok
    case .regression: return .regression
    case .benchmarkFailed: return .benchmarkFailed
    case .improvementOnly: return .improvementOnly
    case .notComparable: return .notComparable
    }
  }

  /// Appends to the GitHub step summary; a failure to write is reported, not fatal.
  static func appendSummary(_ markdown: String, to path: String) {
    let data = Data((markdown + "\n\n").utf8)
    if !FileManager.default.fileExists(atPath: path) {
      _ = FileManager.default.createFile(atPath: path, contents: nil)
    }
    guard let handle = FileHandle(forWritingAtPath: path) else {
      Console.error("warning: GITHUB_STEP_SUMMARY=\(path) cannot be opened for writing")
      return
    }
    defer { try? handle.close() }
    do {
      try handle.seekToEnd()
      try handle.write(contentsOf: data)
    } catch {
      Console.error("warning: GITHUB_STEP_SUMMARY=\(path): \(error.localizedDescription)")
    }
  }
}
