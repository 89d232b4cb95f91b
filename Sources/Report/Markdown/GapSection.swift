import Foundation
import Harness

/// The consistency-gap table and the gap-vs-jump-length figure.
enum GapSection {
  /// Median over seeds of the gap and jump error of `arm` at each (t, s), in recorded order.
  static func rows(for arm: Arm, in runs: [RunResult]) -> [(
    t: Double, s: Double, gap: SeedSummary?, jumpError: SeedSummary?
  )] {
    let armRuns = runs.filter { $0.run.cell.arm == arm && !$0.gaps.isEmpty }
    guard let first = armRuns.first else { return [] }
    return first.gaps.map { row in
      let matching = armRuns.compactMap { result in
        result.gaps.first { $0.t == row.t && $0.s == row.s }
      }
      return (
        t: row.t, s: row.s, gap: SeedSummary(matching.map { $0.gap }),
        jumpError: SeedSummary(matching.map { $0.jumpError })
      )
    }
  }

  static func render(_ context: ReportContext) -> (String, [ReportFile]) {
    var lines: [String] = []
    var figures: [ReportFile] = []
    for setting in context.settings {
      let runs = context.runs(in: setting)
      let arms = context.ordered(
        Array(Set(runs.filter { !$0.gaps.isEmpty }.map { $0.run.cell.arm })))
      guard !arms.isEmpty else { continue }
      let perArm = arms.map { (arm: $0, rows: rows(for: $0, in: runs)) }
      // Every (t, s) any arm has, in first-seen order.
      var points: [(Double, Double)] = []
      for entry in perArm {
        for row in entry.rows where !points.contains(where: { $0 == (row.t, row.s) }) {
          points.append((row.t, row.s))
        }
      }
      var header = ["t", "s", "ln(t/s)"]
      for arm in arms {
        header += [
          "\(Cell.code(arm.preconditioning)) gap", "\(Cell.code(arm.preconditioning)) jump error",
        ]
      }
      var table = MarkdownTable(header, numeric: Set(0..<header.count))
      for (t, s) in points {
        var row = [Cell.number(t), Cell.number(s), Cell.number(log(t / s))]
        for entry in perArm {
          let match = entry.rows.first { $0.t == t && $0.s == s }
          row += [Cell.number(match?.gap?.median), Cell.number(match?.jumpError?.median)]
        }
        table.add(row)
      }
      lines.append("\n### \(setting)\n\n" + table.text)
      guard context.options.figures else { continue }
      let name = context.figureName(["gap", setting.dataset, setting.teacher, setting.method])
      var series: [PlotSeries] = []
      for entry in perArm {
        let color = context.color(entry.arm.preconditioning)
        let starts = Array(Set(entry.rows.map { $0.t })).sorted()
        for (index, t) in starts.enumerated() {
          let sorted = entry.rows.filter { $0.t == t }.sorted {
            log($0.t / $0.s) < log($1.t / $1.s)
          }
          series.append(
            PlotSeries(
              label: index == 0 ? entry.arm.preconditioning : nil, color: color,
              points: sorted.map { (x: log($0.t / $0.s), y: $0.gap?.median ?? .nan) }, markers: true
            ))
        }
      }
      figures.append(
        ReportFile(
          name: name,
          contents: LinePlot(
            title: "Consistency gap vs jump length — \(setting)", xLabel: "jump length ln(t/s)",
            yLabel: "consistency gap (per dimension)", series: series, xLogarithmic: false,
            yLogarithmic: nil,
            note: "One line per start time t; median over seeds. docs/math.md section 6."
          ).render()))
      lines.append("\n![Consistency gap vs jump length, \(setting)](\(name))")
    }
    guard !lines.isEmpty else { return ("", []) }
    let intro = [
      "## Consistency gap",
      "",
      "Gap: `E|D*(x_t) - D_phi(x_t, t)|^2 / d` between the teacher denoiser and the optimal student denoiser of "
        + "each preconditioning; jump error: `E|f_init(x_t) - Phi_{t->s}(x_t)|^2 / d` of the jumper whose network "
        + "reproduces the teacher (docs/math.md section 6). A gap can be small only because B is large; the jump error "
        + "shows what training sees. Median over seeds.",
    ]
    return ((intro + lines).joined(separator: "\n"), figures)
  }
}
