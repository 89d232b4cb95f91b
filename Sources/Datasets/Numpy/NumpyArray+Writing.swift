extension NumpyArray {
  /// The bytes of an `.npy` file holding this array, identical to what `numpy.save` writes:
  /// format 1.0 (2.0 when the header needs more than 65535 bytes), C order, little-endian, the
  /// header padded with spaces and a newline so that the data starts at a multiple of 64 bytes.
  public func encoded() -> [UInt8] {
    let header = NumpyHeader(descr: dtype.descr, fortranOrder: false, shape: shape).rendered()
    let headerText = Array(header.utf8)
    // magic (6) + version (2) + length (2 or 4) + header + padding + "\n" is a multiple of 64.
    // As numpy.lib.format._wrap_header: the padding is 1...64 spaces (64, not 0, when the
    // prefix is already aligned).
    var prefixLength = 10
    var padding = 64 - (prefixLength + headerText.count + 1) % 64
    var major: UInt8 = 1
    if headerText.count + padding + 1 > 65535 {
      major = 2
      prefixLength = 12
      padding = 64 - (prefixLength + headerText.count + 1) % 64
    }
    let headerLength = headerText.count + padding + 1
    var out = NumpyArray.magic + [major, 0]
    out.reserveCapacity(prefixLength + headerLength + count * dtype.byteWidth)
    let lengthBytes = major == 1 ? 2 : 4
    for i in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
    out += headerText
    out += [UInt8](repeating: 0x20, count: padding)
    out.append(0x0a)
    switch elements {
    case .uint8(let v): out += v
    case .int32(let v): NumpyArray.appendLittleEndian(v, to: &out) { UInt32(bitPattern: $0) }
    case .int64(let v): NumpyArray.appendLittleEndian(v, to: &out) { UInt64(bitPattern: $0) }
    case .float32(let v): NumpyArray.appendLittleEndian(v, to: &out) { $0.bitPattern }
    case .float64(let v): NumpyArray.appendLittleEndian(v, to: &out) { $0.bitPattern }
    }
    return out
  }

  /// Appends the little-endian bytes of `values` (a plain copy on little-endian hosts).
  private static func appendLittleEndian<T, Bits: FixedWidthInteger & UnsignedInteger>(
    _ values: [T], to out: inout [UInt8], bits: (T) -> Bits
  ) {
    #if _endian(little)
      values.withUnsafeBytes { out.append(contentsOf: $0) }
    #else
      for value in values { Datasets.appendLittleEndian(bits(value), to: &out) }
    #endif
  }

  /// Writes the array to an `.npy` file (atomically, creating parent directories).
  public func write(to path: String) throws {
    try FileIO.write(encoded(), to: path)
  }
}

/// Appends the little-endian bytes of an unsigned integer.
@inline(__always)
func appendLittleEndian<T: FixedWidthInteger & UnsignedInteger>(_ value: T, to out: inout [UInt8]) {
  var v = value
  for _ in 0..<(T.bitWidth / 8) {
    out.append(UInt8(truncatingIfNeeded: v))
    v >>= 8
  }
}
