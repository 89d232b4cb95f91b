import Foundation
import Harness
import Report
import Storage

/// `precond-bench report [SUITE] [--db PATH] [--out DIR|-] [--baseline NAME|PATH]`: Markdown and
/// SVG figures from the database.
enum ReportCommand: Subcommand {
  static let spec = CommandSpec(
    name: "report",
    summary: "Render a suite's results as Markdown with SVG figures (Reports/SUITE.md).",
    usage: """
      USAGE: precond-bench report [SUITE] [--db PATH] [--out DIR|-] [--baseline NAME|PATH]
                                  [--resamples N] [--no-figures]

      Renders the environment, speed-ups to each quality target (median steps and wall time with
      95% bootstrap intervals per preconditioning against the suite's reference), final quality
      per NFE, the consistency-gap and coefficient tables and the latest baseline comparison, with
      SVG figures beside the Markdown (quality vs step with the seed band, gap vs jump length,
      A and B vs s). Re-rendering the same database gives byte-identical files.

      SUITE defaults to the only suite in the database.

      OPTIONS:
        \(ResultsSupport.databaseOptionHelp)
        --out DIR       directory for SUITE.md and its figures (default: Reports); '-' prints the
                        Markdown to stdout and writes no figures
        --baseline B    compare with baseline B (a stored name, Baselines/B.json or a path) instead
                        of showing the latest recorded comparison
        --resamples N   bootstrap resamples per interval (default 10000)
        --no-figures    no SVG files and no figure links

      EXAMPLES:
        precond-bench report smoke
        precond-bench report smoke --out - | less
        precond-bench report toy --db shards/merged.sqlite --out /tmp/toy-report

      EXIT CODES: 0 ok, 5 baseline not found, 64 usage error, 65 missing or malformed database or
      baseline file.
      """,
    valueOptions: ["--db", "--out", "--baseline", "--resamples"], flags: ["--no-figures"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(0...1, spec.usage)
    let resamples = try arguments.integer("--resamples", atLeast: 1) ?? 10_000
    let out = arguments.value("--out") ?? "Reports"
    let databasePath = ResultsSupport.databasePath(arguments)
    let store = try ResultsSupport.openStore(path: databasePath)
    let results = try ResultsSupport.suiteResults(
      store, name: arguments.positionals.first, command: arguments.command)
    var comparison: ComparisonRecord? = nil
    if let reference = arguments.value("--baseline") {
      let (baseline, _) = try ResultsSupport.baseline(reference, databasePath: databasePath)
      // Dated by the runs, not the clock, so that rendering twice gives the same bytes.
      let latest = results.runs.flatMap {
        [$0.run.startedAt] + ($0.run.finishedAt.map { [$0] } ?? [])
      }.max()
      comparison = Comparison.compare(
        candidate: results, baseline: baseline, created: latest ?? Timestamp(secondsSinceEpoch: 0))
    } else {
      comparison = try ResultsSupport.mapped {
        try store.latestComparison(suite: results.suite.name)
      }
    }
    let toStdout = out == "-"
    let options = ReportOptions(
      resamples: resamples, figures: !toStdout && !arguments.flag("--no-figures"))
    let files = ReportRenderer.render(results, comparison: comparison, options: options)
    if toStdout {
      FileHandle.standardOutput.write(Data((files.first?.contents ?? "").utf8))
      return .ok
    }
    for file in files {
      try ResultsSupport.write(
        file.contents, to: URL(fileURLWithPath: out).appendingPathComponent(file.name).path)
    }
    Console.error("wrote \(out)/\(files.first?.name ?? "") and \(files.count - 1) figure(s)")
    return .ok
  }
}
