import Datasets
import TensorCore
import TestSupport
import Testing

/// Damaged input must end in a `DatasetError`, never in a trap: every prefix of each valid file
/// and seeded random byte corruptions are decoded, and anything but success or a
/// `DatasetError` fails the test (a trap would end the test process).
@Suite("Robustness: truncated and corrupted files never trap")
struct RobustnessTests {
  /// Decodes `bytes` as its format; returns normally or throws.
  typealias Decoder = @Sendable ([UInt8]) throws -> Void

  static let decoders: [(name: String, valid: [UInt8], decode: Decoder)] = [
    ("npy float32", Fixtures.npyFloat32, { _ = try NumpyArray(decoding: $0, path: "f.npy") }),
    ("npy uint8", Fixtures.npyUInt8NHWC, { _ = try NumpyArray(decoding: $0, path: "u.npy") }),
    ("npz stored", Fixtures.npzStored, { _ = try NumpyArchive(decoding: $0, path: "s.npz") }),
    ("npz deflated", Fixtures.npzCompressed, { _ = try NumpyArchive(decoding: $0, path: "c.npz") }),
    (
      "idx gzip", Fixtures.idxImagesGzip,
      { bytes in _ = try bytes.withUnsafeBytes { try IDX.decodeImages($0, path: "i.gz") } }
    ),
    (
      "idx raw", idxFile(shape: [2, 3, 3], data: (0..<18).map(UInt8.init)),
      { bytes in _ = try bytes.withUnsafeBytes { try IDX.decodeImages($0, path: "i") } }
    ),
    (
      "cifar", cifarRecord(label: 4, seed: 1),
      { bytes in _ = try bytes.withUnsafeBytes { try CIFAR10.decode($0, path: "c.bin") } }
    ),
  ]

  static func outcome(_ decode: Decoder, _ bytes: [UInt8]) -> String? {
    do {
      try decode(bytes)
      return nil
    } catch is DatasetError {
      return nil
    } catch {
      return "\(type(of: error)): \(error)"
    }
  }

  @Test("every proper prefix of a valid file is an error, and only DatasetErrors are thrown")
  func prefixes() {
    for (name, valid, decode) in RobustnessTests.decoders {
      #expect(RobustnessTests.outcome(decode, valid) == nil, "\(name): the valid file")
      #expect(throws: Never.self, "\(name) decodes") { try decode(valid) }
      for length in 0..<valid.count {
        let prefix = Array(valid.prefix(length))
        #expect(throws: DatasetError.self, "\(name) prefix of \(length) bytes") {
          try decode(prefix)
        }
      }
    }
  }

  @Test("seeded random corruptions throw DatasetError or decode")
  func corruptions() {
    let stream = RandomStream(seed: 2024, purpose: .testing)
    for (index, (name, valid, decode)) in RobustnessTests.decoders.enumerated() {
      for trial in 0..<300 {
        let sample = index * 1000 + trial
        var bytes = valid
        let flips = 1 + stream.integer(below: 4, sample: sample, index: 0)
        for f in 0..<flips {
          let position = stream.integer(below: bytes.count, sample: sample, index: 1 + 2 * f)
          let value = stream.integer(below: 256, sample: sample, index: 2 + 2 * f)
          bytes[position] = UInt8(value)
        }
        let problem = RobustnessTests.outcome(decode, bytes)
        #expect(problem == nil, "\(name) trial \(trial): \(problem ?? "")")
      }
    }
  }
}
