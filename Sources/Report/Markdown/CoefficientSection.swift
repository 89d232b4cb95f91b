import Distillation
import Harness

/// Coefficient tables (flagged ill-conditioned jumps marked) and the A and B vs s figures.
enum CoefficientSection {
  static func render(_ context: ReportContext) -> (String, [ReportFile]) {
    var lines: [String] = []
    var figures: [ReportFile] = []
    for setting in context.settings {
      let runs = context.runs(in: setting).filter { !$0.coefficients.isEmpty }
      let arms = context.ordered(Array(Set(runs.map { $0.run.cell.arm })))
      guard !arms.isEmpty else { continue }
      var representatives: [(arm: Arm, run: RunResult)] = []
      for arm in arms {
        // Coefficients come from the teacher's statistics; the lowest seed's are shown.
        guard
          let run = runs.filter({ $0.run.cell.arm == arm }).min(by: {
            $0.run.cell.seed < $1.run.cell.seed
          })
        else { continue }
        representatives.append((arm, run))
        let rows = run.coefficients
        let hasAnalytic = rows.contains {
          $0.alpha != nil || $0.beta != nil || $0.l != nil || $0.sStatistic != nil
        }
        let hasErrors = rows.contains { $0.bError != nil }
        var header = ["t", "s", "A", "B"]
        if hasErrors { header += ["se(A)", "se(B)"] }
        if hasAnalytic { header += ["alpha", "beta", "l_t", "s(lambda_t)"] }
        if hasErrors { header += ["se(l_t)", "se(s)"] }
        header.append("Ill-conditioned")
        var table = MarkdownTable(header, numeric: Set(0..<(header.count - 1)))
        for row in rows {
          var cells = [
            Cell.number(row.t), Cell.number(row.s), Cell.number(row.a), Cell.number(row.b),
          ]
          if hasErrors { cells += [Cell.number(row.aError), Cell.number(row.bError)] }
          if hasAnalytic {
            cells += [
              Cell.number(row.alpha), Cell.number(row.beta), Cell.number(row.l),
              Cell.number(row.sStatistic),
            ]
          }
          if hasErrors { cells += [Cell.number(row.lError), Cell.number(row.sStatisticError)] }
          cells.append(row.flagged ? "**flagged**" : "")
          table.add(cells)
        }
        let flagged = rows.filter { $0.flagged }.count
        let seconds = runs.filter { $0.run.cell.arm == arm }.compactMap {
          $0.run.coefficientSeconds
        }
        var caption = "From seed \(run.run.cell.seed)."
        if flagged > 0 {
          caption +=
            " \(flagged) of \(rows.count) jumps flagged: |B| more than 10x CTM's |B| at the same (t, s)."
        }
        let armRuns = runs.filter { $0.run.cell.arm == arm }
        if let statistics = run.run.statistics {
          caption += " " + statisticsCaption(statistics, seconds: run.run.coefficientSeconds, runs: armRuns)
        } else if let cost = SeedSummary(seconds) {
          caption += " Computing them took \(Cell.summary(cost)) s per run."
        }
        lines.append(
          "\n### \(setting) / \(Cell.code(arm.preconditioning))\n\n" + caption + "\n\n" + table.text
        )
      }
      guard context.options.figures else { continue }
      // A and B against s for the largest start time t present.
      let largestT = representatives.flatMap { $0.run.coefficients.map { $0.t } }.max()
      guard let largestT else { continue }
      var links: [String] = []
      for (symbol, value) in [
        ("A", { (row: CoefficientRow) in row.a }), ("B", { (row: CoefficientRow) in row.b }),
      ] {
        let series = representatives.map { entry -> PlotSeries in
          let rows = entry.run.coefficients.filter { $0.t == largestT }.sorted { $0.s < $1.s }
          return PlotSeries(
            label: entry.arm.preconditioning, color: context.color(entry.arm.preconditioning),
            points: rows.map { (x: $0.s, y: value($0)) }, markers: true,
            highlighted: rows.filter { $0.flagged }.map { (x: $0.s, y: value($0)) })
        }
        let name = context.figureName([
          "coefficient", symbol, setting.dataset, setting.teacher, setting.method,
        ])
        figures.append(
          ReportFile(
            name: name,
            contents: LinePlot(
              title: "\(symbol)(t, s) vs s at t = \(Cell.number(largestT)) — \(setting)",
              xLabel: "end time s",
              yLabel: "\(symbol)(t, s)", series: series, xLogarithmic: nil, yLogarithmic: nil,
              note: "f = A(t,s) x_t + B(t,s) F (docs/math.md section 3)."
            ).render()))
        links.append("![\(symbol) vs s, \(setting)](\(name))")
      }
      lines.append("\n" + links.joined(separator: "\n"))
    }
    guard !lines.isEmpty else { return ("", []) }
    let unconverged = context.settings.flatMap { setting in
      context.ordered(Array(Set(context.runs(in: setting).filter { $0.run.statistics?.converged == false }.map { $0.run.cell.arm })))
    }
    if !unconverged.isEmpty {
      lines.insert(
        "\n**Coefficients that did not converge:** "
          + unconverged.map { "\($0.setting) / \(Cell.code($0.preconditioning))" }.joined(separator: "; ")
          + ". Their statistics missed the suite's tolerance on B's relative standard error, so those runs failed.", at: 0)
    }
    let intro = [
      "## Coefficients",
      "",
      "Every jumper is `f = A(t, s) x_t + B(t, s) F(...)` (docs/math.md section 3). A jump is flagged as ill-conditioned "
        + "when its |B| exceeds 10x CTM's |B| at the same (t, s) (docs/math.md section 5). Standard errors (se) come from "
        + "a 32-group jackknife over the statistics' samples (and Hutchinson probes): A and B are recomputed on each "
        + "replicate of the l and s curves. The statistics are estimated once per teacher and shared by every seed.",
    ]
    return ((intro + lines).joined(separator: "\n"), figures)
  }

  /// What the shared statistics took, and that cost as a percentage of one run's training time.
  static func statisticsCaption(_ statistics: StatisticsCost, seconds: Double?, runs: [RunResult]) -> String {
    var parts: [String] = []
    let probes = statistics.probesPerSample == 0 ? "exact traces" : "\(statistics.probesPerSample) Hutchinson probe(s) per sample"
    parts.append(
      "Statistics: \(statistics.samplesPerPoint) samples per point, \(probes), \(statistics.rounds) round(s)"
        + (seconds.map { ", \(Cell.number($0)) s once per teacher" } ?? "")
        + (statistics.cpuSeconds.map { " (\(Cell.number($0)) CPU-s)" } ?? "") + ".")
    let training = runs.compactMap { $0.evaluations.last?.trainingWallSeconds }.filter { $0 > 0 }
    if let seconds, let median = training.isEmpty ? nil : training.sorted()[training.count / 2] {
      parts.append("That is \(Cell.number(100 * seconds / median))% of one run's training time (median over seeds).")
    }
    if let error = statistics.maxRelativeErrorB {
      parts.append("Largest relative standard error of B over the grid's jumps: \(Cell.number(100 * error))%.")
    }
    if let tolerance = statistics.tolerance {
      parts.append(statistics.converged == true
        ? "Converged (tolerance \(Cell.number(100 * tolerance))%)."
        : "**Did not converge** (tolerance \(Cell.number(100 * tolerance))%; worst: \(statistics.worstJump.map { "\($0)" } ?? "unknown"))."
      )
    }
    return parts.joined(separator: " ")
  }
}
