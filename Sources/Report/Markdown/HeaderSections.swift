import Harness

/// The title and the run counts.
enum HeaderSection {
  static func render(_ context: ReportContext) -> String {
    let suite = context.results.suite
    var counts: [RunStatus: Int] = [:]
    for result in context.runs { counts[result.run.status, default: 0] += 1 }
    let statusText = RunStatus.allCases.compactMap { status -> String? in
      guard let count = counts[status], count > 0 else { return nil }
      return "\(count) \(status.rawValue)"
    }.joined(separator: ", ")
    let superseded = context.results.runs.count - context.runs.count
    var lines = [
      "# PrecondBench report: \(Cell.code(suite.name))",
      "",
      "Suite spec hash \(Cell.code(String(suite.specHash.prefix(16)))) · reference preconditioning "
        + "\(Cell.code(suite.referencePreconditioning)) · \(context.runs.count) runs"
        + (statusText.isEmpty ? "" : " (\(statusText))") + ".",
    ]
    if superseded > 0 {
      lines += [
        "",
        "The database holds \(superseded) more run(s) of these cells (re-runs or interrupted attempts); "
          + "each cell is represented by its latest finished run.",
      ]
    }
    return lines.joined(separator: "\n")
  }
}

/// Machine, commit, dates and toolchain of the runs.
enum EnvironmentSection {
  static func render(_ context: ReportContext) -> String {
    guard !context.runs.isEmpty else { return "## Environment\n\nNo runs recorded." }
    var machines: [String: (MachineFingerprint, Int)] = [:]
    var commits: [String: (CommitInfo, Int)] = [:]
    for result in context.runs {
      machines[result.run.machine.id, default: (result.run.machine, 0)].1 += 1
      commits[result.run.commit.shortDescription, default: (result.run.commit, 0)].1 += 1
    }
    let starts = context.runs.map { $0.run.startedAt }
    let finishes = context.runs.compactMap { $0.run.finishedAt }
    var table = MarkdownTable(["", ""])
    for id in machines.keys.sorted() {
      guard let (machine, count) = machines[id] else { continue }
      table.add(["Machine \(Cell.code(id))", "\(machine.summary) (\(count) runs)"])
    }
    for key in commits.keys.sorted() {
      guard let (commit, count) = commits[key] else { continue }
      table.add(["Commit", "\(Cell.code(key)), committed \(commit.date) (\(count) runs)"])
    }
    let first = starts.min().map { $0.description } ?? "—"
    let last = (finishes + starts).max().map { $0.description } ?? "—"
    table.add(["Runs", "started \(first), last activity \(last) (UTC)"])
    let toolchains = Set(
      context.runs.map {
        "Swift \($0.run.machine.swiftVersion), \($0.run.machine.buildConfiguration) build"
      })
    table.add(["Toolchain", toolchains.sorted().joined(separator: "; ")])
    if machines.count > 1 {
      return "## Environment\n\n" + table.text
        + "\n\nThe runs come from more than one machine: wall-clock figures mix machines."
    }
    return "## Environment\n\n" + table.text
  }
}

/// What the numbers are not: proxies, substitutions and reconstructions, stated up front.
enum CaveatSection {
  static func render(_ context: ReportContext) -> String {
    let metrics = Set(QualitySummary.metricKeys(context.runs).map { $0.name })
    var notes: [String] = []
    if context.results.suite.specJSON.contains("\"synthetic\":true") {
      notes.append(
        "- **Synthetic results.** These numbers were made by `precond-bench synthetic-results` from formulas, "
          + "not by training: they exercise the report, not the methods.")
    }
    var proxies: [String] = []
    if metrics.contains("fd-pixels") {
      proxies.append("`fd-pixels` (Fréchet distance on raw pixels)")
    }
    if metrics.contains("fd-randconv") {
      proxies.append(
        "`fd-randconv` (Fréchet distance on the features of a fixed, seeded random convolutional network)"
      )
    }
    if !proxies.isEmpty {
      notes.append(
        "- **Not FID.** " + proxies.joined(separator: " and ")
          + (proxies.count > 1 ? " are" : " is")
          + " a proxy for FID, which is the same distance on Inception-v3 features: the Inception weights cannot be "
          + "shipped with PrecondBench. A proxy ranks models, but its values are not comparable with published FIDs"
          + " (`fd-external` is the distance on features or statistics you supply, e.g. from pytorch-fid)."
      )
    }
    if context.results.suite.specJSON.contains("\"fd-effnet\"") {
      if metrics.contains(where: { $0.hasPrefix("fd-effnet") }) {
        notes.append(
          "- **`fd-effnet`** is the Fréchet distance on EfficientNet-Lite0 ImageNet features (1280, pooled; computed in "
            + "Swift at the final evaluation only): trained features, but not Inception's, so not FID.")
      } else {
        notes.append(
          "- **`fd-effnet` was requested but not measured**: `.precond-bench/features/effnet-lite0.npz` was absent when "
            + "the runs ended (convert it with `bash Scripts/prepare-features`, then run the suite again).")
      }
    }
    if context.results.suite.specJSON.contains("\"fd-inception\"") {
      if metrics.contains("fid") {
        notes.append(
          "- **`fid`** is FID proper: the Fréchet distance on the pool3 features of pytorch-fid's Inception-v3 with its "
            + "standard weights (SHA-256 checked), computed in Swift at the final evaluation.")
      } else if metrics.contains(where: { $0.hasPrefix("fd-inception") }) {
        notes.append(
          "- **`fd-inception`** uses pytorch-fid's Inception-v3 network with weights that are not its standard file, "
            + "so it is not called FID.")
      } else {
        notes.append(
          "- **`fd-inception` was requested but not measured**: `.precond-bench/features/inception.npz` was absent when "
            + "the runs ended (`bash Scripts/prepare-features --inception pt_inception-2015-12-05-6726825d.pth`).")
      }
    }
    notes.append(
      "- **MSE, not LPIPS.** The distillation distance `d` is the mean squared error; the papers use LPIPS, which "
        + "needs ImageNet-trained weights that are not available here.")
    if context.preconditionings.contains(where: { $0.hasPrefix("analytic") }) {
      notes.append(
        "- **Analytic-Precond is a reconstruction.** The paper has no public code; `analytic`, `analytic-backward` "
          + "and `analytic-l` are reconstructed from its public description (docs/math.md section 5) and reported under "
          + "their own names. `analytic-backward` is our reading of the paper's \"backward form\".")
    }
    return "## Read this first\n\n" + notes.joined(separator: "\n")
  }
}

/// Runs that did not complete.
enum IncompleteRunsSection {
  static func render(_ context: ReportContext) -> String {
    let incomplete = context.runs.filter { $0.run.status != .completed }
    guard !incomplete.isEmpty else { return "" }
    var table = MarkdownTable(["Arm", "Seed", "Status", "Step", "Message"], numeric: [1, 3])
    for result in incomplete {
      table.add([
        result.run.cell.arm.description, String(result.run.cell.seed), result.run.status.rawValue,
        result.run.statusStep.map { String($0) } ?? "—", result.run.statusMessage ?? "",
      ])
    }
    return
      "## Runs that did not complete\n\nDiverged and failed runs count as never reaching any target; "
      + "running and interrupted ones are left out of time-to-target figures until they finish.\n\n"
      + table.text
  }
}
