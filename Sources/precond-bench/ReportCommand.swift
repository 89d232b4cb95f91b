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
      A and B vs s). Re-rendering the same database gives byte-identical files; figures the
      previous SUITE.md linked to and the new one does not are removed (no other file is).

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
    let folder = URL(fileURLWithPath: out)
    // The figures the report written last time links to, read before it is replaced.
    let previous = files.first.flatMap {
      try? String(contentsOf: folder.appendingPathComponent($0.name), encoding: .utf8)
    }
    for file in files {
      try ResultsSupport.write(file.contents, to: folder.appendingPathComponent(file.name).path)
    }
    let stale = Self.staleFigures(previousMarkdown: previous ?? "", written: Set(files.map(\.name)))
    for name in stale {
      try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
    }
    Console.error(
      "wrote \(out)/\(files.first?.name ?? "") and \(files.count - 1) figure(s)"
        + (stale.isEmpty ? "" : "; removed \(stale.count) figure(s) the new report no longer links to"))
    return .ok
  }

  /// The `.svg` files a previous report's Markdown links to that the new report did not write:
  /// only figures that report named, so another report's figures in the same folder (say
  /// `fashion-mnist-study-*.svg` beside `fashion-mnist.md`) are never touched.
  static func staleFigures(previousMarkdown: String, written: Set<String>) -> [String] {
    var linked: [String] = []
    for line in previousMarkdown.split(separator: "\n") {
      var rest = line[...]
      while let open = rest.range(of: "]("), let close = rest[open.upperBound...].firstIndex(of: ")") {
        let target = String(rest[open.upperBound..<close])
        if target.hasSuffix(".svg") && !target.contains("/") && !linked.contains(target) { linked.append(target) }
        rest = rest[close...].dropFirst()
      }
    }
    return linked.filter { !written.contains($0) }
  }
}
