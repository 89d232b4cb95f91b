import Foundation
import TestSupport
import Testing

@Suite("precond-bench fd")
struct FDCommandTests {
  /// NumPy-written statistics (see Tests/MetricsTests/FeatureFileFixtures.swift for how they were
  /// made): `np.savez` of mu1/s1 and `np.savez_compressed` of mu2/s2, dimension 3. SciPy's
  /// `sqrtm` route gives FD = 3.093669200771977 between them (computed offline).
  static let storedStatistics =
    "UEsDBC0AAAAAAAAAIQAqwR1E//////////8GABQAbXUubnB5AQAQAJgAAAAAAAAAmAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAAAAPA/AAAAAAAAAEAAAAAAAAAIQFBLAwQtAAAAAAAAACEA/2SeDf//////////CQAUAHNpZ21hLm5weQEAEADIAAAAAAAAAMgAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAQAAAAAAAAOA/AAAAAAAAAAAAAAAAAADgPwAAAAAAAPA/mpmZmZmZyT8AAAAAAAAAAJqZmZmZmck/AAAAAAAACEBQSwECLQMtAAAAAAAAACEAKsEdRJgAAACYAAAABgAAAAAAAAAAAAAAgAEAAAAAbXUubnB5UEsBAi0DLQAAAAAAAAAhAP9kng3IAAAAyAAAAAkAAAAAAAAAAAAAAIAB0AAAAHNpZ21hLm5weVBLBQYAAAAAAgACAGsAAADTAQAAAAA="
  static let compressedStatistics =
    "UEsDBC0AAAAIAAAAIQBAt4yr//////////8GABQAbXUubnB5AQAQAJgAAAAAAAAAUAAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2ahrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOpo6CrUKFAAuBjB4YA+hWRwgNIMDAFBLAwQtAAAACAAAACEAtJ02Wf//////////CQAUAHNpZ21hLm5weQEAEADIAAAAAAAAAGMAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjoKxpo6CrUKZAMuBjD4YD9rJgjstDcGg8twPkSewQFKM8DkGVDAA3sAUEsBAi0DLQAAAAgAAAAhAEC3jKtQAAAAmAAAAAYAAAAAAAAAAAAAAIABAAAAAG11Lm5weVBLAQItAy0AAAAIAAAAIQC0nTZZYwAAAMgAAAAJAAAAAAAAAAAAAACAAYgAAABzaWdtYS5ucHlQSwUGAAAAAAIAAgBrAAAAJgEAAAAA"

  /// The bytes of a float32 `.npy` file of shape `[rows, columns]`, as `numpy.save` writes it.
  static func npy(_ values: [Float], rows: Int, columns: Int) -> [UInt8] {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    return bytes
  }

  static func write(_ bytes: [UInt8], _ name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  static func fixtures(in directory: URL) throws -> (a: String, b: String, x: String, wide: String)
  {
    let a = try write([UInt8](Data(base64Encoded: storedStatistics)!), "a.npz", in: directory)
    let b = try write([UInt8](Data(base64Encoded: compressedStatistics)!), "b.npz", in: directory)
    let x = try write(
      npy([1, 2, 3, 2, 2, 1, 0, 1, 5, 3, 3, 3, 1, 0, 2], rows: 5, columns: 3), "x.npy",
      in: directory)
    let wide = try write(
      npy((0..<20).map { Float($0 % 7) }, rows: 5, columns: 4), "wide.npy", in: directory)
    return (a, b, x, wide)
  }

  static func json(_ text: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
  }

  @Test("--json prints the distance of npz statistics (stored and compressed) as SciPy computes it")
  func statisticsJSON() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let files = try Self.fixtures(in: directory)
    let result = try CommandRunner.run(["fd", files.a, files.b, "--json"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    let object = try Self.json(result.stdout)
    let fd = object["fd"] as? Double ?? .nan
    expectClose(fd, 3.093669200771977, relative: 1e-12)
    #expect(object["features"] as? String == "external")
    #expect(object["metric"] as? String == "fd-external")
    #expect(object["dimension"] as? Int == 3)
    #expect(object["clampedEigenvalues"] as? Int == 0)
    #expect((object["b"] as? [String: Any])?["kind"] as? String == "statistics")
  }

  @Test(
    "npy features against npz statistics and against themselves; text output; --threads does not change it"
  )
  func featuresAndText() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let files = try Self.fixtures(in: directory)
    let json = try CommandRunner.run(["fd", files.x, files.b, "--json"])
    #expect(json.exitCode == 0, "\(json.stderr)")
    expectClose(
      try Self.json(json.stdout)["fd"] as? Double ?? .nan, 3.976738414798815, relative: 1e-12)
    let same = try CommandRunner.run(["fd", files.x, files.x, "--json"])
    #expect(abs(try Self.json(same.stdout)["fd"] as? Double ?? .nan) <= 1e-12)
    let text = try CommandRunner.run(["fd", files.x, files.b])
    #expect(text.exitCode == 0)
    #expect(text.stdout.hasPrefix("fd-external 3.97673841479"))
    #expect(text.stdout.contains("5 x 3 float32 features"))
    #expect(text.stdout.contains("Inception"))
    let threaded = try CommandRunner.run(["fd", files.x, files.b, "--threads", "2"])
    #expect(threaded.stdout == text.stdout)
  }

  @Test("Mismatched dimensions exit 65 naming both files")
  func mismatchedDimensions() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let files = try Self.fixtures(in: directory)
    let result = try CommandRunner.run(["fd", files.wide, files.b, "--json"])
    #expect(result.exitCode == 65)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr.contains(files.wide) && result.stderr.contains(files.b), "\(result.stderr)")
    #expect(result.stderr.contains("dimensions differ"))
  }

  @Test("Malformed, missing and non-feature files exit 65 naming the file; bad usage exits 64")
  func malformedInputs() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let files = try Self.fixtures(in: directory)
    let stored = [UInt8](Data(base64Encoded: Self.storedStatistics)!)
    let truncated = try Self.write(Array(stored.prefix(200)), "truncated.npz", in: directory)
    let garbage = try Self.write(Array("hello".utf8), "garbage.npy", in: directory)
    let oneRow = try Self.write(Self.npy([1, 2, 3], rows: 1, columns: 3), "one.npy", in: directory)
    let missing = directory.appendingPathComponent("missing.npy").path
    for bad in [truncated, garbage, oneRow, missing] {
      let result = try CommandRunner.run(["fd", files.a, bad])
      #expect(result.exitCode == 65, "\(bad): \(result.stderr)")
      #expect(result.stderr.contains(bad), "\(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
    #expect(try CommandRunner.run(["fd", files.a]).exitCode == 64)
    #expect(try CommandRunner.run(["fd", files.a, files.b, "--bogus"]).exitCode == 64)
    let help = try CommandRunner.run(["fd", "--help"])
    #expect(help.exitCode == 0 && help.stdout.contains("USAGE: precond-bench fd"))
  }
}
