import Harness

/// Steps and wall time to each target, per preconditioning against the reference.
enum SpeedUpSection {
  static func render(_ context: ReportContext) -> (String, [ReportFile]) {
    let suite = context.results.suite
    var lines = ["## Speed-up to quality targets"]
    guard !suite.targets.isEmpty else {
      lines.append("\nThe suite defines no quality targets.")
      return (lines.joined(separator: "\n"), [])
    }
    let level = Int((context.options.level * 100).rounded())
    lines.append(
      """

      Speed-up = median over seeds of the reference's steps to the target / the same median for the \
      preconditioning (above 1: faster than \(Cell.code(suite.referencePreconditioning))), math.md section 6. \
      Steps are the first evaluated training step that reaches the target, so they are multiples of the \
      evaluation interval. A run that never reaches a target (or diverged) counts as infinitely many steps. \
      Intervals: \(level)% percentile bootstrap over seeds, \(context.options.resamples) resamples. Wall time \
      is training time with evaluations excluded; a run with Analytic-Precond statistics is also charged the \
      whole one-off cost of estimating them (computed once per teacher and shared by every seed and arm, so \
      this is the worst case for the analytic arms).
      """)
    let entries = SpeedUp.table(
      context.results, level: context.options.level, resamples: context.options.resamples)
    for setting in context.settings {
      let settingEntries = entries.filter { $0.setting == setting }
      guard !settingEntries.isEmpty else {
        lines.append(
          "\n### \(setting)\n\nNo speed-up: this setting has no \(Cell.code(suite.referencePreconditioning)) runs."
        )
        continue
      }
      for target in suite.targets {
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
          ], numeric: [1, 2, 3, 4, 5])
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
          ])
          if candidate.pending > 0 {
            pendingNotes.append(
              "\(candidate.pending) run(s) of \(Cell.code(candidate.arm.preconditioning))")
          }
        }
        lines.append("\n### \(setting): \(target)\n\n" + table.text)
        if !pendingNotes.isEmpty {
          lines.append(
            "\nNot counted yet (unfinished and not reached): "
              + pendingNotes.joined(separator: ", ") + ".")
        }
      }
    }
    lines.append(summary(entries, context: context))
    return (lines.joined(separator: "\n"), [])
  }

  /// Which preconditionings are faster, slower or not distinguishable from the reference, by
  /// their interval on steps: every case is listed, whichever way it goes.
  static func summary(_ entries: [SpeedUpEntry], context: ReportContext) -> String {
    let reference = context.results.suite.referencePreconditioning
    var faster: [String] = []
    var slower: [String] = []
    var unclear: [String] = []
    for entry in entries where entry.candidate.arm.preconditioning != reference {
      guard let interval = entry.stepsSpeedUp, !interval.estimate.isNaN else { continue }
      let text =
        "\(Cell.code(entry.candidate.arm.preconditioning)) on \(entry.target) (\(entry.setting), "
        + "\(Cell.number(interval.estimate)))"
      if interval.lower > 1 {
        faster.append(text)
      } else if interval.upper < 1 {
        slower.append(text)
      } else {
        unclear.append(text)
      }
    }
    guard !(faster.isEmpty && slower.isEmpty && unclear.isEmpty) else { return "" }
    func line(_ title: String, _ items: [String]) -> String {
      "- \(title): " + (items.isEmpty ? "none" : items.joined(separator: "; ")) + "."
    }
    let level = Int((context.options.level * 100).rounded())
    return "\n**Summary, steps to target** (by the \(level)% interval of the speed-up against "
      + "\(Cell.code(reference))):\n\n"
      + [
        line("Faster than the reference (interval above 1)", faster),
        line("Slower than the reference (interval below 1)", slower),
        line("Not distinguishable from the reference (interval contains 1)", unclear),
      ].joined(separator: "\n")
  }
}
