import Foundation
import Harness
import Report
import Storage

/// `precond-bench compare --baseline NAME|PATH [SUITE]`: every verdict, as Markdown or JSON.
enum CompareCommand: Subcommand {
  static let spec = CommandSpec(
    name: "compare",
    summary: "Compare a suite's results with a baseline, verdict by verdict.",
    usage: """
      USAGE: precond-bench compare --baseline NAME|PATH [SUITE] [--db PATH] [--format markdown|json]
                                   [--no-record] [comparison options]

      Pairs the suite's arms with the baseline's by spec hash and judges every final metric, the
      final loss and the steps to each target (and, when both sides ran on the same machine, wall
      times, which never gate): regression, improvement, unchanged or unknown. The comparison is
      recorded in the database (the report shows the latest) unless --no-record.

      The baseline is a name stored in the database, else Baselines/NAME.json, or a file path.
      SUITE defaults to the baseline's suite.

      OPTIONS:
        --baseline B    the baseline (required)
        \(ResultsSupport.databaseOptionHelp)
        --format F      markdown (default) or json
        --no-record     do not store the comparison
      \(ResultsSupport.policyHelp)

      EXAMPLES:
        precond-bench compare --baseline smoke
        precond-bench compare --baseline Baselines/smoke.json smoke --format json

      EXIT CODES: 0 compared (whatever the verdicts; `check` turns them into exit codes), 5 baseline
      not found, 6 the baseline is of another suite than SUITE (nothing is recorded), 64 usage
      error, 65 missing or malformed database or baseline file.
      """,
    valueOptions: ["--baseline", "--db", "--format"] + ResultsSupport.policyOptions,
    flags: ["--no-record"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    let comparison = try compare(arguments, usage: spec.usage)
    switch arguments.value("--format") ?? "markdown" {
    case "markdown": Console.out(ComparisonMarkdown.render(comparison, heading: nil))
    case "json": Console.out(try Console.json(comparison))
    case let other:
      throw CommandFailure.usage(
        "\(arguments.command): unknown --format '\(other)' (valid: json, markdown)")
    }
    return .ok
  }

  /// The comparison both `compare` and `check` make, recorded unless `--no-record`.
  static func compare(_ arguments: ParsedArguments, usage: String) throws -> ComparisonRecord {
    try arguments.expectPositionals(0...1, usage)
    if let format = arguments.value("--format"), format != "markdown" && format != "json" {
      throw CommandFailure.usage(
        "\(arguments.command): unknown --format '\(format)' (valid: json, markdown)")
    }
    let reference = try arguments.required("--baseline")
    let policy = try ResultsSupport.policy(arguments)
    let databasePath = ResultsSupport.databasePath(arguments)
    let (baseline, source) = try ResultsSupport.baseline(reference, databasePath: databasePath)
    // A baseline of another suite has other arms and targets: refuse before reading or recording
    // anything, rather than judge one suite's runs by another's.
    if let requested = arguments.positionals.first, requested != baseline.suite {
      throw CommandFailure(
        code: .notComparable,
        message: "\(source): baseline '\(baseline.name)' is of suite '\(baseline.suite)', not of the "
          + "requested suite '\(requested)'; nothing was compared or recorded. Use a baseline of "
          + "'\(requested)' (precond-bench baseline list), or omit SUITE to compare '\(baseline.suite)'")
    }
    let store = try ResultsSupport.openStore(path: databasePath)
    let results = try ResultsSupport.suiteResults(
      store, name: arguments.positionals.first ?? baseline.suite, command: arguments.command)
    let comparison = Comparison.compare(
      candidate: results, baseline: baseline, policy: policy, created: .now())
    if !arguments.flag("--no-record") {
      try ResultsSupport.mapped { _ = try store.recordComparison(comparison) }
    }
    return comparison
  }
}
