import Foundation

extension NumpyArray {
  /// The magic string that opens every `.npy` file: `\x93NUMPY`.
  static let magic: [UInt8] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]

  /// Reads an `.npy` file (format versions 1.0, 2.0 and 3.0; C order; the dtypes of
  /// `NumpyDType`).
  ///
  /// - Throws: `DatasetError` naming `path`: `.notFound`, `.malformed` (bad magic, bad header,
  ///   truncated or oversized data, with the byte offset) or `.unsupported` (other dtypes,
  ///   big-endian data, `fortran_order: True`).
  public init(contentsOf path: String) throws {
    let data = try FileIO.read(path)
    self = try data.withUnsafeBytes { raw in
      var reader = ByteReader(raw, path: path)
      return try NumpyArray(reading: &reader, toEnd: true)
    }
  }

  /// Decodes the bytes of an `.npy` file; `path` names it in errors.
  public init(decoding bytes: [UInt8], path: String) throws {
    self = try bytes.withUnsafeBytes { raw in
      var reader = ByteReader(raw, path: path)
      return try NumpyArray(reading: &reader, toEnd: true)
    }
  }

  /// Decodes one array at the reader's cursor; with `toEnd`, bytes after the data are an error.
  init(reading reader: inout ByteReader, toEnd: Bool) throws {
    let start = reader.offset
    let magic = try reader.take(6, for: "the npy magic")
    guard magic.elementsEqual(NumpyArray.magic) else {
      let found = magic.map { String(format: "%02x", $0) }.joined(separator: " ")
      throw reader.malformed(
        "bad npy magic: expected 93 4e 55 4d 50 59 (\\x93NUMPY), found \(found)", at: start)
    }
    let majorOffset = reader.offset
    let major = try reader.uint8("the npy format version")
    _ = try reader.uint8("the npy format version")
    let headerLength: Int
    switch major {
    case 1: headerLength = try reader.uint16LE("the npy header length")
    case 2, 3: headerLength = Int(try reader.uint32LE("the npy header length"))
    default:
      throw reader.unsupported("npy format version \(major) (supported: 1, 2, 3)", at: majorOffset)
    }
    let headerStart = reader.offset
    let headerBytes = try reader.take(headerLength, for: "the npy header")
    let header = try NumpyHeader.parse(headerBytes, base: headerStart, path: reader.path)
    guard let dtype = NumpyDType(descr: header.descr) else {
      let supported = NumpyDType.allCases.map(\.descr).joined(separator: ", ")
      let hint = header.descr.hasPrefix(">") ? " (big-endian data: save it little-endian)" : ""
      throw reader.unsupported(
        "unsupported npy dtype '\(header.descr)'\(hint); supported: \(supported)", at: headerStart)
    }
    let count = try checkedProduct(
      header.shape, or: reader.malformed("shape \(header.shape) is too large", at: headerStart))
    if header.fortranOrder && header.shape.filter({ $0 > 1 }).count > 1 {
      throw reader.unsupported(
        "fortran_order True is not supported (save a C-ordered array: np.ascontiguousarray)",
        at: headerStart)
    }
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteWidth)
    guard !overflow else {
      throw reader.malformed("shape \(header.shape) is too large", at: headerStart)
    }
    guard reader.remaining >= byteCount else {
      throw reader.malformed(
        "truncated: shape \(header.shape) of \(header.descr) needs \(byteCount) bytes of data from "
          + "byte \(reader.offset), but only \(reader.remaining) remain")
    }
    let raw = try reader.take(byteCount, for: "the array data")
    if toEnd && reader.remaining > 0 {
      throw reader.malformed(
        "\(reader.remaining) unexpected bytes after the \(byteCount) bytes of array data")
    }
    self.init(
      shape: header.shape, elements: NumpyArray.decodeElements(raw, dtype: dtype, count: count))
  }

  /// Copies little-endian elements out of raw bytes.
  static func decodeElements(_ raw: UnsafeRawBufferPointer, dtype: NumpyDType, count: Int)
    -> Elements
  {
    switch dtype {
    case .uint8: .uint8(Array(raw))
    case .int32: .int32(copyLittleEndian(raw, count: count) { Int32(littleEndian: $0) })
    case .int64: .int64(copyLittleEndian(raw, count: count) { Int64(littleEndian: $0) })
    case .float32:
      .float32(
        copyLittleEndian(raw, count: count) {
          Float(bitPattern: UInt32(littleEndian: $0.bitPattern))
        })
    case .float64:
      .float64(
        copyLittleEndian(raw, count: count) {
          Double(bitPattern: UInt64(littleEndian: $0.bitPattern))
        })
    }
  }

  /// Copies `count` elements of `T` byte for byte, then applies `fromLittleEndian` on hosts that
  /// need it (big-endian ones).
  private static func copyLittleEndian<T: BitwiseCopyable>(
    _ raw: UnsafeRawBufferPointer, count: Int, fromLittleEndian: (T) -> T
  ) -> [T] {
    [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      if count > 0 {
        UnsafeMutableRawBufferPointer(buffer).copyMemory(
          from: UnsafeRawBufferPointer(rebasing: raw[0..<(count * MemoryLayout<T>.stride)]))
      }
      #if _endian(big)
        for i in 0..<count { buffer[i] = fromLittleEndian(buffer[i]) }
      #endif
      initialized = count
    }
  }
}
