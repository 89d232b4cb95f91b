import Foundation
import Testing
import Datasets

@Suite("PNG encoder")
struct PNGTests {
  /// The chunks of a PNG file: (type, data), with each CRC checked.
  static func chunks(_ bytes: [UInt8]) -> [(String, [UInt8])] {
    var out = [(String, [UInt8])]()
    var offset = 8
    func big(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    while offset + 12 <= bytes.count {
      let length = big(offset)
      let body = Array(bytes[(offset + 4)..<(offset + 8 + length)])
      #expect(UInt32(big(offset + 8 + length)) == crc32(body))
      out.append((String(decoding: body.prefix(4), as: UTF8.self), Array(body.dropFirst(4))))
      offset += 12 + length
    }
    #expect(offset == bytes.count)
    return out
  }

  @Test("signature, IHDR, one IDAT that inflates to the filtered rows, IEND; deterministic", arguments: [1, 3])
  func layout(channels: Int) throws {
    let (width, height) = (5, 3)
    let pixels = (0..<(width * height * channels)).map { UInt8(($0 * 37) % 256) }
    let bytes = PNG.encoded(width: width, height: height, channels: channels, pixels: pixels)
    #expect(bytes == PNG.encoded(width: width, height: height, channels: channels, pixels: pixels))
    #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let chunks = Self.chunks(bytes)
    #expect(chunks.map(\.0) == ["IHDR", "IDAT", "IEND"])
    #expect(chunks[0].1 == [0, 0, 0, 5, 0, 0, 0, 3, 8, channels == 1 ? 0 : 2, 0, 0, 0])
    // zlib stream: 2-byte header, raw deflate, Adler-32.
    let idat = chunks[1].1
    #expect(idat[0] & 0x0F == 8 && (Int(idat[0]) << 8 | Int(idat[1])) % 31 == 0)
    var expected = [UInt8]()
    for y in 0..<height { expected += [0] + pixels[(y * width * channels)..<((y + 1) * width * channels)] }
    // Inflated by Python's zlib when it is here.
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("png-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: file) }
    try Data(idat).write(to: file)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(open(sys.argv[1], 'rb').read()))", file.path]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return }
    let raw = Array(output.fileHandleForReading.readDataToEndOfFile())
    process.waitUntilExit()
    guard process.terminationStatus != 127 else { return }  // no python3
    #expect(process.terminationStatus == 0 && raw == expected)
  }

  /// CRC-32 (ISO 3309), bit by bit.
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
}
