import Foundation
import Harness
import Storage
import SyntheticResults

/// `precond-bench synthetic-results`: writes made-up results through the runner's interface.
enum SyntheticResultsCommand: Subcommand {
  static let spec = CommandSpec(
    name: "synthetic-results",
    summary: "Write a synthetic suite of results (for trying report/check, and for tests).",
    usage: """
      USAGE: precond-bench synthetic-results [--db PATH] [--suite NAME] [--scenario S] [--seeds N]
                                             [--evaluations N] [--delay-ms MS] [--progress]

      Writes deterministic made-up results (no training: numbers come from formulas) through the
      same ResultSink the runner uses, one transaction per evaluation. Reports of such a suite say
      that they are synthetic. Useful to try `report`, `baseline` and `check`, and to test the
      database under concurrent writers or a killed process.

      OPTIONS:
        \(ResultsSupport.databaseOptionHelp)
        --suite NAME        suite name (default: synthetic)
        --scenario S        baseline (default), regression, improvement, diverged, spec-change,
                            slower
        --seeds N           seeds 0..N-1 (default 3)
        --evaluations N     evaluations per run (default 8)
        --delay-ms MS       pause after each evaluation (default 0)
        --progress          print "recorded RUN STEP" on stdout after each evaluation

      EXAMPLES:
        precond-bench synthetic-results --db /tmp/demo.sqlite
        precond-bench baseline save demo --db /tmp/demo.sqlite
        precond-bench synthetic-results --db /tmp/demo.sqlite --scenario regression
        precond-bench check --baseline demo --db /tmp/demo.sqlite     # exits 2

      EXIT CODES: 0 ok, 64 usage error, 65 malformed database.
      """,
    valueOptions: ["--db", "--suite", "--scenario", "--seeds", "--evaluations", "--delay-ms"],
    flags: ["--progress"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(0...0, spec.usage)
    let scenarioText = arguments.value("--scenario") ?? "baseline"
    guard let scenario = SyntheticResults.Scenario(rawValue: scenarioText) else {
      let valid = SyntheticResults.Scenario.allCases.map { $0.rawValue }.joined(separator: ", ")
      throw CommandFailure.usage(
        "\(arguments.command): unknown --scenario '\(scenarioText)' (valid: \(valid))")
    }
    let seeds = try arguments.integer("--seeds", atLeast: 1) ?? 3
    let synthetic = SyntheticResults(
      suiteName: arguments.value("--suite") ?? "synthetic", scenario: scenario,
      seeds: Array(0..<seeds),
      evaluations: try arguments.integer("--evaluations", atLeast: 1) ?? 8, startedAt: .now())
    let delay = try arguments.integer("--delay-ms", atLeast: 0) ?? 0
    let progress = arguments.flag("--progress")
    let store = try ResultsSupport.openStore(arguments, create: true)
    var count = 0
    try ResultsSupport.mapped {
      try synthetic.write(to: store) { cell, evaluation in
        count += 1
        if progress {
          Console.out("recorded \(cell.preconditioning) seed \(cell.seed) step \(evaluation.step)")
        }
        if delay > 0 { usleep(useconds_t(delay * 1000)) }
      }
    }
    Console.error(
      "wrote \(synthetic.cells.count) synthetic runs (\(count) evaluations) of suite '\(synthetic.suiteName)' to \(store.path)"
    )
    return .ok
  }
}
