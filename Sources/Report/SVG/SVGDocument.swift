import Harness

/// A hand-written SVG document: elements appended in order, attributes in the order given,
/// numbers with fixed decimals, text escaped. The same calls give the same bytes.
struct SVGDocument {
  let width: Double
  let height: Double
  private(set) var body: [String] = []

  init(width: Double, height: Double) {
    self.width = width
    self.height = height
  }

  /// A coordinate or length with two decimals.
  static func number(_ value: Double) -> String {
    DisplayNumber.fixed(value, decimals: 2)
  }

  /// Escapes text for XML content and attribute values.
  static func escape(_ text: String) -> String {
    var escaped = ""
    for character in text {
      switch character {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      case "'": escaped += "&apos;"
      default: escaped.append(character)
      }
    }
    return escaped
  }

  /// Appends an element `<name a="v" ...>content</name>` (self-closing without content).
  mutating func element(_ name: String, _ attributes: [(String, String)], content: String? = nil) {
    let attributeText = attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined()
    if let content {
      body.append("<\(name)\(attributeText)>\(Self.escape(content))</\(name)>")
    } else {
      body.append("<\(name)\(attributeText)/>")
    }
  }

  /// A straight line.
  mutating func line(
    x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
    dash: String? = nil
  ) {
    var attributes = [
      ("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)),
      ("y2", Self.number(y2)),
      ("stroke", stroke), ("stroke-width", Self.number(width)),
    ]
    if let dash { attributes.append(("stroke-dasharray", dash)) }
    element("line", attributes)
  }

  /// A polyline through `points`.
  mutating func polyline(
    _ points: [(Double, Double)], stroke: String, width: Double = 1.5, dash: String? = nil
  ) {
    guard !points.isEmpty else { return }
    var attributes = [
      ("points", points.map { Self.number($0.0) + "," + Self.number($0.1) }.joined(separator: " ")),
      ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.number(width)),
    ]
    if let dash { attributes.append(("stroke-dasharray", dash)) }
    element("polyline", attributes)
  }

  /// A filled polygon (a seed band).
  mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
    guard points.count >= 3 else { return }
    element(
      "polygon",
      [
        (
          "points",
          points.map { Self.number($0.0) + "," + Self.number($0.1) }.joined(separator: " ")
        ),
        ("fill", fill), ("fill-opacity", Self.number(opacity)), ("stroke", "none"),
      ])
  }

  /// A circle marker.
  mutating func circle(x: Double, y: Double, radius: Double, fill: String, stroke: String? = nil) {
    var attributes = [
      ("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(radius)), ("fill", fill),
    ]
    if let stroke { attributes.append(("stroke", stroke)) }
    element("circle", attributes)
  }

  /// A rectangle.
  mutating func rectangle(
    x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil
  ) {
    var attributes = [
      ("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(width)),
      ("height", Self.number(height)), ("fill", fill),
    ]
    if let stroke { attributes.append(("stroke", stroke)) }
    element("rect", attributes)
  }

  /// Text at (x, y); `anchor` is start, middle or end; `rotate` turns it about its anchor.
  mutating func text(
    _ content: String, x: Double, y: Double, size: Double = 11, anchor: String = "start",
    rotate: Double? = nil,
    weight: String? = nil
  ) {
    var attributes = [
      ("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)),
      ("text-anchor", anchor),
    ]
    if let rotate {
      attributes.append(
        ("transform", "rotate(\(Self.number(rotate)) \(Self.number(x)) \(Self.number(y)))"))
    }
    if let weight { attributes.append(("font-weight", weight)) }
    element("text", attributes, content: content)
  }

  /// The document's text.
  var text: String {
    var lines = [
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" "
        + "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" font-family=\"sans-serif\">",
      "<rect x=\"0\" y=\"0\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"white\"/>",
    ]
    lines += body
    lines.append("</svg>")
    return lines.joined(separator: "\n") + "\n"
  }
}
