import CanonicalJSON
import Harness
import Metrics

/// The answer first (docs/harness.md, "Reports"): per setting, each preconditioning's speed-up
/// over the reference on each target in steps and in CPU time with their intervals, one sentence
/// per preconditioning saying what the intervals support, the suite's own description (its
/// caveat), and one headline figure. The detailed tables follow further down.
enum HeadlineSection {
  static func render(_ context: ReportContext, entries: [SpeedUpEntry]) -> String {
    let suite = context.results.suite
    let reference = suite.referencePreconditioning
    let level = Int((context.options.level * 100).rounded())
    var lines = ["## The answer"]
    if let description = suiteDescription(suite) {
      lines.append("\n> **Suite:** \(description)")
    }
    lines.append(
      """

      Speed-up over \(Cell.code(reference)) to each target: how many times fewer training steps \
      (and CPU seconds) a preconditioning needed to reach it, median over seeds, with the \(level)% \
      bootstrap interval (above 1: faster). `never`: most seeds did not reach it; `diverged`: every \
      seed diverged; `not reached by either`: neither arm reached it. CPU time includes the one-off \
      Analytic-Precond statistics for the analytic arms.
      """)
    guard !suite.rules.isEmpty else {
      lines.append("\nThe suite defines no quality targets, so there is no speed-up to report.")
      return lines.joined(separator: "\n")
    }
    for setting in context.settings {
      let settingEntries = entries.filter { $0.setting == setting }
      lines.append("\n### \(setting)")
      guard !settingEntries.isEmpty else {
        lines.append("\nNo \(Cell.code(reference)) runs in this setting: no speed-ups.")
        if let line = trainedFeatureLine(setting, context: context) { lines.append("\n" + line) }
        continue
      }
      let candidates = context.ordered(Array(Set(settingEntries.map { $0.candidate.arm })))
        .filter { $0.preconditioning != reference }
      let targets = orderedTargets(settingEntries)
      var table = MarkdownTable(
        ["Target", "\(Cell.code(reference)) steps"] + candidates.map { Cell.code($0.preconditioning) },
        numeric: Set(1..<(candidates.count + 2)))
      for target in targets {
        let referenceTimes = settingEntries.first { $0.target == target }?.reference
        var row = [target.description, Cell.interval(referenceTimes?.medianSteps, steps: true)]
        for arm in candidates {
          guard let entry = settingEntries.first(where: { $0.target == target && $0.candidate.arm == arm }) else {
            row.append("—")
            continue
          }
          let diverged = allDiverged(arm, context: context)
          row.append(
            "steps \(speedUp(entry.stepsSpeedUp, diverged: diverged, reference: reference))<br>"
              + "CPU \(speedUp(entry.cpuSpeedUp, diverged: diverged, reference: reference))")
        }
        table.add(row)
      }
      lines.append("\n" + table.text)
      let unresolved = context.results.resolvedTargets(for: setting).filter { $0.target == nil }
      if !unresolved.isEmpty {
        lines.append(
          "\nNot resolved yet: " + unresolved.map { "\($0.rule) (\($0.explanation))" }.joined(separator: "; ") + ".")
      }
      lines.append("")
      for arm in candidates {
        lines.append("- " + sentence(arm, entries: settingEntries.filter { $0.candidate.arm == arm }, reference: reference))
      }
      if let line = trainedFeatureLine(setting, context: context) { lines.append(line) }
      if context.options.figures, let key = headlineKey(setting, context: context) {
        let name = context.figureName(["quality", setting.dataset, setting.teacher, setting.method, key.name, "nfe\(key.nfe)"])
        lines.append("\n![\(key) vs training step, \(setting): median over seeds with the seed range](\(name))")
      }
    }
    return lines.joined(separator: "\n")
  }

  /// `1.8x [1.2, 2.5]`, `never`, `diverged`, `not reached by either`, or `only this arm reached
  /// it` when the reference never did.
  static func speedUp(_ interval: ConfidenceInterval?, diverged: Bool, reference: String) -> String {
    if diverged { return "diverged" }
    guard let interval else { return "—" }
    if interval.estimate.isNaN { return "not reached by either" }
    if interval.estimate == 0 { return "never" }
    if interval.estimate.isInfinite { return "reached; \(Cell.code(reference)) never" }
    func format(_ x: Double) -> String {
      if x.isNaN { return "?" }
      if x.isInfinite { return "∞" }
      return x == 0 ? "0" : DisplayNumber.factor(x)
    }
    return "\(format(interval.estimate))x [\(format(interval.lower)), \(format(interval.upper))]"
  }

  /// "`analytic`: faster than `ctm` on 3 of 8 targets (1.5x-2.0x in steps); slower on 1 (0.5x);
  /// not distinguishable on 4. In CPU time: faster on 2, slower on 1." by the steps intervals
  /// (lower bound above 1: faster; upper bound below 1: slower).
  static func sentence(_ arm: Arm, entries: [SpeedUpEntry], reference: String) -> String {
    func classify(_ pick: (SpeedUpEntry) -> ConfidenceInterval?) -> (faster: [Double], slower: [Double], unclear: Int, undefined: Int) {
      var faster: [Double] = [], slower: [Double] = []
      var unclear = 0, undefined = 0
      for entry in entries {
        guard let interval = pick(entry), !interval.estimate.isNaN else {
          undefined += 1
          continue
        }
        if interval.lower > 1 {
          faster.append(interval.estimate)
        } else if interval.upper < 1 {
          slower.append(interval.estimate)
        } else {
          unclear += 1
        }
      }
      return (faster, slower, unclear, undefined)
    }
    func range(_ values: [Double]) -> String {
      guard let low = values.min(), let high = values.max() else { return "" }
      // A speed-up of 0: the arm never reached a target the reference reached (as in the tables).
      func f(_ x: Double) -> String { x.isInfinite ? "∞" : x == 0 ? "never" : DisplayNumber.factor(x) + "x" }
      return low == high ? " (\(f(low)))" : " (\(f(low))–\(f(high)))"
    }
    let steps = classify { $0.stepsSpeedUp }
    let cpu = classify { $0.cpuSpeedUp }
    let judged = entries.count - steps.undefined
    guard judged > 0 else {
      return "\(Cell.code(arm.preconditioning)): no target can be judged yet (\(steps.undefined) reached by neither arm, or not known until runs finish)."
    }
    var parts: [String] = []
    parts.append("faster than \(Cell.code(reference)) on \(steps.faster.count) of \(judged) targets\(range(steps.faster))")
    parts.append("slower on \(steps.slower.count)\(range(steps.slower))")
    parts.append("not distinguishable on \(steps.unclear)")
    var text = "\(Cell.code(arm.preconditioning)) (steps): " + parts.joined(separator: "; ") + "."
    if steps.undefined > 0 { text += " \(steps.undefined) target(s) reached by neither." }
    if steps.slower.isEmpty && !steps.faster.isEmpty { text += " Never slower." }
    text += " In CPU time: faster on \(cpu.faster.count), slower on \(cpu.slower.count), not distinguishable on \(cpu.unclear)."
    return text
  }

  /// Distances on trained features measured at the final evaluation (`fd-effnet`,
  /// `fd-inception`, `fid`; never targets, so absent from the table above), one line per setting,
  /// so that the first screen carries the closest thing to FID the suite has.
  static func trainedFeatureLine(_ setting: Setting, context: ReportContext) -> String? {
    let final = QualitySummary.finalQuality(context.runs(in: setting))
    let trained = ["fd-effnet", "fd-inception", "fid"]
    let keys = Array(Set(final.compactMap(\.metric).filter { key in
      trained.contains { key.name == $0 || key.name == $0 + "-full" }
    })).sorted()
    guard !keys.isEmpty else { return nil }
    let arms = context.ordered(Array(Set(final.map(\.arm))))
    let parts = keys.map { key in
      "\(key): " + arms.compactMap { arm in
        final.first { $0.arm == arm && $0.metric == key }.map { "\(Cell.code(arm.preconditioning)) \(Cell.summary($0.summary))" }
      }.joined(separator: ", ")
    }
    return "- Trained features at the final evaluation (every sample; median (min–max) over completed seeds; lower is "
      + "better; not a target): " + parts.joined(separator: "; ") + "."
  }

  /// The targets of `entries` in suite order (as resolved), without repeats.
  static func orderedTargets(_ entries: [SpeedUpEntry]) -> [QualityTarget] {
    var seen = Set<QualityTarget>()
    return entries.map(\.target).filter { seen.insert($0).inserted }
  }

  /// Whether every selected run of `arm` diverged (or failed).
  static func allDiverged(_ arm: Arm, context: ReportContext) -> Bool {
    let runs = context.runs.filter { $0.run.cell.arm == arm }
    return !runs.isEmpty && runs.allSatisfy { $0.run.status == .diverged || $0.run.status == .failed }
  }

  /// The metric of the headline figure: the first target's, else the first metric evaluated.
  static func headlineKey(_ setting: Setting, context: ReportContext) -> MetricKey? {
    let keys = QualitySummary.metricKeys(context.runs(in: setting))
    if let first = context.results.suite.rules.first?.key, keys.contains(first) { return first }
    return keys.first
  }

  /// The suite file's `description`, which states what the suite is for and its caveats.
  static func suiteDescription(_ suite: SuiteRecord) -> String? {
    guard let value = try? JSONValue.parse(suite.specJSON, file: "suite", remedy: ""),
      case .object(let members) = value, case .string(let text)? = members["description"]
    else { return nil }
    return text
  }
}
