import Harness
import Metrics

/// A GitHub-flavoured Markdown table.
struct MarkdownTable {
  let header: [String]
  /// Right-align columns holding numbers.
  let numeric: Set<Int>
  private(set) var rows: [[String]] = []

  init(_ header: [String], numeric: Set<Int> = []) {
    self.header = header
    self.numeric = numeric
  }

  mutating func add(_ row: [String]) {
    precondition(
      row.count == header.count, "MarkdownTable: \(row.count) cells for \(header.count) columns")
    rows.append(row)
  }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
  }

  var text: String {
    var lines = ["| " + header.map { Self.escape($0) }.joined(separator: " | ") + " |"]
    lines.append("|" + header.indices.map { numeric.contains($0) ? " ---: |" : " --- |" }.joined())
    for row in rows {
      lines.append("| " + row.map { Self.escape($0) }.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n")
  }
}

/// Number formatting shared by the report's tables.
enum Cell {
  /// Four significant digits, `inf` for infinity, `—` for absent values.
  static func number(_ value: Double?) -> String {
    guard let value else { return "—" }
    return DisplayNumber.format(value)
  }

  /// A step count: an integer, or `never` when infinite.
  static func steps(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "—" : "never" }
    return String(Int(value))
  }

  /// `estimate [lower, upper]`.
  static func interval(_ interval: ConfidenceInterval?, steps: Bool = false) -> String {
    guard let interval else { return "—" }
    func format(_ value: Double) -> String { steps ? Cell.steps(value) : Cell.number(value) }
    if interval.estimate.isNaN { return "undefined (neither side reached it)" }
    if interval.lower.isNaN || interval.upper.isNaN { return format(interval.estimate) }
    return "\(format(interval.estimate)) [\(format(interval.lower)), \(format(interval.upper))]"
  }

  /// `median (min–max)`.
  static func summary(_ summary: SeedSummary?) -> String {
    guard let summary else { return "—" }
    if summary.count == 1 || summary.minimum == summary.maximum { return number(summary.median) }
    return "\(number(summary.median)) (\(number(summary.minimum))–\(number(summary.maximum)))"
  }

  /// A name in code font.
  static func code(_ text: String) -> String { "`\(text)`" }
}
