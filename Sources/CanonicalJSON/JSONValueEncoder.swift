/// Turns an `Encodable` value into a `JSONValue`, so that Codable configurations are written (and
/// hashed) by the one canonical writer instead of Foundation's `JSONEncoder`.
///
/// The mapping: `Bool`, `String` as such; signed and unsigned integers as `integer` (an unsigned
/// value above `Int64.max` is an error); `Double` as `number`; `Float` as the `number` whose
/// canonical text is the shortest decimal that reads back to the same `Float` (`Float(0.1)` is
/// `0.1`, not `0.10000000149011612`); keyed containers as objects (a `nil` optional property is
/// left out, as synthesised `Codable` does), unkeyed containers as arrays. Non-finite numbers
/// are an error, or the strings `"inf"`, `"-inf"`, `"nan"` with `nonFinite: .strings`.
public struct JSONValueEncoder: Sendable {
  /// What to do with a NaN or infinite `Double` or `Float`.
  public enum NonFiniteNumbers: Sendable {
    /// Throw `JSONEncodingError` (the default: configurations and hash inputs).
    case reject
    /// Encode them as the strings `"inf"`, `"-inf"`, `"nan"` (reports of measurements).
    case strings
  }

  /// The policy for non-finite numbers.
  public var nonFinite: NonFiniteNumbers

  /// An encoder.
  public init(nonFinite: NonFiniteNumbers = .reject) {
    self.nonFinite = nonFinite
  }

  /// `value` as a JSON value.
  public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
    let node = EncodingNode()
    try EncodingNode.encode(value, into: node, context: EncodingContext(nonFinite: nonFinite, codingPath: []))
    return node.resolved()
  }
}

extension JSONValue {
  /// `value` encoded by `JSONValueEncoder` (non-finite numbers rejected).
  public init<T: Encodable>(encoding value: T) throws {
    self = try JSONValueEncoder().encode(value)
  }
}

/// An `Encodable` value that cannot be written as JSON.
public struct JSONEncodingError: Error, Sendable, CustomStringConvertible {
  /// The dotted coding path of the offending value.
  public let path: String
  /// What is wrong.
  public let message: String

  /// "cannot encode 'a.b': message".
  public var description: String { "cannot encode '\(path)' as JSON: \(message)" }
}

struct EncodingContext {
  let nonFinite: JSONValueEncoder.NonFiniteNumbers
  let codingPath: [any CodingKey]

  func appending(_ key: any CodingKey) -> EncodingContext {
    EncodingContext(nonFinite: nonFinite, codingPath: codingPath + [key])
  }

  func failure(_ message: String) -> JSONEncodingError {
    JSONEncodingError(path: codingPath.map(\.stringValue).joined(separator: "."), message: message)
  }

  func number(_ value: Double, text: () -> Double) throws -> JSONValue {
    if value.isFinite { return .number(text()) }
    switch nonFinite {
    case .strings: return .string(JSONValue.numberText(value))
    case .reject: throw failure("non-finite number \(JSONValue.numberText(value))")
    }
  }

  func integer<I: BinaryInteger>(_ value: I) throws -> JSONValue {
    guard let exact = Int64(exactly: value) else { throw failure("integer \(value) does not fit in 64 signed bits") }
    return .integer(exact)
  }

  /// A primitive as a JSON value, or nil for anything that encodes itself.
  func primitive<T: Encodable>(_ value: T) throws -> JSONValue? {
    switch value {
    case let v as Bool: return .bool(v)
    case let v as String: return .string(v)
    case let v as Double: return try number(v) { v }
    case let v as Float: return try number(Double(v)) { Double(v.description)! }
    case let v as Int: return try integer(v)
    case let v as Int8: return try integer(v)
    case let v as Int16: return try integer(v)
    case let v as Int32: return try integer(v)
    case let v as Int64: return try integer(v)
    case let v as UInt: return try integer(v)
    case let v as UInt8: return try integer(v)
    case let v as UInt16: return try integer(v)
    case let v as UInt32: return try integer(v)
    case let v as UInt64: return try integer(v)
    default: return nil
    }
  }
}

/// A JSON value under construction (containers hand out references to their children).
final class EncodingNode {
  var scalar: JSONValue? = nil
  var members: [String: EncodingNode]? = nil
  var elements: [EncodingNode]? = nil

  static func encode<T: Encodable>(_ value: T, into node: EncodingNode, context: EncodingContext) throws {
    if let primitive = try context.primitive(value) {
      node.scalar = primitive
    } else {
      try value.encode(to: NodeEncoder(node: node, context: context))
    }
  }

  func makeObject() {
    if members == nil {
      scalar = nil
      elements = nil
      members = [:]
    }
  }

  func makeArray() {
    if elements == nil {
      scalar = nil
      members = nil
      elements = []
    }
  }

  func resolved() -> JSONValue {
    if let scalar { return scalar }
    if let elements { return .array(elements.map { $0.resolved() }) }
    return .object((members ?? [:]).mapValues { $0.resolved() })
  }
}

struct IndexKey: CodingKey {
  let intValue: Int?
  var stringValue: String { "\(intValue ?? 0)" }
  init(_ index: Int) { intValue = index }
  init?(intValue: Int) { self.intValue = intValue }
  init?(stringValue: String) { return nil }
}

struct SuperKey: CodingKey {
  var stringValue: String { "super" }
  var intValue: Int? { nil }
  init() {}
  init?(intValue: Int) { return nil }
  init?(stringValue: String) { return nil }
}

struct NodeEncoder: Encoder {
  let node: EncodingNode
  let context: EncodingContext
  var codingPath: [any CodingKey] { context.codingPath }
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    node.makeObject()
    return KeyedEncodingContainer(KeyedNodeContainer<Key>(node: node, context: context))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    node.makeArray()
    return UnkeyedNodeContainer(node: node, context: context)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    SingleNodeContainer(node: node, context: context)
  }
}

struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let node: EncodingNode
  let context: EncodingContext
  var codingPath: [any CodingKey] { context.codingPath }

  func child(_ key: any CodingKey) -> EncodingNode {
    let child = EncodingNode()
    node.members![key.stringValue] = child
    return child
  }

  mutating func encodeNil(forKey key: Key) throws { child(key).scalar = .null }
  mutating func encode(_ value: Bool, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: String, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: Double, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: Float, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: Int, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeValue(value, key) }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encodeValue(value, key) }

  func encodeValue<T: Encodable>(_ value: T, _ key: Key) throws {
    try EncodingNode.encode(value, into: child(key), context: context.appending(key))
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    let nested = child(key)
    nested.makeObject()
    return KeyedEncodingContainer(KeyedNodeContainer<NestedKey>(node: nested, context: context.appending(key)))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let nested = child(key)
    nested.makeArray()
    return UnkeyedNodeContainer(node: nested, context: context.appending(key))
  }

  mutating func superEncoder() -> any Encoder {
    NodeEncoder(node: child(SuperKey()), context: context.appending(SuperKey()))
  }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    NodeEncoder(node: child(key), context: context.appending(key))
  }
}

/// The primitive `encode` overloads that unkeyed and single-value containers must both provide,
/// forwarded to one generic `encodeValue` (which recognises the primitives itself).
protocol ForwardingValueContainer {
  func encodeValue<T: Encodable>(_ value: T) throws
}

extension ForwardingValueContainer {
  mutating func encode(_ value: Bool) throws { try encodeValue(value) }
  mutating func encode(_ value: String) throws { try encodeValue(value) }
  mutating func encode(_ value: Double) throws { try encodeValue(value) }
  mutating func encode(_ value: Float) throws { try encodeValue(value) }
  mutating func encode(_ value: Int) throws { try encodeValue(value) }
  mutating func encode(_ value: Int8) throws { try encodeValue(value) }
  mutating func encode(_ value: Int16) throws { try encodeValue(value) }
  mutating func encode(_ value: Int32) throws { try encodeValue(value) }
  mutating func encode(_ value: Int64) throws { try encodeValue(value) }
  mutating func encode(_ value: UInt) throws { try encodeValue(value) }
  mutating func encode(_ value: UInt8) throws { try encodeValue(value) }
  mutating func encode(_ value: UInt16) throws { try encodeValue(value) }
  mutating func encode(_ value: UInt32) throws { try encodeValue(value) }
  mutating func encode(_ value: UInt64) throws { try encodeValue(value) }
  mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value) }
}

struct UnkeyedNodeContainer: UnkeyedEncodingContainer, ForwardingValueContainer {
  let node: EncodingNode
  let context: EncodingContext
  var codingPath: [any CodingKey] { context.codingPath }
  var count: Int { node.elements!.count }

  func append() -> (EncodingNode, EncodingContext) {
    let child = EncodingNode()
    let childContext = context.appending(IndexKey(node.elements!.count))
    node.elements!.append(child)
    return (child, childContext)
  }

  mutating func encodeNil() throws { append().0.scalar = .null }

  func encodeValue<T: Encodable>(_ value: T) throws {
    let (child, childContext) = append()
    try EncodingNode.encode(value, into: child, context: childContext)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
    let (child, childContext) = append()
    child.makeObject()
    return KeyedEncodingContainer(KeyedNodeContainer<NestedKey>(node: child, context: childContext))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let (child, childContext) = append()
    child.makeArray()
    return UnkeyedNodeContainer(node: child, context: childContext)
  }

  mutating func superEncoder() -> any Encoder {
    let (child, childContext) = append()
    return NodeEncoder(node: child, context: childContext)
  }
}

struct SingleNodeContainer: SingleValueEncodingContainer, ForwardingValueContainer {
  let node: EncodingNode
  let context: EncodingContext
  var codingPath: [any CodingKey] { context.codingPath }

  mutating func encodeNil() throws { node.scalar = .null }

  func encodeValue<T: Encodable>(_ value: T) throws {
    try EncodingNode.encode(value, into: node, context: context)
  }
}
