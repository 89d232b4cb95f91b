/// A JSON document as a value: what baselines, exports, `--json` outputs, stored configurations
/// and spec hashes are made of (Codable values get here through `JSONValueEncoder`).
///
/// Objects are dictionaries, but nothing observable depends on their order: the writer sorts
/// keys by their UTF-8 bytes, so the same value always serialises to the same bytes (the
/// canonical form is defined with the writer, `canonicalText()`). Integers
/// and floating-point numbers are kept apart (`integer` has no fraction or exponent in the
/// text), so a seed or a step never turns into `3.0`.
public enum JSONValue: Sendable, Hashable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// A number written without fraction or exponent that fits in 64 bits.
  case integer(Int64)
  /// Any other number. JSON has no literal for non-finite values: `canonicalText()` rejects them,
  /// `serialized` writes the strings `"inf"`, `"-inf"`, `"nan"` (read back from those strings by
  /// `JSONObjectReader`).
  case number(Double)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object.
  case object([String: JSONValue])

  /// A number from an `Int`.
  public static func int(_ value: Int) -> JSONValue { .integer(Int64(value)) }

  /// A string, or `null` when absent.
  public static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

  /// A number, or `null` when absent.
  public static func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }

  /// An integer, or `null` when absent.
  public static func optional(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }

  /// The name of the value's kind, for error messages ("expected a number, got a string").
  public var kindName: String {
    switch self {
    case .null: return "null"
    case .bool: return "a boolean"
    case .integer: return "an integer"
    case .number: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }
}
