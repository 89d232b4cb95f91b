/// A minimal PNG encoder (ISO/IEC 15948): 8-bit grayscale or RGB, no interlacing, filter type 0
/// on every row, one `IDAT` chunk deflated by the system zlib. The same pixels give the same
/// bytes. Readers such as PIL (pytorch-fid) and libpng decode it.
public enum PNG {
  static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// The PNG file of an image whose `pixels` are row-major, interleaved (`HWC`), `channels` 1
  /// (grayscale) or 3 (RGB).
  public static func encoded(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
    precondition(width >= 1 && height >= 1 && (channels == 1 || channels == 3),
      "PNG.encoded: needs a positive size and 1 or 3 channels, got \(width)x\(height)x\(channels)")
    precondition(pixels.count == width * height * channels,
      "PNG.encoded: \(width)x\(height)x\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
    var header = [UInt8]()
    appendBigEndian(UInt32(width), to: &header)
    appendBigEndian(UInt32(height), to: &header)
    // Bit depth 8; color type 0 (gray) or 2 (RGB); compression, filter, interlace methods 0.
    header += [8, channels == 1 ? 0 : 2, 0, 0, 0]
    let stride = width * channels
    var raw = [UInt8]()
    raw.reserveCapacity(height * (stride + 1))
    for y in 0..<height {
      raw.append(0)  // filter type None
      raw += pixels[(y * stride)..<((y + 1) * stride)]
    }
    var out = signature
    appendChunk("IHDR", header, to: &out)
    appendChunk("IDAT", Zlib.deflateZlib(raw), to: &out)
    appendChunk("IEND", [], to: &out)
    return out
  }

  /// Writes a PNG file (atomically, creating parent directories).
  public static func write(width: Int, height: Int, channels: Int, pixels: [UInt8], to path: String) throws {
    try FileIO.write(encoded(width: width, height: height, channels: channels, pixels: pixels), to: path)
  }

  /// Length, type, data and the CRC-32 of type and data.
  static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
    let body = Array(type.utf8) + data
    appendBigEndian(UInt32(data.count), to: &out)
    out += body
    appendBigEndian(body.withUnsafeBytes { Zlib.crc32($0) }, to: &out)
  }

  static func appendBigEndian(_ value: UInt32, to out: inout [UInt8]) {
    out += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
  }
}
