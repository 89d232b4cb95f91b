/// The one JSON writer of PrecondBench: spec hashes, cache keys, stored configurations,
/// baselines, exports and every `--json` output are written by it, so the same value gives the
/// same bytes on every machine and with every Foundation version.
///
/// **The canonical form** (`canonicalText()`, the input of every hash):
///
/// - No whitespace outside strings.
/// - Object members sorted by the UTF-8 bytes of their keys (lexicographically; a key that is a
///   prefix of another comes first). Keys are unique (a `[String: JSONValue]`).
/// - `null`, `true`, `false` as such.
/// - `integer`: decimal digits with a leading `-` when negative, no `+`, no leading zeros, no
///   fraction, no exponent (`0`, `-3`, `9223372036854775807`).
/// - `number` (a finite `Double`): the shortest decimal digit string `d1 d2 ... dn` (`d1` not
///   zero) that reads back to the same `Double` (the closest such string when several qualify),
///   with decimal exponent `e` such that the value is `±d1.d2...dn × 10^e`. Then:
///   - zero: `0.0`, and `-0.0` for negative zero;
///   - when `-4 <= e` and the magnitude is below `2^53`: positional, with at least one digit on
///     each side of the point (`0.1`, `2.0`, `0.0001`, `123.456`, `9007199254740991.0`);
///   - otherwise exponential: `d1`, then `.d2...dn` if `n > 1`, then `e`, the exponent's sign
///     (`+` or `-`) and its magnitude with at least two digits (`1e-05`, `1.5e-07`, `1e+21`,
///     `9.007199254740992e+15`).
///   A `number` therefore always has a `.` or an `e`, and an `integer` never does: the two stay
///   apart through a round trip. (This is the layout of Swift's `Double.description`; the
///   writer lays the digits out itself, so the text does not depend on it.)
/// - Non-finite numbers have no JSON form: `canonicalText()` rejects them.
/// - Strings in double quotes; `"` and `\` escaped as `\"` and `\\`; U+0008, U+0009, U+000A,
///   U+000C, U+000D as `\b`, `\t`, `\n`, `\f`, `\r`; every other scalar below U+0020 as `\u00XX`
///   with lowercase hexadecimal; everything else (`/`, non-ASCII, U+007F) as its UTF-8 bytes.
///
/// `serialized(pretty: false)` is the same text except that a non-finite number is written as
/// the string `"inf"`, `"-inf"` or `"nan"` (the record formats' convention, which
/// `JSONObjectReader` reads back). `serialized(pretty: true)` adds, and only adds, a newline and
/// two spaces per level before every member and element and before the closing bracket of a
/// non-empty container, a space after every `:`, and a final newline.
extension JSONValue {
  /// What the writer does with a `number` that is not finite.
  enum NonFiniteNumbers {
    /// Throw `JSONWritingError.nonFiniteNumber`.
    case reject
    /// Write the string `"inf"`, `"-inf"` or `"nan"`.
    case strings
  }

  /// The canonical text (see the type's documentation): compact, and an error if any number is
  /// not finite. Hashes are computed from this.
  public func canonicalText() throws -> String {
    var output = ""
    try write(to: &output, indent: nil, nonFinite: .reject, path: "")
    return output
  }

  /// The value as JSON text. `pretty` puts one member per line with two-space indentation
  /// (reviewable in a diff) and ends the text with a newline; otherwise the text is compact and
  /// equals `canonicalText()` whenever every number is finite.
  ///
  /// Non-finite numbers become the strings `"inf"`, `"-inf"`, `"nan"`.
  public func serialized(pretty: Bool = true) -> String {
    var output = ""
    do {
      try write(to: &output, indent: pretty ? 0 : nil, nonFinite: .strings, path: "")
    } catch {
      preconditionFailure("JSONValue.serialized: \(error)")  // unreachable: nothing is rejected
    }
    if pretty { output += "\n" }
    return output
  }

  /// A `Double` as the writer formats it, without quotes: the canonical number text when finite,
  /// else `inf`, `-inf` or `nan`.
  public static func numberText(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    return CanonicalNumber.text(value)
  }

  func write(to output: inout String, indent: Int?, nonFinite: NonFiniteNumbers, path: String) throws {
    switch self {
    case .null: output += "null"
    case .bool(let value): output += value ? "true" : "false"
    case .integer(let value): output += String(value)
    case .number(let value):
      if value.isFinite {
        output += CanonicalNumber.text(value)
      } else if nonFinite == .strings {
        JSONValue.writeString(JSONValue.numberText(value), to: &output)
      } else {
        throw JSONWritingError.nonFiniteNumber(value, path: path)
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
        try element.write(to: &output, indent: indent.map { $0 + 1 }, nonFinite: nonFinite, path: "\(path)[\(index)]")
      }
      JSONValue.newline(&output, indent)
      output += "]"
    case .object(let members):
      guard !members.isEmpty else {
        output += "{}"
        return
      }
      output += "{"
      for (index, key) in JSONValue.sortedKeys(members).enumerated() {
        if index > 0 { output += "," }
        JSONValue.newline(&output, indent.map { $0 + 1 })
        JSONValue.writeString(key, to: &output)
        output += indent == nil ? ":" : ": "
        try members[key, default: .null].write(
          to: &output, indent: indent.map { $0 + 1 }, nonFinite: nonFinite, path: path.isEmpty ? key : path + "." + key)
      }
      JSONValue.newline(&output, indent)
      output += "}"
    }
  }

  /// Keys in the order of their UTF-8 bytes (not `String`'s Unicode order), so the result
  /// matches `sort` in other tools.
  static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
    members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
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

/// A value the canonical form cannot express.
public enum JSONWritingError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A NaN or infinite number (JSON has no literal for them), at a dotted key path.
  case nonFiniteNumber(Double, path: String)

  /// "non-finite number nan at 'a.b[0]' has no canonical JSON form".
  public var description: String {
    switch self {
    case .nonFiniteNumber(let value, let path):
      let location = path.isEmpty ? "" : " at '\(path)'"
      return "non-finite number \(JSONValue.numberText(value))\(location) has no canonical JSON form"
    }
  }
}

/// The canonical text of a finite `Double` (see `JSONValue`'s writer documentation).
enum CanonicalNumber {
  /// The largest magnitude written positionally is just below `2^53`.
  static let positionalLimit = 9_007_199_254_740_992.0

  /// `value`'s canonical text; `value` must be finite.
  static func text(_ value: Double) -> String {
    precondition(value.isFinite, "CanonicalNumber: \(value) is not finite")
    if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
    let (digits, exponent) = shortestDigits(value.magnitude)
    var text = value < 0 ? "-" : ""
    if exponent >= -4 && value.magnitude < positionalLimit {
      if exponent < 0 {
        text += "0." + String(repeating: "0", count: -exponent - 1) + digits
      } else if digits.count > exponent + 1 {
        let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
        text += digits[..<split] + "." + digits[split...]
      } else {
        text += digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
      }
    } else {
      text += String(digits.first!)
      if digits.count > 1 { text += "." + digits.dropFirst() }
      let magnitude = String(exponent.magnitude)
      text += (exponent < 0 ? "e-" : "e+") + (magnitude.count < 2 ? "0" : "") + magnitude
    }
    return text
  }

  /// The shortest round-trip digits of a positive finite `value` (no leading or trailing zeros)
  /// and the decimal exponent of the first one. The digits are those of Swift's `description`
  /// (shortest, closest); only they are taken from it, not its layout.
  static func shortestDigits(_ value: Double) -> (digits: String, exponent: Int) {
    let text = value.description
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      mantissa = text[..<e]
      exponent = Int(text[text.index(after: e)...])!
    }
    let point = mantissa.firstIndex(of: ".")
    let integerPart = point.map { mantissa[..<$0] } ?? mantissa
    let fraction = point.map { mantissa[mantissa.index(after: $0)...] } ?? ""
    var all = Array(integerPart + fraction)
    // The exponent of the first digit of `all`, before stripping leading zeros.
    var first = exponent + integerPart.count - 1
    while all.first == "0" {
      all.removeFirst()
      first -= 1
    }
    while all.last == "0" { all.removeLast() }
    precondition(!all.isEmpty && all.allSatisfy({ $0.isASCII && $0.isNumber }), "CanonicalNumber: unexpected description '\(text)'")
    return (String(all), first)
  }
}
