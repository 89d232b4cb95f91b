import Foundation
import Harness
import Storage
import TensorCore

/// `precond-bench run`: trains and evaluates every cell of a suite into the results database.
enum RunCommand: Subcommand {
  static let spec = CommandSpec(
    name: "run", summary: "Run a benchmark suite (default: smoke) into the results database.",
    usage: """
      USAGE: precond-bench run [SUITE|PATH] [--db PATH] [--threads N] [--shard I/N] [--resume] [--quiet]

      Runs every cell (problem x method x preconditioning x seed) of the suite: prepares data and
      teachers (network teachers are trained once and cached), estimates Analytic-Precond statistics,
      trains from the pre-registered seeds, evaluates every `evaluation.every` steps with the training
      clock paused, and records everything in SQLite, one transaction per evaluation. A run whose loss
      or weights become non-finite is recorded as diverged. Results are bit-identical for any --threads.

      OPTIONS:
        SUITE          a name in Benchmarks/Suites (default smoke) or a path to a suite file
        \(ResultsSupport.databaseOptionHelp)
        --shard I/N    run only shard I of N: whole blocks (a seed with every arm) whose index is I-1 modulo N,
                 so each shard keeps the arms interleaved (merge shard databases with `merge`)
        --resume       skip finished cells and continue interrupted ones from their last checkpoint
        --checkpoints DIR  cell checkpoints (default .precond-bench/checkpoints)
        --students DIR     where each completed run's student (its EMA weights) is kept, for
                           `precond-bench samples` (default .precond-bench/students)
        --quiet        no progress; one line per finished cell only

      SIGINT (Ctrl-C) or SIGTERM stops after the current training step: the run is checkpointed
      and recorded `interrupted` at that step, and the same command with --resume continues it
      with the numbers an uninterrupted run gives. A second signal stops at once.

      EXIT CODES: 0 every cell completed; 3 a cell diverged or failed; 64 usage; 65 malformed or
      missing input (suite file, dataset, database, an unwritable --db path); 130 stopped by
      SIGINT, 143 by SIGTERM (the database is consistent; resume with --resume).

      EXAMPLES:
        precond-bench run smoke --threads 2
        precond-bench run toy --shard 1/4 --db shard1.sqlite     (then: precond-bench merge shard*.sqlite --into all.sqlite)
      """,
    valueOptions: ["--db", "--shard", "--checkpoints", "--students"], flags: ["--resume", "--quiet"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(0...1, spec.usage)
    let suite = try SuiteCatalog.load(arguments.positionals.first ?? "smoke")
    var chosenShard = Shard.all
    if let text = arguments.value("--shard") {
      guard let parsed = Shard(parsing: text) else { throw CommandFailure.usage("--shard must be I/N with 1 <= I <= N, got '\(text)'") }
      chosenShard = parsed
    }
    let shard = chosenShard
    let path = ResultsSupport.databasePath(arguments)
    // Creates the database's directory too; an unusable path is exit 65 naming it.
    let store = try ResultsSupport.openStore(path: path, create: true)
    Interruption.install()
    if !store.recoveredRuns.isEmpty {
      Console.error("note: \(store.recoveredRuns.count) run(s) left running by a killed process are marked interrupted"
        + (arguments.flag("--resume") ? "; resuming them" : "; pass --resume to continue them"))
    }
    let quiet = arguments.flag("--quiet")
    let progress = ProgressLine(enabled: !quiet && Console.stderrIsTerminal)
    let cellCount = suite.cells.filter { shard.contains($0) }.count
    Console.error("\(suite.name): \(cellCount) cells\(shard.count > 1 ? " (shard \(shard))" : "") on \(ComputeThreads.count) thread(s) into \(path)")
    let options = RunOptions(checkpointDirectory: arguments.value("--checkpoints") ?? ".precond-bench/checkpoints",
      studentDirectory: arguments.value("--students") ?? StudentFile.defaultDirectory,
      resume: arguments.flag("--resume"), machine: MachineFingerprint.current(), commit: CommitInfo.current(),
      shouldStop: { Interruption.requested }) { event in
      switch event {
      case .preparing(let what, let step, let total, let loss):
        progress.update(String(format: "preparing %@: step %d/%d, loss %.4f", what, step, total, loss), fraction: Double(step) / Double(max(total, 1)))
      case .cellStarted(_, let position, _, _):
        if position == 0 { progress.reset() }
      case .trained(let cell, let step, let total, let loss):
        let position = Double(positionOf(cell, in: suite, shard: shard))
        progress.update(String(format: "[%d/%d] %@ step %d/%d loss %.4g", Int(position) + 1, cellCount, cell.label, step, total, loss),
          fraction: (position + Double(step) / Double(max(total, 1))) / Double(max(cellCount, 1)))
      case .evaluated:
        break
      case .cellFinished(let cell, let outcome, let seconds):
        progress.finish()
        let position = positionOf(cell, in: suite, shard: shard) + 1
        Console.error(String(format: "[%d/%d] %@: %@ (%.1f s training)", position, cellCount, cell.label, describe(outcome), seconds))
      }
    }
    let summary = try ResultsSupport.mapped { try SuiteRunner.run(suite, sink: store, shard: shard, options: options) }
    progress.finish()
    if let stop = summary.interrupted {
      let at = stop.cell.map { cell in "run \(cell) recorded interrupted at step \(stop.step ?? 0)" } ?? "stopped between cells"
      Console.out("\(suite.name): \(summary.completed) completed, \(summary.diverged) diverged, \(summary.failed) failed, "
        + "\(summary.skipped) already done before \(Interruption.signalName); results in \(path)")
      Console.error("interrupted by \(Interruption.signalName): \(at); everything recorded is kept. Continue with: "
        + resumeCommand(arguments))
      return Interruption.exitCode
    }
    Console.out("\(suite.name): \(summary.completed) completed, \(summary.diverged) diverged, \(summary.failed) failed, \(summary.skipped) already done; results in \(path)")
    for failure in summary.failures { Console.error("failed: " + failure) }
    return summary.failed > 0 || summary.diverged > 0 ? .benchmarkFailed : .ok
  }

  static func positionOf(_ cell: SuiteCell, in suite: SuiteSpecification, shard: Shard) -> Int {
    cell.index / shard.count
  }

  static func describe(_ outcome: CellOutcome) -> String {
    switch outcome {
    case .completed: return "completed"
    case .diverged(let step): return "DIVERGED at step \(step)"
    case .failed(let message): return "FAILED: \(message)"
    case .skipped(let status): return "skipped (already \(status.rawValue))"
    case .interrupted(let step): return "interrupted at step \(step)"
    }
  }

  /// The command line that continues this run: the same arguments with --resume.
  static func resumeCommand(_ arguments: ParsedArguments) -> String {
    var words = ["precond-bench", "run"] + arguments.positionals
    for (name, values) in arguments.options.sorted(by: { $0.key < $1.key }) {
      for value in values { words += [name, value] }
    }
    if ComputeThreads.count > 1 { words += ["--threads", "\(ComputeThreads.count)"] }
    words.append("--resume")
    if arguments.flag("--quiet") { words.append("--quiet") }
    return words.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
  }
}
