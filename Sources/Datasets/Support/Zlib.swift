import CZlib

/// gzip and raw-deflate decompression, raw-deflate compression and CRC-32, through the system
/// zlib.
enum Zlib {
  /// zlib's counters are 32-bit; longer buffers are fed in pieces of this many bytes.
  private static let maximumPiece = 1 << 30

  /// Whether the bytes start with the gzip magic `1f 8b`.
  static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
  }

  /// The CRC-32 (ISO 3309, as zip and gzip use it) of `bytes`.
  static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: uLong = CZlib.crc32(0, nil, 0)
    var start = 0
    while start < bytes.count {
      let piece = min(maximumPiece, bytes.count - start)
      let pointer = bytes.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + start }
      crc = CZlib.crc32(crc, pointer, uInt(piece))
      start += piece
    }
    return UInt32(truncatingIfNeeded: crc)
  }

  /// Decompresses a gzip file (one or more concatenated members, as `gzip` and Python write).
  ///
  /// - Throws: `DatasetError.malformed` naming `path` and the compressed offset where the
  ///   stream broke (bad header, corrupt data, CRC or length mismatch, truncation).
  static func gunzip(_ input: UnsafeRawBufferPointer, path: String) throws -> [UInt8] {
    guard isGzip(input) else {
      throw DatasetError.malformed(path, at: 0, "not a gzip file (no 1f 8b magic)")
    }
    // The trailer's ISIZE is the uncompressed length modulo 2^32: a good first guess when it is
    // plausible (deflate expands at most 1032:1). A damaged trailer must not make us allocate
    // gigabytes, so the first allocation is capped; the buffer grows as needed.
    var guess = input.count * 4
    if input.count >= 18 {
      let tail = input.count - 4
      let isize =
        Int(input[tail]) | Int(input[tail + 1]) << 8 | Int(input[tail + 2]) << 16
        | Int(input[tail + 3]) << 24
      if isize > 0 && isize <= input.count * 1032 { guess = isize + 1 }
    }
    var output = [UInt8](repeating: 0, count: min(max(guess, 1024), 1 << 28))
    var produced = 0
    var consumed = 0
    while consumed < input.count {
      let member = UnsafeRawBufferPointer(rebasing: input[consumed...])
      guard isGzip(member) else {
        if member.allSatisfy({ $0 == 0 }) { break }  // zero padding after the last member
        throw DatasetError.malformed(path, at: consumed, "trailing data after the gzip stream")
      }
      let used = try inflate(
        member, windowBits: 15 + 16, into: &output, produced: &produced, expectedSize: nil,
        path: path, base: consumed, format: "gzip")
      consumed += used
    }
    output.removeSubrange(produced...)
    return output
  }

  /// Inflates raw deflate data (no header; zip's method 8) that must produce `expectedSize`
  /// bytes.
  ///
  /// - Parameter base: the offset of `input` in the file, for error messages.
  static func inflateRaw(
    _ input: UnsafeRawBufferPointer, expectedSize: Int, path: String, base: Int
  ) throws -> [UInt8] {
    // Deflate expands at most 1032:1; a larger declared size is damage, not a reason to
    // allocate it.
    guard expectedSize <= input.count * 1032 + 1024 else {
      throw DatasetError.malformed(
        path, at: base,
        "the archive declares \(expectedSize) uncompressed bytes for \(input.count) deflated bytes, "
          + "more than deflate can produce")
    }
    // One spare byte: zlib may fill the buffer exactly before it reads the end-of-block code.
    var output = [UInt8](repeating: 0, count: expectedSize + 1)
    var produced = 0
    _ = try inflate(
      input, windowBits: -15, into: &output, produced: &produced, expectedSize: expectedSize,
      path: path, base: base, format: "deflate")
    guard produced == expectedSize else {
      throw DatasetError.malformed(
        path, at: base,
        "deflate stream inflates to \(produced) bytes, the archive declares \(expectedSize)")
    }
    output.removeSubrange(produced...)
    return output
  }

  /// Runs one zlib stream to its end; returns the number of input bytes it consumed.
  private static func inflate(
    _ input: UnsafeRawBufferPointer, windowBits: Int32, into output: inout [UInt8],
    produced: inout Int, expectedSize: Int?, path: String, base: Int, format: String
  ) throws -> Int {
    var stream = z_stream()
    guard
      inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { throw DatasetError(kind: .unreadable, path: path, message: "zlib failed to initialise") }
    defer { inflateEnd(&stream) }
    var consumed = 0
    while true {
      if produced == output.count {
        if let expectedSize, produced >= expectedSize {
          throw DatasetError.malformed(
            path, at: base + consumed,
            "\(format) stream inflates to more than the \(expectedSize) bytes the archive declares")
        }
        // Doubling keeps the copying linear; a declared size caps the growth.
        let grown = max(output.count, 1 << 16)
        output.append(
          contentsOf: repeatElement(
            0, count: expectedSize.map { min(grown, $0 + 1 - output.count) } ?? grown))
      }
      let inPiece = min(maximumPiece, input.count - consumed)
      let outPiece = min(maximumPiece, output.count - produced)
      let status: Int32 = output.withUnsafeMutableBytes { out in
        stream.next_in = UnsafeMutablePointer(
          mutating: input.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + consumed })
        stream.avail_in = uInt(inPiece)
        stream.next_out = out.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + produced }
        stream.avail_out = uInt(outPiece)
        return CZlib.inflate(&stream, Z_NO_FLUSH)
      }
      consumed += inPiece - Int(stream.avail_in)
      produced += outPiece - Int(stream.avail_out)
      switch status {
      case Z_STREAM_END:
        return consumed
      case Z_OK:
        continue
      case Z_BUF_ERROR where consumed == input.count:
        throw DatasetError.malformed(
          path, at: base + consumed,
          "truncated \(format) stream: input ended after \(consumed) compressed bytes "
            + "(\(produced) bytes decompressed so far)")
      case Z_BUF_ERROR:
        continue
      default:
        let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        throw DatasetError.malformed(
          path, at: base + consumed, "bad \(format) data: \(reason)")
      }
    }
  }

  /// Compresses `input` as raw deflate (zip's method 8) at the default level.
  static func deflateRaw(_ input: [UInt8]) -> [UInt8] { deflate(input, windowBits: -15) }

  /// Compresses `input` into a zlib stream (RFC 1950: header, deflate data, Adler-32), as PNG's
  /// `IDAT` chunks hold it.
  static func deflateZlib(_ input: [UInt8]) -> [UInt8] { deflate(input, windowBits: 15) }

  /// Deflates with zlib's `windowBits` convention: negative for raw deflate, 15 for a zlib stream.
  private static func deflate(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
    var stream = z_stream()
    let initialised = deflateInit2_(
      &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
      Int32(MemoryLayout<z_stream>.size))
    precondition(initialised == Z_OK, "zlib deflateInit2 failed with status \(initialised)")
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
    var consumed = 0
    var produced = 0
    while true {
      let inPiece = min(maximumPiece, input.count - consumed)
      let outPiece = min(maximumPiece, output.count - produced)
      let flush = consumed + inPiece == input.count ? Z_FINISH : Z_NO_FLUSH
      let status: Int32 = input.withUnsafeBytes { source in
        output.withUnsafeMutableBytes { out in
          stream.next_in = UnsafeMutablePointer(
            mutating: source.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + consumed })
          stream.avail_in = uInt(inPiece)
          stream.next_out = out.baseAddress.map {
            $0.assumingMemoryBound(to: Bytef.self) + produced
          }
          stream.avail_out = uInt(outPiece)
          return CZlib.deflate(&stream, flush)
        }
      }
      consumed += inPiece - Int(stream.avail_in)
      produced += outPiece - Int(stream.avail_out)
      if status == Z_STREAM_END { break }
      precondition(
        status == Z_OK || status == Z_BUF_ERROR, "zlib deflate failed with status \(status)")
      if produced == output.count { output.append(contentsOf: repeatElement(0, count: 1 << 16)) }
    }
    output.removeSubrange(produced...)
    return output
  }
}
