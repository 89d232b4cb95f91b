import Harness
import Storage

/// `precond-bench baseline save NAME [SUITE]`: a baseline from the suite's latest runs.
enum BaselineSaveCommand: Subcommand {
  static let spec = CommandSpec(
    name: "baseline save",
    summary: "Store a baseline made from a suite's latest runs in the database.",
    usage: """
      USAGE: precond-bench baseline save NAME [SUITE] [--db PATH] [--replace]

      Makes baseline NAME from the suite's latest run of every cell: per arm (spec hash) and seed,
      the final metrics and loss, the steps to each target and the timings with their machine.
      Every run must have finished (completed, diverged or failed). Then `baseline export NAME`
      writes Baselines/NAME.json for review and commit.

      SUITE defaults to the only suite in the database.

      OPTIONS:
        \(ResultsSupport.databaseOptionHelp)
        --replace     overwrite an existing baseline of that name

      EXAMPLES:
        precond-bench baseline save smoke && precond-bench baseline export smoke

      EXIT CODES: 0 ok, 3 a run has not finished, 64 usage error (or the name exists without
      --replace), 65 missing or malformed database.
      """,
    valueOptions: ["--db"], flags: ["--replace"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...2, spec.usage)
    let name = arguments.positionals[0]
    guard !name.isEmpty, !name.contains("/") else {
      throw CommandFailure.usage(
        "\(arguments.command): NAME must be non-empty and contain no '/', got '\(name)'")
    }
    let store = try ResultsSupport.openStore(arguments)
    let results = try ResultsSupport.suiteResults(
      store, name: arguments.positionals.count > 1 ? arguments.positionals[1] : nil,
      command: arguments.command)
    let unfinished = results.selectedRuns().filter { !$0.run.status.isFinished }
    guard unfinished.isEmpty else {
      let list = unfinished.prefix(5).map {
        "\($0.run.cell.arm) seed \($0.run.cell.seed) (\($0.run.status.rawValue))"
      }
      throw CommandFailure(
        code: .benchmarkFailed,
        message: "\(unfinished.count) run(s) of suite '\(results.suite.name)' have not finished: "
          + list.joined(separator: "; ")
          + ". Finish them (`precond-bench run \(results.suite.name) --resume`) first")
    }
    let baseline = BaselineBuilder.make(name: name, created: .now(), results: results)
    let replaced = try ResultsSupport.mapped {
      try store.saveBaseline(baseline, replacing: arguments.flag("--replace"))
    }
    Console.out(
      "\(replaced ? "replaced" : "saved") baseline '\(name)': suite \(results.suite.name), "
        + "\(Set(baseline.cells.map { $0.arm }).count) arms, \(baseline.cells.reduce(0) { $0 + $1.seeds.count }) cells, "
        + "commit \(baseline.sourceCommit.shortDescription)")
    return .ok
  }
}
