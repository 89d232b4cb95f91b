import Datasets
import Foundation
import TestSupport
import Testing

/// A temporary directory for one test, removed when the value goes away.
final class Scratch {
  let url: URL

  init() throws { url = try CommandRunner.temporaryDirectory("datasets-test") }
  deinit { try? FileManager.default.removeItem(at: url) }

  /// `directory/name`.
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Writes `bytes` to `name` and returns its path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = self.path(name)
    try FileManager.default.createDirectory(
      at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }
}

/// Runs `body`, expects a `DatasetError` of `kind`, and checks that its description names the
/// file (when given), mentions every fragment, and carries the offset (when given).
func expectDatasetError(
  _ kind: DatasetError.Kind, path: String? = nil, offset: Int? = nil,
  mentioning fragments: [String],
  sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record(
      "expected a DatasetError (\(kind)), nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as DatasetError {
    #expect(error.kind == kind, "kind: \(error)", sourceLocation: sourceLocation)
    if let path {
      #expect(
        error.path == path && error.description.hasPrefix(path), "path: \(error)",
        sourceLocation: sourceLocation)
    }
    if let offset {
      #expect(error.offset == offset, "offset: \(error)", sourceLocation: sourceLocation)
      #expect(
        error.description.contains("at byte \(offset)"), "\(error)", sourceLocation: sourceLocation)
    }
    for fragment in fragments {
      #expect(
        error.description.contains(fragment), "'\(fragment)' missing from: \(error)",
        sourceLocation: sourceLocation)
    }
  } catch {
    Issue.record("expected a DatasetError, got \(error)", sourceLocation: sourceLocation)
  }
}

/// Bitwise CRC-32 (ISO 3309), independent of zlib.
func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xffff_ffff
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
  }
  return ~crc
}

/// A gzip file holding `bytes` in stored (uncompressed) deflate blocks, written by hand.
func gzipStored(_ bytes: [UInt8]) -> [UInt8] {
  var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]
  var start = 0
  repeat {
    let length = min(65535, bytes.count - start)
    let final: UInt8 = start + length == bytes.count ? 1 : 0
    out += [
      final, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff),
      UInt8((~length >> 8) & 0xff),
    ]
    out += bytes[start..<(start + length)]
    start += length
  } while start < bytes.count
  out +=
    littleEndian32(referenceCRC32(bytes)) + littleEndian32(UInt32(truncatingIfNeeded: bytes.count))
  return out
}

func littleEndian32(_ v: UInt32) -> [UInt8] {
  (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
}
func bigEndian32(_ v: Int) -> [UInt8] {
  (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
}

/// An IDX file: `00 00 08 rank`, big-endian extents, data.
func idxFile(shape: [Int], data: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
  [0, 0, type, UInt8(shape.count)] + shape.flatMap(bigEndian32) + data
}

/// A CIFAR-10 record: label, then 3072 pixels `(seed + i) % 256`.
func cifarRecord(label: UInt8, seed: Int) -> [UInt8] {
  [label] + (0..<3072).map { UInt8((seed + $0) % 256) }
}

/// An `.npy` file with a hand-written header (for malformed-header tests).
func npyFile(header: String, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
  var text = Array(header.utf8)
  while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
  text.append(0x0a)
  return [
    0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0, UInt8(text.count & 0xff), UInt8(text.count >> 8),
  ] + text + data
}
