import Foundation
import Harness
import Storage

/// `precond-bench metric import RUN --name NAME --nfe K --value X --source TEXT`: records a
/// metric computed outside (e.g. FID of the samples `precond-bench samples` wrote) with one
/// evaluation of a run, as an external metric (docs/schema.md, `external_metrics`).
enum MetricImportCommand: Subcommand {
  static let nfeRange = SamplesCommand.nfeRange
  static let sourceLimit = 1000

  static let spec = CommandSpec(
    name: "metric import",
    summary: "Record a metric computed outside (e.g. FID of exported samples) for a run's evaluation.",
    usage: """
      USAGE: precond-bench metric import RUN --name NAME --nfe K --value X --source TEXT
                                         [--step STEP] [--db PATH]

      Records NAME (NFE K) = X for the final evaluation of run RUN (or its evaluation at STEP) as
      an external metric: `export` lists it (JSON: externalMetrics of the run; CSV: a row whose
      source column says "external: TEXT"), and it never enters comparisons, baselines or
      targets. Importing the same run, step, name and NFE again replaces the value.

      RUN is a run id (see `precond-bench export`) or a cell label
      problem/method/preconditioning/seedN (the cell's latest completed run).

      OPTIONS:
        --name NAME      1 to 64 letters, digits, '.', '_' or '-', e.g. fid
        --nfe K          the NFE the samples were drawn with, \(nfeRange.lowerBound)...\(nfeRange.upperBound)
        --value X        a finite number
        --source TEXT    how it was computed (tool, version, reference statistics, sample count),
                         1 to \(sourceLimit) characters
        --step STEP      an evaluated step of the run (default: its last evaluation)
        \(ResultsSupport.databaseOptionHelp)

      EXIT CODES: 0 ok; 64 usage (bounds, a malformed name); 65 missing or malformed input (no
      such database, run or cell, no evaluation at STEP).

      EXAMPLES:
        precond-bench samples 7 --nfe 2 --count 50000 --out fid-samples/
        python -m pytorch_fid fid-samples/ cifar10-stats.npz      # prints FID:  12.34
        precond-bench metric import 7 --name fid --nfe 2 --value 12.34 \\
            --source "pytorch-fid 0.3.0, 50000 samples vs cifar10-stats.npz"
      """,
    valueOptions: ["--db", "--name", "--nfe", "--value", "--source", "--step"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...1, spec.usage)
    let command = arguments.command
    let name = try arguments.required("--name")
    guard ExternalMetric.isValidName(name) else {
      throw CommandFailure.usage("\(command): --name must be 1 to 64 letters, digits, '.', '_' or '-', got '\(name)'")
    }
    let nfe = try arguments.requiredInteger("--nfe", in: nfeRange)
    guard let value = try arguments.real("--value") else {
      throw CommandFailure.usage("\(command): missing required option --value")
    }
    let source = try arguments.required("--source").trimmingCharacters(in: .whitespacesAndNewlines)
    guard (1...sourceLimit).contains(source.count) else {
      throw CommandFailure.usage("\(command): --source must be 1 to \(sourceLimit) characters, got \(source.count)")
    }
    let requestedStep = try arguments.integer("--step", atLeast: 0)

    let store = try ResultsSupport.openStore(arguments)
    let result = try ResultsSupport.resolveRun(arguments.positionals[0], store: store, command: command)
    let run = result.run
    let label = ResultsSupport.label(run.cell)
    let steps = result.evaluations.map(\.step)
    guard let last = steps.last else {
      throw CommandFailure.malformed("run \(run.id) (\(label)) has no evaluation to attach a metric to")
    }
    let step = requestedStep ?? last
    guard steps.contains(step) else {
      let listed = steps.count > 12 ? steps.prefix(6).map(String.init) + ["..."] + steps.suffix(6).map(String.init) : steps.map(String.init)
      throw CommandFailure.malformed(
        "run \(run.id) (\(label)) has no evaluation at step \(step) (evaluated steps: \(listed.joined(separator: ", ")))")
    }
    let metric = ExternalMetric(step: step, name: name, nfe: nfe, value: value, source: source, recordedAt: .now())
    let replaced = try ResultsSupport.mapped { try store.recordExternalMetric(metric, run: run.id) }
    Console.out("run \(run.id) (\(label), suite \(run.cell.suite)), step \(step): external \(name) (NFE \(nfe)) = "
      + "\(value)\(replaced ? ", replacing the value imported before" : "") [\(source)]")
    return .ok
  }
}
