/// Deterministic serialisation: sorted keys, shortest round-trip numbers, two-space indentation.
extension JSONValue {
  /// The value as JSON text. `pretty` puts one member per line with two-space indentation
  /// (reviewable in a diff) and ends the text with a newline; otherwise the text is compact.
  ///
  /// Finite numbers use Swift's shortest representation that reads back to the same `Double`
  /// (`0.1`, `1e-05`, `2.0`); non-finite ones become the strings `"inf"`, `"-inf"`, `"nan"`.
  public func serialized(pretty: Bool = true) -> String {
    var output = ""
    write(to: &output, indent: pretty ? 0 : nil)
    if pretty { output += "\n" }
    return output
  }

  /// Formats a finite or non-finite `Double` the way `serialized` does, without quotes.
  public static func numberText(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    return value.description
  }

  func write(to output: inout String, indent: Int?) {
    switch self {
    case .null: output += "null"
    case .bool(let value): output += value ? "true" : "false"
    case .integer(let value): output += String(value)
    case .number(let value):
      if value.isFinite {
        output += value.description
      } else {
        JSONValue.writeString(JSONValue.numberText(value), to: &output)
      }
    case .string(let value): JSONValue.writeString(value, to: &output)
    case .array(let elements):
      guard !elements.isEmpty else {
        output += "[]"
        return
      }
      output += "["
      for (index, element) in elements.enumerated() {
        if index > 0 { output += "," }
        JSONValue.newline(&output, indent.map { $0 + 1 })
        element.write(to: &output, indent: indent.map { $0 + 1 })
      }
      JSONValue.newline(&output, indent)
      output += "]"
    case .object(let members):
      guard !members.isEmpty else {
        output += "{}"
        return
      }
      output += "{"
      // Byte order, not String's Unicode order, so the result matches `sort` in other tools.
      let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
      for (index, key) in keys.enumerated() {
        if index > 0 { output += "," }
        JSONValue.newline(&output, indent.map { $0 + 1 })
        JSONValue.writeString(key, to: &output)
        output += indent == nil ? ":" : ": "
        members[key, default: .null].write(to: &output, indent: indent.map { $0 + 1 })
      }
      JSONValue.newline(&output, indent)
      output += "}"
    }
  }

  static func newline(_ output: inout String, _ indent: Int?) {
    guard let indent else { return }
    output += "\n"
    output += String(repeating: "  ", count: indent)
  }

  static func writeString(_ value: String, to output: inout String) {
    output += "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      case "\u{08}": output += "\\b"
      case "\u{0C}": output += "\\f"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          output.unicodeScalars.append(scalar)
        }
      }
    }
    output += "\""
  }
}
