/// One series of a line plot.
struct PlotSeries {
  /// The legend entry (`nil`: not in the legend).
  var label: String?
  /// The stroke and fill colour.
  var color: String
  /// The line's points (non-finite coordinates are skipped, breaking the line).
  var points: [(x: Double, y: Double)]
  /// A band drawn under the line (seed range): (x, low, high).
  var band: [(x: Double, low: Double, high: Double)] = []
  /// Whether to draw a marker at each point.
  var markers: Bool = false
  /// Points to ring in red (flagged coefficients).
  var highlighted: [(x: Double, y: Double)] = []
  /// Dashed line.
  var dashed: Bool = false
}

/// A line plot with axes, ticks, units, legend and optional bands, rendered to SVG text.
struct LinePlot {
  var title: String
  var xLabel: String
  var yLabel: String
  var series: [PlotSeries]
  /// `nil`: automatic (log when positive and spanning more than 100x).
  var xLogarithmic: Bool? = false
  var yLogarithmic: Bool? = nil
  /// A line of small print under the plot.
  var note: String? = nil

  static let width = 760.0
  static let height = 440.0
  static let left = 80.0
  static let right = 560.0
  static let top = 50.0
  static let bottom = 370.0

  func render() -> String {
    var svg = SVGDocument(width: Self.width, height: Self.height)
    let xs = series.flatMap { $0.points.map { $0.x } + $0.band.map { $0.x } }
    let ys = series.flatMap { $0.points.map { $0.y } + $0.band.flatMap { [$0.low, $0.high] } }
    let xScale = PlotScale.fit(xs, logarithmic: xLogarithmic)
    let yScale = PlotScale.fit(ys, logarithmic: yLogarithmic)
    func px(_ x: Double) -> Double? { xScale.position(x, from: Self.left, to: Self.right) }
    func py(_ y: Double) -> Double? { yScale.position(y, from: Self.bottom, to: Self.top) }

    svg.text(title, x: Self.left, y: 28, size: 14, weight: "bold")
    // Grid and ticks.
    for tick in yScale.ticks {
      guard let y = py(tick) else { continue }
      svg.line(x1: Self.left, y1: y, x2: Self.right, y2: y, stroke: "#e5e5e5")
      svg.line(x1: Self.left - 5, y1: y, x2: Self.left, y2: y, stroke: "#333333")
      svg.text(yScale.label(tick), x: Self.left - 8, y: y + 4, size: 10, anchor: "end")
    }
    for tick in xScale.ticks {
      guard let x = px(tick) else { continue }
      svg.line(x1: x, y1: Self.top, x2: x, y2: Self.bottom, stroke: "#e5e5e5")
      svg.line(x1: x, y1: Self.bottom, x2: x, y2: Self.bottom + 5, stroke: "#333333")
      svg.text(xScale.label(tick), x: x, y: Self.bottom + 18, size: 10, anchor: "middle")
    }
    svg.line(x1: Self.left, y1: Self.bottom, x2: Self.right, y2: Self.bottom, stroke: "#333333")
    svg.line(x1: Self.left, y1: Self.top, x2: Self.left, y2: Self.bottom, stroke: "#333333")
    svg.text(
      xLabel + (xScale.logarithmic ? " (log scale)" : ""), x: (Self.left + Self.right) / 2,
      y: Self.bottom + 40,
      size: 12, anchor: "middle")
    svg.text(
      yLabel + (yScale.logarithmic ? " (log scale)" : ""), x: 22, y: (Self.top + Self.bottom) / 2,
      size: 12,
      anchor: "middle", rotate: -90)

    if xs.allSatisfy({ !$0.isFinite }) || ys.allSatisfy({ !$0.isFinite }) {
      svg.text(
        "no data", x: (Self.left + Self.right) / 2, y: (Self.top + Self.bottom) / 2, size: 14,
        anchor: "middle")
    }
    for item in series {
      // Band: the upper edge left to right, then the lower edge back.
      let upper = item.band.compactMap { point -> (Double, Double)? in
        guard let x = px(point.x), let y = py(point.high) else { return nil }
        return (x, y)
      }
      let lower = item.band.reversed().compactMap { point -> (Double, Double)? in
        guard let x = px(point.x), let y = py(point.low) else { return nil }
        return (x, y)
      }
      if upper.count >= 2 && lower.count >= 2 {
        svg.polygon(upper + lower, fill: item.color, opacity: 0.15)
      }
      // Lines break at points that cannot be shown.
      var segment: [(Double, Double)] = []
      for point in item.points {
        if let x = px(point.x), let y = py(point.y) {
          segment.append((x, y))
        } else {
          svg.polyline(segment, stroke: item.color, dash: item.dashed ? "6 3" : nil)
          segment = []
        }
      }
      svg.polyline(segment, stroke: item.color, dash: item.dashed ? "6 3" : nil)
      if item.markers {
        for point in item.points {
          if let x = px(point.x), let y = py(point.y) {
            svg.circle(x: x, y: y, radius: 3, fill: item.color)
          }
        }
      }
      for point in item.highlighted {
        if let x = px(point.x), let y = py(point.y) {
          svg.circle(x: x, y: y, radius: 6, fill: "none", stroke: "#d62728")
        }
      }
    }
    // Legend.
    var legendY = Self.top + 6
    for item in series {
      guard let label = item.label else { continue }
      svg.line(
        x1: Self.right + 20, y1: legendY, x2: Self.right + 44, y2: legendY, stroke: item.color,
        width: 2.5,
        dash: item.dashed ? "6 3" : nil)
      svg.text(label, x: Self.right + 50, y: legendY + 4, size: 11)
      legendY += 18
    }
    if series.contains(where: { !$0.band.isEmpty }) {
      svg.rectangle(x: Self.right + 20, y: legendY - 6, width: 24, height: 12, fill: "#888888")
      svg.text("seed range (min–max)", x: Self.right + 50, y: legendY + 4, size: 11)
      legendY += 18
    }
    if series.contains(where: { !$0.highlighted.isEmpty }) {
      svg.circle(x: Self.right + 32, y: legendY, radius: 6, fill: "none", stroke: "#d62728")
      svg.text("flagged: |B| > 10x CTM's", x: Self.right + 50, y: legendY + 4, size: 11)
      legendY += 18
    }
    if let note { svg.text(note, x: Self.left, y: Self.height - 12, size: 10) }
    return svg.text
  }
}

/// A fixed colour per preconditioning (by name), so a preconditioning has one colour across
/// every figure of every report.
enum Palette {
  static let known: [String: String] = [
    "edm": "#1b9e77", "ctm": "#d95f02", "analytic": "#7570b3", "analytic-backward": "#e7298a",
    "analytic-l": "#66a61e",
  ]
  static let others = ["#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b15928"]

  static func color(_ preconditioning: String, among all: [String]) -> String {
    if let color = known[preconditioning] { return color }
    let unknown = all.filter { known[$0] == nil }.sorted()
    let index = unknown.firstIndex(of: preconditioning) ?? 0
    return others[index % others.count]
  }
}
