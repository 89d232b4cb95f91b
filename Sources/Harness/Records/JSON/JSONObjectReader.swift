import CanonicalJSON

/// Reads the members of one JSON object strictly: a missing key, a value of the wrong kind and,
/// through `finish()`, any key it was not asked about are `RecordFormatError`s that name the file
/// and the full key path (`cells.<hash>.seeds[2].loss`).
public struct JSONObjectReader {
  /// The object's members.
  public let members: [String: JSONValue]
  /// The key path of the object itself ("" for the document).
  public let path: String
  /// The file the document came from.
  public let file: String
  /// What to tell the user to do when the document is wrong.
  public let remedy: String
  private var visited: Set<String> = []

  /// Reads `value`, which must be an object.
  public init(_ value: JSONValue, path: String = "", file: String, remedy: String) throws {
    self.path = path
    self.file = file
    self.remedy = remedy
    guard case .object(let members) = value else {
      throw RecordFormatError(
        file: file, keyPath: path.isEmpty ? nil : path,
        message: "expected an object, got \(value.kindName)", remedy: remedy)
    }
    self.members = members
  }

  /// The key path of member `key`.
  public func path(of key: String) -> String { path.isEmpty ? key : path + "." + key }

  /// An error about member `key`.
  public func failure(_ key: String, _ message: String) -> RecordFormatError {
    RecordFormatError(file: file, keyPath: path(of: key), message: message, remedy: remedy)
  }

  /// Member `key`, which must be present.
  public mutating func value(_ key: String) throws -> JSONValue {
    visited.insert(key)
    guard let value = members[key] else { throw failure(key, "missing") }
    return value
  }

  /// Member `key`, or `nil` when absent or `null`.
  public mutating func optionalValue(_ key: String) -> JSONValue? {
    visited.insert(key)
    guard let value = members[key], value != .null else { return nil }
    return value
  }

  /// A string member.
  public mutating func string(_ key: String) throws -> String {
    try Self.string(try value(key), failure: { failure(key, $0) })
  }

  /// An optional string member.
  public mutating func optionalString(_ key: String) throws -> String? {
    guard let value = optionalValue(key) else { return nil }
    return try Self.string(value, failure: { failure(key, $0) })
  }

  /// An integer member.
  public mutating func integer(_ key: String) throws -> Int {
    try Self.integer(try value(key), failure: { failure(key, $0) })
  }

  /// An optional integer member.
  public mutating func optionalInteger(_ key: String) throws -> Int? {
    guard let value = optionalValue(key) else { return nil }
    return try Self.integer(value, failure: { failure(key, $0) })
  }

  /// A number member (an integer, a number, or one of the strings "inf", "-inf", "nan").
  public mutating func number(_ key: String) throws -> Double {
    try Self.number(try value(key), failure: { failure(key, $0) })
  }

  /// An optional number member.
  public mutating func optionalNumber(_ key: String) throws -> Double? {
    guard let value = optionalValue(key) else { return nil }
    return try Self.number(value, failure: { failure(key, $0) })
  }

  /// A boolean member.
  public mutating func bool(_ key: String) throws -> Bool {
    guard case .bool(let flag) = try value(key) else {
      throw failure(key, "expected true or false, got \(members[key]?.kindName ?? "nothing")")
    }
    return flag
  }

  /// An array member.
  public mutating func array(_ key: String) throws -> [JSONValue] {
    let value = try value(key)
    guard case .array(let elements) = value else {
      throw failure(key, "expected an array, got \(value.kindName)")
    }
    return elements
  }

  /// An object member, as a reader of its own.
  public mutating func object(_ key: String) throws -> JSONObjectReader {
    try JSONObjectReader(try value(key), path: path(of: key), file: file, remedy: remedy)
  }

  /// A reader for element `index` of array member `key`.
  public func element(_ key: String, _ index: Int, _ value: JSONValue) throws -> JSONObjectReader {
    try JSONObjectReader(value, path: path(of: key) + "[\(index)]", file: file, remedy: remedy)
  }

  /// Throws if the object has a key that was never read: unknown keys are errors, not ignored.
  public func finish() throws {
    let unknown = members.keys.filter { !visited.contains($0) }.sorted()
    guard let first = unknown.first else { return }
    let valid = visited.sorted().joined(separator: ", ")
    throw RecordFormatError(
      file: file, keyPath: path(of: first),
      message: "unknown key (valid keys here: \(valid))", remedy: remedy)
  }

  static func string(_ value: JSONValue, failure: (String) -> RecordFormatError) throws -> String {
    guard case .string(let text) = value else {
      throw failure("expected a string, got \(value.kindName)")
    }
    return text
  }

  static func integer(_ value: JSONValue, failure: (String) -> RecordFormatError) throws -> Int {
    guard case .integer(let number) = value, let result = Int(exactly: number) else {
      throw failure("expected an integer, got \(value.kindName)")
    }
    return result
  }

  static func number(_ value: JSONValue, failure: (String) -> RecordFormatError) throws -> Double {
    switch value {
    case .integer(let number): return Double(number)
    case .number(let number): return number
    case .string("inf"): return .infinity
    case .string("-inf"): return -.infinity
    case .string("nan"): return .nan
    case .null, .bool, .string, .array, .object:
      throw failure("expected a number (or \"inf\", \"-inf\", \"nan\"), got \(value.kindName)")
    }
  }
}
