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
        var header = ["t", "s", "A", "B"]
        if hasAnalytic { header += ["alpha", "beta", "l_t", "s(lambda_t)"] }
        header.append("Ill-conditioned")
        var table = MarkdownTable(header, numeric: Set(0..<(header.count - 1)))
        for row in rows {
          var cells = [
            Cell.number(row.t), Cell.number(row.s), Cell.number(row.a), Cell.number(row.b),
          ]
          if hasAnalytic {
            cells += [
              Cell.number(row.alpha), Cell.number(row.beta), Cell.number(row.l),
              Cell.number(row.sStatistic),
            ]
          }
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
        if let cost = SeedSummary(seconds) {
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
    let intro = [
      "## Coefficients",
      "",
      "Every jumper is `f = A(t, s) x_t + B(t, s) F(...)` (docs/math.md section 3). A jump is flagged as ill-conditioned "
        + "when its |B| exceeds 10x CTM's |B| at the same (t, s) (docs/math.md section 5).",
    ]
    return ((intro + lines).joined(separator: "\n"), figures)
  }
}
