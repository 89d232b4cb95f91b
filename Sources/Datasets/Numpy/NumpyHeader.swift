/// The header dictionary of an `.npy` file, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
///
/// Format: numpy/lib/format.py (NEP 1). The dictionary is a Python literal; this parser accepts
/// what NumPy writes (and what `ast.literal_eval` would accept for these keys): single- or
/// double-quoted strings, `True`/`False`, and tuples of non-negative integers (with Python 2's
/// `L` suffix).
struct NumpyHeader: Equatable {
  /// The element type string, e.g. `<f4`.
  var descr: String
  /// Whether the data is in column-major order.
  var fortranOrder: Bool
  /// The array's shape.
  var shape: [Int]

  /// Parses the header text `bytes`, which starts at file offset `base`.
  static func parse(_ bytes: UnsafeRawBufferPointer, base: Int, path: String) throws -> NumpyHeader
  {
    var parser = Parser(bytes: bytes, base: base, path: path)
    return try parser.header()
  }

  /// Renders the dictionary exactly as NumPy 1.x/2.x does (sorted keys, `repr` values, a
  /// trailing `, `, then the spare spaces NumPy leaves for growing the first axis in place).
  func rendered() -> String {
    let shapeText: String
    switch shape.count {
    case 0: shapeText = "()"
    case 1: shapeText = "(\(shape[0]),)"
    default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
    var text =
      "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), "
      + "'shape': \(shapeText), }"
    // numpy.lib.format.GROWTH_AXIS_MAX_DIGITS = 21.
    if let growthAxis = fortranOrder ? shape.last : shape.first {
      text += String(repeating: " ", count: max(0, 21 - String(growthAxis).count))
    }
    return text
  }

  private enum Value {
    case string(String)
    case boolean(Bool)
    case integers([Int])
  }

  private struct Parser {
    let bytes: UnsafeRawBufferPointer
    let base: Int
    let path: String
    var position = 0

    init(bytes: UnsafeRawBufferPointer, base: Int, path: String) {
      self.bytes = bytes
      self.base = base
      self.path = path
    }

    func failure(_ message: String) -> DatasetError {
      .malformed(path, at: base + position, "bad npy header: " + message)
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipSpace() {
      while let c = current, c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d { position += 1 }
    }

    mutating func expect(_ character: Character) throws {
      skipSpace()
      guard let c = current, let ascii = character.asciiValue, c == ascii else {
        throw failure("expected '\(character)', found \(describeCurrent())")
      }
      position += 1
    }

    func describeCurrent() -> String {
      guard let c = current else { return "end of header" }
      return (0x20..<0x7f).contains(c)
        ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }

    mutating func header() throws -> NumpyHeader {
      try expect("{")
      var entries: [String: Value] = [:]
      while true {
        skipSpace()
        if current == UInt8(ascii: "}") {
          position += 1
          break
        }
        let keyOffset = position
        guard case .string(let key) = try value() else {
          position = keyOffset
          throw failure("dictionary keys must be strings")
        }
        try expect(":")
        skipSpace()
        guard entries[key] == nil else {
          position = keyOffset
          throw failure("duplicate key '\(key)'")
        }
        switch key {
        case "descr", "fortran_order", "shape": entries[key] = try value()
        default:
          position = keyOffset
          throw failure("unexpected key '\(key)' (expected descr, fortran_order, shape)")
        }
        skipSpace()
        if current == UInt8(ascii: ",") {
          position += 1
          continue
        }
        try expect("}")
        break
      }
      skipSpace()
      guard current == nil else {
        throw failure("unexpected \(describeCurrent()) after the dictionary")
      }
      guard case .string(let descr)? = entries["descr"] else {
        throw failure("missing or non-string 'descr'")
      }
      guard case .boolean(let fortranOrder)? = entries["fortran_order"] else {
        throw failure("missing or non-boolean 'fortran_order'")
      }
      guard case .integers(let shape)? = entries["shape"] else {
        throw failure("missing or non-tuple 'shape'")
      }
      return NumpyHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }

    mutating func value() throws -> Value {
      skipSpace()
      guard let c = current else { throw failure("unexpected end of header") }
      switch c {
      case UInt8(ascii: "'"), UInt8(ascii: "\""):
        position += 1
        let start = position
        while let d = current, d != c {
          guard d != UInt8(ascii: "\\") else {
            throw failure("escapes in strings are not supported")
          }
          position += 1
        }
        guard current != nil else { throw failure("unterminated string") }
        let text = String(
          decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        position += 1
        return .string(text)
      case UInt8(ascii: "T"), UInt8(ascii: "F"):
        for (word, truth) in [("True", true), ("False", false)] where matches(word) {
          position += word.utf8.count
          return .boolean(truth)
        }
        throw failure("expected True or False, found \(describeCurrent())")
      case UInt8(ascii: "("):
        position += 1
        var items: [Int] = []
        while true {
          skipSpace()
          if current == UInt8(ascii: ")") {
            position += 1
            break
          }
          items.append(try integer())
          skipSpace()
          if current == UInt8(ascii: ",") {
            position += 1
            continue
          }
          try expect(")")
          break
        }
        return .integers(items)
      case UInt8(ascii: "["):
        throw DatasetError.unsupported(
          path, at: base + position, "structured (record) dtypes are not supported")
      default:
        throw failure("unexpected \(describeCurrent())")
      }
    }

    func matches(_ word: String) -> Bool {
      let utf8 = Array(word.utf8)
      guard position + utf8.count <= bytes.count else { return false }
      return (0..<utf8.count).allSatisfy { bytes[position + $0] == utf8[$0] }
    }

    mutating func integer() throws -> Int {
      var value = 0
      var digits = 0
      while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
        let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
        guard !overflow1, !overflow2 else { throw failure("shape extent too large") }
        value = sum
        digits += 1
        position += 1
      }
      guard digits > 0 else {
        throw failure("expected a non-negative integer, found \(describeCurrent())")
      }
      if current == UInt8(ascii: "L") { position += 1 }
      return value
    }
  }
}
