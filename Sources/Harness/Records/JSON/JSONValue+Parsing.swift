import CanonicalJSON

/// A strict JSON parser (RFC 8259) over UTF-8 bytes: no trailing commas, no comments, no
/// duplicate keys, nesting at most `maximumDepth` deep; every failure is a `RecordFormatError`
/// with the byte offset, never a trap.
extension JSONValue {
  /// How deeply arrays and objects may nest (deeper input is rejected, not a stack overflow).
  public static let maximumDepth = 256

  /// Parses `text`; `file` and `remedy` go into the error.
  public static func parse(_ text: String, file: String, remedy: String) throws -> JSONValue {
    var parser = JSONParser(bytes: Array(text.utf8), file: file, remedy: remedy)
    return try parser.parseDocument()
  }

  /// Parses UTF-8 `bytes`; `file` and `remedy` go into the error.
  public static func parse(bytes: [UInt8], file: String, remedy: String) throws -> JSONValue {
    var parser = JSONParser(bytes: bytes, file: file, remedy: remedy)
    return try parser.parseDocument()
  }
}

struct JSONParser {
  let bytes: [UInt8]
  let file: String
  let remedy: String
  var position = 0

  init(bytes: [UInt8], file: String, remedy: String) {
    self.bytes = bytes
    self.file = file
    self.remedy = remedy
  }

  func failure(_ message: String, at offset: Int? = nil) -> RecordFormatError {
    RecordFormatError(
      file: file, offset: offset ?? position, message: "malformed JSON: " + message, remedy: remedy)
  }

  mutating func parseDocument() throws -> JSONValue {
    // A UTF-8 byte order mark is tolerated, as most JSON readers do.
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    skipWhitespace()
    let value = try parseValue(depth: 0)
    skipWhitespace()
    guard position == bytes.count else { throw failure("unexpected text after the document") }
    return value
  }

  mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  mutating func parseValue(depth: Int) throws -> JSONValue {
    guard depth < JSONValue.maximumDepth else {
      throw failure("nested deeper than \(JSONValue.maximumDepth) levels")
    }
    guard position < bytes.count else { throw failure("unexpected end of input") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
    case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
    case UInt8(ascii: "n"): return try parseLiteral("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    default: throw failure("unexpected character '\(Character(Unicode.Scalar(bytes[position])))'")
    }
  }

  mutating func parseLiteral(_ word: String, _ value: JSONValue) throws -> JSONValue {
    let expected = Array(word.utf8)
    guard position + expected.count <= bytes.count,
      Array(bytes[position..<(position + expected.count)]) == expected
    else { throw failure("expected '\(word)'") }
    position += expected.count
    return value
  }

  mutating func parseObject(depth: Int) throws -> JSONValue {
    position += 1
    var members: [String: JSONValue] = [:]
    skipWhitespace()
    if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
        throw failure("expected a quoted key")
      }
      let keyOffset = position
      let key = try parseString()
      guard members[key] == nil else { throw failure("duplicate key '\(key)'", at: keyOffset) }
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
        throw failure("expected ':' after key '\(key)'")
      }
      position += 1
      skipWhitespace()
      members[key] = try parseValue(depth: depth + 1)
      skipWhitespace()
      guard position < bytes.count else { throw failure("unexpected end of input in an object") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      if bytes[position] == UInt8(ascii: "}") {
        position += 1
        return .object(members)
      }
      throw failure("expected ',' or '}' in an object")
    }
  }

  mutating func parseArray(depth: Int) throws -> JSONValue {
    position += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard position < bytes.count else { throw failure("unexpected end of input in an array") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      if bytes[position] == UInt8(ascii: "]") {
        position += 1
        return .array(elements)
      }
      throw failure("expected ',' or ']' in an array")
    }
  }

  mutating func parseString() throws -> String {
    let start = position
    position += 1
    var scalars = String.UnicodeScalarView()
    var run: [UInt8] = []
    func flush(_ run: inout [UInt8], into scalars: inout String.UnicodeScalarView) {
      if !run.isEmpty {
        scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
        run.removeAll(keepingCapacity: true)
      }
    }
    while true {
      guard position < bytes.count else { throw failure("unterminated string", at: start) }
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        flush(&run, into: &scalars)
        return String(scalars)
      }
      if byte < 0x20 { throw failure("control character in a string") }
      if byte != UInt8(ascii: "\\") {
        run.append(byte)
        position += 1
        continue
      }
      flush(&run, into: &scalars)
      position += 1
      guard position < bytes.count else { throw failure("unterminated escape") }
      let escape = bytes[position]
      position += 1
      switch escape {
      case UInt8(ascii: "\""): scalars.append("\"")
      case UInt8(ascii: "\\"): scalars.append("\\")
      case UInt8(ascii: "/"): scalars.append("/")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "u"):
        var code = try parseHex4()
        if (0xD800..<0xDC00).contains(code) {
          // A high surrogate must be followed by an escaped low surrogate.
          guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
            bytes[position + 1] == UInt8(ascii: "u")
          else { throw failure("unpaired surrogate in a \\u escape") }
          position += 2
          let low = try parseHex4()
          guard (0xDC00..<0xE000).contains(low) else {
            throw failure("unpaired surrogate in a \\u escape")
          }
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else {
          throw failure("invalid code point in a \\u escape")
        }
        scalars.append(scalar)
      default: throw failure("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
      }
    }
  }

  mutating func parseHex4() throws -> UInt32 {
    guard position + 4 <= bytes.count else { throw failure("truncated \\u escape") }
    var code: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw failure("invalid hex digit in a \\u escape")
      }
      code = code * 16 + digit
      position += 1
    }
    return code
  }

  mutating func parseNumber() throws -> JSONValue {
    let start = position
    var isInteger = true
    if bytes[position] == UInt8(ascii: "-") { position += 1 }
    func digits(_ parser: inout JSONParser) -> Int {
      var count = 0
      while parser.position < parser.bytes.count,
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.position])
      {
        parser.position += 1
        count += 1
      }
      return count
    }
    let integerStart = position
    let integerDigits = digits(&self)
    guard integerDigits > 0 else { throw failure("expected digits in a number", at: start) }
    if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") {
      throw failure("leading zero in a number", at: start)
    }
    if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
      isInteger = false
      position += 1
      guard digits(&self) > 0 else { throw failure("expected digits after '.'", at: start) }
    }
    if position < bytes.count
      && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E"))
    {
      isInteger = false
      position += 1
      if position < bytes.count
        && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-"))
      {
        position += 1
      }
      guard digits(&self) > 0 else { throw failure("expected digits in an exponent", at: start) }
    }
    let text = String(decoding: bytes[start..<position], as: UTF8.self)
    if isInteger, let value = Int64(text) { return .integer(value) }
    guard let value = Double(text), value.isFinite else {
      throw failure("number '\(text)' is out of range", at: start)
    }
    return .number(value)
  }
}
