import Harness

/// The Markdown of a comparison with a baseline: a status line, the verdict table (regressions
/// first) and the lists of failures, changed spec hashes and missing arms. Used by `compare`,
/// `check` (and its GitHub step summary) and the report.
public enum ComparisonMarkdown {
  /// The comparison as Markdown; `heading` is the level-2 title (`nil`: none).
  public static func render(
    _ comparison: ComparisonRecord, heading: String? = "Baseline comparison"
  ) -> String {
    var lines: [String] = []
    if let heading { lines += ["## \(heading)", ""] }
    let policy = comparison.policy
    lines.append(
      "Candidate \(Cell.code(comparison.candidateCommit.shortDescription)) against baseline "
        + "\(Cell.code(comparison.baseline)) (suite \(Cell.code(comparison.suite))), compared \(comparison.created)."
    )
    lines.append("")
    lines.append("**Status: \(statusText(comparison.status))**. " + countsText(comparison))
    lines.append("")
    lines.append(
      "Deterministic quantities (final metrics, loss, steps to targets) gate; wall-clock times are shown and "
        + "compared only when both sides ran on one machine, and never gate. Within "
        + "\(DisplayNumber.format(policy.absoluteTolerance)) + \(DisplayNumber.format(policy.relativeTolerance * 100))% "
        + "of the baseline median (\(DisplayNumber.format(policy.timingRelativeTolerance * 100))% for timings) is "
        + "unchanged; beyond it, with at least \(policy.minimumSeeds) seeds per side, a two-sided Mann-Whitney U test "
        + "at level \(DisplayNumber.format(policy.significanceLevel)) decides.")
    if !comparison.failures.isEmpty {
      var table = MarkdownTable(
        ["Arm", "Seed", "Status", "Step", "Same in baseline", "Message"], numeric: [1, 3])
      for failure in comparison.failures {
        table.add([
          failure.arm.description, String(failure.seed), failure.status.rawValue,
          failure.step.map { String($0) } ?? "—",
          failure.matchesBaseline ? "yes (known)" : "**no (new)**",
          failure.message ?? "",
        ])
      }
      lines += ["", "### Runs that did not complete", "", table.text]
    }
    if !comparison.mismatches.isEmpty {
      var table = MarkdownTable(
        ["Arm", "Seed", "Baseline spec hash", "Candidate spec hash"], numeric: [1])
      for mismatch in comparison.mismatches {
        table.add([
          mismatch.arm.description, String(mismatch.seed),
          Cell.code(String(mismatch.baselineSpecHash.prefix(16))),
          Cell.code(String(mismatch.candidateSpecHash.prefix(16))),
        ])
      }
      lines += [
        "", "### Not comparable: configuration changed", "",
        "These cells ran with a different configuration than the baseline's (different spec hash); their numbers "
          + "are not compared. Refresh the baseline if the change is intended.", "", table.text,
      ]
    }
    if !comparison.missingInCandidate.isEmpty {
      lines += [
        "",
        "Baseline arms the candidate did not run: "
          + comparison.missingInCandidate.map { $0.description }.joined(separator: "; ") + ".",
      ]
    }
    if !comparison.verdicts.isEmpty {
      var table = MarkdownTable(
        [
          "Outcome", "Arm", "Quantity", "Baseline median (seeds)", "Candidate median (seeds)",
          "Change", "Why",
        ],
        numeric: [3, 4, 5])
      let order: [VerdictOutcome: Int] = [
        .regression: 0, .improvement: 1, .unknown: 2, .unchanged: 3,
      ]
      let sorted = comparison.verdicts.enumerated().sorted { a, b in
        let (x, y) = (order[a.element.outcome] ?? 9, order[b.element.outcome] ?? 9)
        return x != y ? x < y : a.offset < b.offset
      }.map { $0.element }
      for verdict in sorted {
        table.add([
          outcomeText(verdict), verdict.arm.description, verdict.quantity.description,
          median(verdict.baselineMedian, verdict.baselineSeeds, verdict.quantity),
          median(verdict.candidateMedian, verdict.candidateSeeds, verdict.quantity),
          change(verdict), verdict.reason,
        ])
      }
      lines += ["", "### Verdicts", "", table.text]
    }
    return lines.joined(separator: "\n")
  }

  static func section(_ comparison: ComparisonRecord?) -> String {
    guard let comparison else {
      return "## Baseline comparison\n\nNo comparison recorded for this suite. Run "
        + "`precond-bench compare --baseline NAME` (or `check`) to add one."
    }
    return render(comparison)
  }

  /// Words for a status.
  public static func statusText(_ status: ComparisonStatus) -> String {
    switch status {
    case .ok: return "ok"
    case .regression: return "regression"
    case .benchmarkFailed: return "a benchmark failed"
    case .improvementOnly: return "improvement only (the baseline is stale)"
    case .notComparable: return "not comparable"
    }
  }

  static func countsText(_ comparison: ComparisonRecord) -> String {
    let gating = VerdictOutcome.allCases.map { "\(comparison.count($0)) \($0.rawValue)" }.joined(
      separator: ", ")
    let timing = comparison.verdicts.filter { !$0.gating }
    let timingText = VerdictOutcome.allCases.compactMap { outcome -> String? in
      let count = timing.filter { $0.outcome == outcome }.count
      return count > 0 ? "\(count) \(outcome.rawValue)" : nil
    }.joined(separator: ", ")
    return "Gating verdicts: \(gating)." + (timingText.isEmpty ? "" : " Timings: \(timingText).")
  }

  static func outcomeText(_ verdict: Verdict) -> String {
    let text: String
    switch verdict.outcome {
    case .regression: text = "**regression**"
    case .improvement: text = "**improvement**"
    case .unchanged: text = "unchanged"
    case .unknown: text = "unknown"
    }
    return verdict.gating ? text : text + " (timing)"
  }

  static func median(_ value: Double?, _ seeds: Int, _ quantity: ComparedQuantity) -> String {
    guard let value else { return "—" }
    let text: String
    switch quantity {
    case .stepsToTarget: text = Cell.steps(value)
    case .finalMetric, .finalLoss, .trainingWallSeconds, .wallSecondsToTarget:
      text = value == .infinity ? "never" : Cell.number(value)
    }
    return "\(text) (\(seeds))"
  }

  static func change(_ verdict: Verdict) -> String {
    guard let baseline = verdict.baselineMedian, let candidate = verdict.candidateMedian else {
      return "—"
    }
    if baseline == candidate { return "0%" }
    guard baseline.isFinite, candidate.isFinite, baseline != 0 else { return "—" }
    let percent = (candidate / baseline - 1) * 100
    return (percent > 0 ? "+" : "") + DisplayNumber.format(percent, digits: 3) + "%"
  }
}
