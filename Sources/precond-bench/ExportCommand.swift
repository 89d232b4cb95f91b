import CanonicalJSON
import Foundation
import Harness
import Storage

/// `precond-bench export [SUITE] [--format json|csv] [--without-timings]`: every run, for
/// machines and for determinism diffs.
enum ExportCommand: Subcommand {
  static let spec = CommandSpec(
    name: "export",
    summary: "Export every run of a suite (configuration, status, evaluations) as JSON or CSV.",
    usage: """
      USAGE: precond-bench export [SUITE] [--db PATH] [--format json|csv] [--without-timings]
                                  [--out PATH]

      Prints every run of the suite (all attempts, not only the latest) with its cell
      configuration, status and evaluations (and, in JSON, coefficients and gaps), ordered by
      dataset, teacher, method, preconditioning, seed and start. Metrics imported with
      `precond-bench metric import` are listed as external: in JSON under each run's
      externalMetrics, in CSV as rows whose source column is "external: TEXT" (the harness's
      own rows say "harness"). Keys are sorted and numbers are
      in shortest round-trip form.

      --without-timings drops everything that may differ between two runs of the same inputs
      (wall and CPU seconds, machine, commit, dates, process and run ids), so that two databases
      can be diffed for determinism:
        diff <(precond-bench export smoke --db a.sqlite --without-timings) \\
             <(precond-bench export smoke --db b.sqlite --without-timings)

      OPTIONS:
        \(ResultsSupport.databaseOptionHelp)
        --format F          json (default) or csv (one row per evaluation and metric, external
                            metrics included)
        --without-timings   see above
        --out PATH          write to PATH instead of stdout

      EXIT CODES: 0 ok, 64 usage error, 65 missing or malformed database.
      """,
    valueOptions: ["--db", "--format", "--out"], flags: ["--without-timings"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(0...1, spec.usage)
    let format = arguments.value("--format") ?? "json"
    guard format == "json" || format == "csv" else {
      throw CommandFailure.usage(
        "\(arguments.command): unknown --format '\(format)' (valid: csv, json)")
    }
    let store = try ResultsSupport.openStore(arguments)
    let results = try ResultsSupport.suiteResults(
      store, name: arguments.positionals.first, command: arguments.command)
    let timings = !arguments.flag("--without-timings")
    let text =
      format == "json"
      ? json(results, timings: timings).serialized() : csv(results, timings: timings)
    if let out = arguments.value("--out"), out != "-" {
      try ResultsSupport.write(text, to: out)
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
    return .ok
  }

  /// A stored JSON text as a value (kept as a string if it does not parse).
  static func embedded(_ text: String) -> JSONValue {
    (try? JSONValue.parse(text, file: "", remedy: "")) ?? .string(text)
  }

  static func json(_ results: SuiteResults, timings: Bool) -> JSONValue {
    let suite = results.suite
    let runs = results.runs.map { result -> JSONValue in
      let run = result.run
      let cell = run.cell
      var members: [String: JSONValue] = [
        "cell": .object([
          "dataset": .string(cell.dataset), "teacher": .string(cell.teacher),
          "method": .string(cell.method),
          "preconditioning": .string(cell.preconditioning), "seed": .int(cell.seed),
          "specHash": .string(cell.specHash), "configuration": embedded(cell.configuration),
        ]),
        "status": .string(run.status.rawValue), "statusStep": .optional(run.statusStep),
        "statusMessage": run.status == .interrupted && !timings
          ? .null : .optional(run.statusMessage),
        "evaluations": .array(
          result.evaluations.map { evaluation in
            var entry: [String: JSONValue] = [
              "step": .int(evaluation.step), "samplesSeen": .int(evaluation.samplesSeen),
              "loss": .number(evaluation.loss),
              "metrics": .array(evaluation.metrics.sortedByKey().map { $0.json }),
            ]
            if timings {
              entry["trainingWallSeconds"] = .number(evaluation.trainingWallSeconds)
              entry["trainingCPUSeconds"] = .number(evaluation.trainingCPUSeconds)
              entry["evaluationSeconds"] = .number(evaluation.evaluationSeconds)
              entry["loadAverage"] = .optional(evaluation.loadAverage)
            }
            return .object(entry)
          }),
        "coefficients": .array(
          result.coefficients.map { row in
            .object([
              "t": .number(row.t), "s": .number(row.s), "A": .number(row.a), "B": .number(row.b),
              "l": .optional(row.l),
              "sStatistic": .optional(row.sStatistic), "alpha": .optional(row.alpha),
              "beta": .optional(row.beta),
              "flagged": .bool(row.flagged),
              "seA": .optional(row.aError), "seB": .optional(row.bError), "seL": .optional(row.lError),
              "seSStatistic": .optional(row.sStatisticError),
            ])
          }),
        "externalMetrics": .array(
          result.externalMetrics.map { metric in
            var entry: [String: JSONValue] = [
              "step": .int(metric.step), "name": .string(metric.name), "nfe": .int(metric.nfe),
              "value": .number(metric.value), "source": .string(metric.source),
            ]
            if timings { entry["recordedAt"] = .string(metric.recordedAt.description) }
            return .object(entry)
          }),
        "gaps": .array(
          result.gaps.map { row in
            .object([
              "t": .number(row.t), "s": .number(row.s), "gap": .number(row.gap),
              "jumpError": .number(row.jumpError),
            ])
          }),
      ]
      if timings {
        members["run"] = .object([
          "id": .integer(run.id.rawValue), "uid": .string(run.uid),
          "startedAt": .string(run.startedAt.description),
          "finishedAt": .optional(run.finishedAt?.description),
          "processID": .int(Int(run.processID)),
          "host": .string(run.host), "coefficientSeconds": .optional(run.coefficientSeconds),
          "loadAtStart": .optional(run.loadAtStart),
          "machine": run.machine.json.merging(["id": .string(run.machine.id)]),
          "commit": run.commit.json,
        ])
      }
      return .object(members)
    }
    return .object([
      "suite": .object([
        "name": .string(suite.name), "specHash": .string(suite.specHash),
        "referencePreconditioning": .string(suite.referencePreconditioning),
        "targets": .array(suite.rules.map { $0.json }), "spec": embedded(suite.specJSON),
      ]),
      "runs": .array(runs),
    ])
  }

  /// RFC 4180 quoting.
  static func field(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return text
    }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  static func csv(_ results: SuiteResults, timings: Bool) -> String {
    var header = [
      "suite", "dataset", "teacher", "method", "preconditioning", "seed", "spec_hash", "status",
      "step",
      "samples_seen", "loss", "metric", "nfe", "value", "source",
    ]
    if timings {
      header += [
        "run_uid", "training_wall_seconds", "training_cpu_seconds", "evaluation_seconds", "machine",
        "commit",
      ]
    }
    var lines = [header.joined(separator: ",")]
    for result in results.runs {
      let run = result.run
      let cell = run.cell
      for evaluation in result.evaluations {
        // The harness's metrics, then the ones imported for this evaluation.
        let external = result.externalMetrics.filter { $0.step == evaluation.step }
          .map { (name: $0.name, nfe: $0.nfe, value: $0.value, source: "external: " + $0.source) }
        let harness = evaluation.metrics.sortedByKey()
          .map { (name: $0.name, nfe: $0.nfe, value: $0.value, source: "harness") }
        for metric in harness + external {
          var row = [
            cell.suite, cell.dataset, cell.teacher, cell.method, cell.preconditioning,
            String(cell.seed), cell.specHash,
            run.status.rawValue, String(evaluation.step), String(evaluation.samplesSeen),
            JSONValue.numberText(evaluation.loss), metric.name, String(metric.nfe),
            JSONValue.numberText(metric.value), metric.source,
          ]
          if timings {
            row += [
              run.uid, JSONValue.numberText(evaluation.trainingWallSeconds),
              JSONValue.numberText(evaluation.trainingCPUSeconds),
              JSONValue.numberText(evaluation.evaluationSeconds),
              run.machine.id, run.commit.shortDescription,
            ]
          }
          lines.append(row.map { field($0) }.joined(separator: ","))
        }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

extension JSONValue {
  /// An object with `extra` members added (objects only; other values are returned as they are).
  func merging(_ extra: [String: JSONValue]) -> JSONValue {
    guard case .object(var members) = self else { return self }
    for (key, value) in extra { members[key] = value }
    return .object(members)
  }
}
