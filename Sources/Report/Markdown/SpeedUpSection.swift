import Harness
import Metrics

/// Steps and wall time to each target, per preconditioning against the reference.
enum SpeedUpSection {
  static func render(_ context: ReportContext, entries: [SpeedUpEntry]) -> (String, [ReportFile]) {
    let suite = context.results.suite
    var lines = ["## Speed-up to quality targets"]
    guard !suite.rules.isEmpty else {
      lines.append("\nThe suite defines no quality targets.")
      return (lines.joined(separator: "\n"), [])
    }
    let level = Int((context.options.level * 100).rounded())
    lines.append(
      """

      Speed-up = median over seeds of the reference's steps to the target / the same median for the \
      preconditioning (above 1: faster than \(Cell.code(suite.referencePreconditioning))), docs/math.md section 6. \
      Steps are the first evaluated training step that reaches the target; the target was crossed after \
      the evaluation before it, and *Resolution* is that spacing as a fraction of the step (median over the \
      seeds that reached it; 100% when the first evaluation already reached it). A run that never reaches a target (or diverged) counts as infinitely many steps. \
      Intervals: \(level)% percentile bootstrap over seeds, \(context.options.resamples) resamples. Wall and CPU \
      time are training time with evaluations excluded; CPU time counts every thread of the process and is \
      less sensitive than wall time to other processes on the machine. A run with Analytic-Precond statistics \
      is also charged, in both, the whole one-off wall time of estimating them (computed once per teacher and \
      shared by every seed and arm, so this is the worst case for the analytic arms).
      """)
    if let load = LoadSummary.of(context.results.selectedRuns()) {
      let range = "\(Cell.number(load.lowest))-\(Cell.number(load.highest))"
      lines.append(
        load.changed
          ? "\n**Load changed during the suite** (1-minute load average \(range) on \(load.cores) cores, "
            + "\(load.readings) readings): time-based speed-ups compare arms measured under different load; "
            + "prefer steps, then CPU time."
          : "\nLoad during the suite: 1-minute load average \(range) on \(load.cores) cores (\(load.readings) readings).")
    }
    var tables: [String] = []
    for setting in context.settings {
      let settingEntries = entries.filter { $0.setting == setting }
      guard !settingEntries.isEmpty else {
        tables.append(
          "\n### \(setting)\n\nNo speed-up: this setting has no \(Cell.code(suite.referencePreconditioning)) runs."
        )
        continue
      }
      for resolved in context.results.resolvedTargets(for: setting) {
        guard let target = resolved.target else {
          tables.append("\n### \(setting): \(resolved.rule)\n\nNot resolved: \(resolved.explanation).")
          continue
        }
        let order = context.ordered(settingEntries.map { $0.candidate.arm })
        let rows = settingEntries.filter { $0.target == target }.sorted { a, b in
          (order.firstIndex(of: a.candidate.arm) ?? 0)
            < (order.firstIndex(of: b.candidate.arm) ?? 0)
        }
        guard !rows.isEmpty else { continue }
        var table = MarkdownTable(
          [
            "Preconditioning", "Seeds reached", "Median steps [\(level)% CI]",
            "Speed-up, steps [\(level)% CI]",
            "Median wall s [\(level)% CI]", "Speed-up, wall [\(level)% CI]",
            "Median CPU s [\(level)% CI]", "Speed-up, CPU [\(level)% CI]", "Resolution",
          ], numeric: [1, 2, 3, 4, 5, 6, 7, 8])
        var pendingNotes: [String] = []
        for entry in rows {
          let candidate = entry.candidate
          let isReference = candidate.arm.preconditioning == suite.referencePreconditioning
          table.add([
            context.label(candidate.arm.preconditioning),
            "\(candidate.reached)/\(candidate.steps.count)",
            Cell.interval(candidate.medianSteps, steps: true),
            isReference ? "1" : Cell.interval(entry.stepsSpeedUp),
            Cell.interval(candidate.medianWallSeconds),
            isReference
              ? "1"
              : Cell.interval(entry.wallSpeedUp)
                + (entry.wallTimeOnOneMachine ? "" : " (mixed machines)"),
            Cell.interval(candidate.medianCPUSeconds),
            isReference
              ? "1"
              : Cell.interval(entry.cpuSpeedUp)
                + (entry.wallTimeOnOneMachine ? "" : " (mixed machines)"),
            resolution(candidate.relativeSpacings),
          ])
          if candidate.pending > 0 {
            pendingNotes.append(
              "\(candidate.pending) run(s) of \(Cell.code(candidate.arm.preconditioning))")
          }
        }
        let basis = target.rule == nil ? "" : "Target resolved from its rule: \(resolved.explanation).\n\n"
        tables.append("\n### \(setting): \(target)\n\n" + basis + table.text)
        if !pendingNotes.isEmpty {
          tables.append(
            "\nNot counted yet (unfinished and not reached): "
              + pendingNotes.joined(separator: ", ") + ".")
        }
      }
    }
    if !tables.isEmpty {
      lines.append("\n" + fold(tables.joined(separator: "\n"), summary: "Per-target tables: steps, wall and CPU seconds, speed-ups and resolution"))
    }
    return (lines.joined(separator: "\n"), [])
  }

  /// The evaluation spacing just before the reaching step, as a fraction of that step: the median
  /// and largest over the seeds that reached the target (`±10%` means the step is known to 10%).
  static func resolution(_ spacings: [Double]) -> String {
    guard let largest = spacings.max() else { return "-" }
    let median = OrderStatistics.median(spacings)
    func percent(_ x: Double) -> String { "\(Int((100 * x).rounded()))%" }
    return median == largest ? percent(median) : "\(percent(median)) (max \(percent(largest)))"
  }
}
