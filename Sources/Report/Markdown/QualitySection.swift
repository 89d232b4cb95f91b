import Harness

/// Final quality per NFE and the quality-vs-step figures.
enum QualitySection {
  static func render(_ context: ReportContext) -> (String, [ReportFile]) {
    var lines = [
      "## Final quality",
      "",
      "Median (min–max) over completed seeds at the final evaluation; lower is better for every metric "
        + "here. `loss` is the training loss.",
    ]
    var figures: [ReportFile] = []
    for setting in context.settings {
      let runs = context.runs(in: setting)
      let keys = QualitySummary.metricKeys(runs)
      let final = QualitySummary.finalQuality(runs)
      var table = MarkdownTable(
        ["Preconditioning", "Seeds", "loss"] + keys.map { $0.description },
        numeric: Set(1..<(keys.count + 3)))
      let arms = context.ordered(Array(Set(runs.map { $0.run.cell.arm })))
      for arm in arms {
        let rows = final.filter { $0.arm == arm }
        let completed = rows.first { $0.metric == nil }?.summary.count ?? 0
        let total = runs.filter { $0.run.cell.arm == arm }.count
        var row = [
          context.label(arm.preconditioning), "\(completed)/\(total)",
          Cell.summary(rows.first { $0.metric == nil }?.summary),
        ]
        for key in keys { row.append(Cell.summary(rows.first { $0.metric == key }?.summary)) }
        table.add(row)
      }
      lines.append("\n### \(setting)\n\n" + table.text)
      guard context.options.figures else { continue }
      var links: [String] = []
      var finalOnly: [String] = []
      for key in keys {
        // A metric measured at one step only (the final evaluation's `-full` values, fd-effnet)
        // has no curve to draw: it is in the table above.
        let steps = Set(arms.flatMap { QualitySummary.curve(of: key, for: $0, in: runs).points.map(\.step) })
        guard steps.count >= 2 else {
          finalOnly.append("`\(key)`")
          continue
        }
        let name = context.figureName([
          "quality", setting.dataset, setting.teacher, setting.method, key.name, "nfe\(key.nfe)",
        ])
        figures.append(
          ReportFile(
            name: name,
            contents: figure(key, arms: arms, runs: runs, setting: setting, context: context)))
        links.append("![\(key) vs training step, \(setting)](\(name))")
      }
      if !finalOnly.isEmpty {
        lines.append("\nMeasured at the final evaluation only (no figure): " + finalOnly.joined(separator: ", ") + ".")
      }
      if !links.isEmpty { lines.append("\n" + links.joined(separator: "\n")) }
    }
    return (lines.joined(separator: "\n"), figures)
  }

  static func figure(
    _ key: MetricKey, arms: [Arm], runs: [RunResult], setting: Setting, context: ReportContext
  ) -> String {
    var series = arms.map { arm -> PlotSeries in
      let curve = QualitySummary.curve(of: key, for: arm, in: runs)
      return PlotSeries(
        label: arm.preconditioning, color: context.color(arm.preconditioning),
        points: curve.points.map { (x: Double($0.step), y: $0.summary.median) },
        band: curve.points.map {
          (x: Double($0.step), low: $0.summary.minimum, high: $0.summary.maximum)
        })
    }
    for target in context.results.targets(for: setting) where target.key == key {
      let steps = runs.flatMap { $0.evaluations.map { Double($0.step) } }
      guard let first = steps.min(), let last = steps.max() else { continue }
      series.append(
        PlotSeries(
          label:
            "target \(target.direction == .lowerIsBetter ? "<=" : ">=") \(Cell.number(target.threshold))",
          color: "#555555",
          points: [(x: first, y: target.threshold), (x: last, y: target.threshold)], dashed: true))
    }
    return LinePlot(
      title: "\(key) vs training step — \(setting)", xLabel: "training step",
      yLabel: "\(key) (median over seeds)",
      series: series, xLogarithmic: false, yLogarithmic: nil,
      note: key.isFIDProxy ? "\(key.name) is a proxy for FID, not FID (no Inception weights)." : nil
    ).render()
  }
}
