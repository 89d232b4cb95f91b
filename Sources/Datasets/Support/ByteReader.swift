/// A bounds-checked cursor over the bytes of one file (or one decompressed stream) that turns
/// every overrun into a `DatasetError` naming the file and the offset.
struct ByteReader {
  /// The bytes being read; valid only inside the `withUnsafeBytes` call that made the reader.
  let bytes: UnsafeRawBufferPointer
  /// The file the bytes come from (for error messages).
  let path: String
  /// Whether offsets count bytes of a decompressed stream.
  let decompressed: Bool
  /// Offset of `bytes[0]` in the file (non-zero for a member inside an archive).
  let base: Int
  /// The next byte to read, relative to `bytes`.
  private(set) var position = 0

  init(_ bytes: UnsafeRawBufferPointer, path: String, decompressed: Bool = false, base: Int = 0) {
    self.bytes = bytes
    self.path = path
    self.decompressed = decompressed
    self.base = base
  }

  /// The absolute offset of the next byte.
  var offset: Int { base + position }
  /// Bytes left after the cursor.
  var remaining: Int { bytes.count - position }

  /// A malformed-content error at `offset` (default: the cursor).
  func malformed(_ message: String, at offset: Int? = nil) -> DatasetError {
    .malformed(path, at: offset ?? self.offset, decompressed: decompressed, message)
  }

  /// An unsupported-feature error at `offset` (default: the cursor).
  func unsupported(_ message: String, at offset: Int? = nil) -> DatasetError {
    .unsupported(path, at: offset ?? self.offset, decompressed: decompressed, message)
  }

  /// Throws a truncation error unless `count` more bytes are available for `what`.
  func require(_ count: Int, for what: String) throws {
    guard count >= 0, count <= remaining else {
      throw malformed(
        "truncated: \(what) needs \(count) bytes but only \(remaining) remain "
          + "(\(decompressed ? "decompressed size" : "file size") \(base + bytes.count) bytes)")
    }
  }

  /// Moves the cursor to relative position `position`.
  mutating func seek(to position: Int, for what: String) throws {
    guard position >= 0, position <= bytes.count else {
      throw malformed(
        "\(what) points to byte \(base + position), past the end at \(base + bytes.count)")
    }
    self.position = position
  }

  /// The next `count` bytes, as a view into `bytes`.
  mutating func take(_ count: Int, for what: String) throws -> UnsafeRawBufferPointer {
    try require(count, for: what)
    let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    position += count
    return slice
  }

  /// One byte.
  mutating func uint8(_ what: String) throws -> UInt8 {
    try require(1, for: what)
    defer { position += 1 }
    return bytes[position]
  }

  /// A little-endian unsigned integer of `width` bytes (at most 8).
  mutating func littleEndian(_ width: Int, _ what: String) throws -> UInt64 {
    try require(width, for: what)
    var value: UInt64 = 0
    for i in (0..<width).reversed() { value = value << 8 | UInt64(bytes[position + i]) }
    position += width
    return value
  }

  /// A big-endian unsigned integer of `width` bytes (at most 8).
  mutating func bigEndian(_ width: Int, _ what: String) throws -> UInt64 {
    try require(width, for: what)
    var value: UInt64 = 0
    for i in 0..<width { value = value << 8 | UInt64(bytes[position + i]) }
    position += width
    return value
  }

  /// A little-endian `UInt16`.
  mutating func uint16LE(_ what: String) throws -> Int { Int(try littleEndian(2, what)) }
  /// A little-endian `UInt32`.
  mutating func uint32LE(_ what: String) throws -> UInt32 { UInt32(try littleEndian(4, what)) }
  /// A little-endian `UInt64`, as an `Int` (values past `Int.max` are malformed sizes).
  mutating func uint64LE(_ what: String) throws -> Int {
    let start = offset
    let value = try littleEndian(8, what)
    guard value <= UInt64(Int.max) else {
      throw malformed("\(what) \(value) is out of range", at: start)
    }
    return Int(value)
  }
  /// A big-endian `UInt32`.
  mutating func uint32BE(_ what: String) throws -> Int { Int(try bigEndian(4, what)) }
}

/// Multiplies extents, throwing instead of overflowing.
func checkedProduct(_ extents: [Int], or failure: @autoclosure () -> DatasetError) throws -> Int {
  var product = 1
  for extent in extents {
    let (value, overflow) = product.multipliedReportingOverflow(by: extent)
    guard !overflow, extent >= 0 else { throw failure() }
    product = value
  }
  return product
}
