import Datasets
import Foundation
import Metrics
import TestSupport
import Testing

@Suite("External feature files")
struct FeatureFileTests {
  @Test(
    "npz statistics, stored (numpy.savez) and deflated (numpy.savez_compressed), float64 and float32"
  )
  func statistics() throws {
    let directory = try FeatureFileFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let stored = try FeatureFile(
      path: FeatureFileFixtures.write(FeatureFileFixtures.storedStatistics, "a.npz", in: directory))
    #expect(stored.contents == .statistics(dimension: 3))
    #expect(stored.moments.mean == FeatureFileFixtures.mu1)
    #expect(stored.moments.covariance.scalars == FeatureFileFixtures.sigma1)
    #expect(stored.moments.sampleCount == nil)
    let compressed = try FeatureFile(
      path: FeatureFileFixtures.write(
        FeatureFileFixtures.compressedStatistics, "b.npz", in: directory))
    #expect(compressed.moments.mean == FeatureFileFixtures.mu2)
    #expect(compressed.moments.covariance.scalars == FeatureFileFixtures.sigma2)
    // The kind comes from the content, not the name.
    let float32 = try FeatureFile(
      path: FeatureFileFixtures.write(
        FeatureFileFixtures.compressedFloat32Statistics, "stats.bin", in: directory))
    #expect(float32.moments.mean == FeatureFileFixtures.mu1)
    for (value, expected) in zip(float32.moments.covariance.scalars, FeatureFileFixtures.sigma1) {
      expectClose(value, expected, relative: 1e-7)
    }
    // Against SciPy's sqrtm route on the same statistics (see FeatureFileFixtures).
    let fd = try FrechetDistance(between: stored.moments, and: compressed.moments)
    expectClose(fd.value, 3.093669200771977, relative: 1e-12)
  }

  @Test("npy features: moments as np.mean and np.cov; FD against SciPy")
  func features() throws {
    let directory = try FeatureFileFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = try FeatureFile(
      path: FeatureFileFixtures.write(FeatureFileFixtures.features, "x.npy", in: directory))
    #expect(file.contents == .features(count: 5, dimension: 3, dtype: "float32"))
    #expect(file.moments.mean == [1.4, 1.6, 2.8])
    // np.cov(x, rowvar=False)[0] = [1.3, 0.95, -0.9]
    expectClose(file.moments.covariance[0, 1], 0.95, relative: 1e-14)
    expectClose(file.moments.covariance[0, 2], -0.9, relative: 1e-14)
    let b = try FeatureFile(
      path: FeatureFileFixtures.write(
        FeatureFileFixtures.compressedStatistics, "b.npz", in: directory))
    let fd = try FrechetDistance(between: file.moments, and: b.moments)
    expectClose(fd.value, 3.976738414798815, relative: 1e-12)
    // float64 features give the same moments.
    let doubles = NumpyArray(
      shape: [5, 3], elements: .float64([1, 2, 3, 2, 2, 1, 0, 1, 5, 3, 3, 3, 1, 0, 2]))
    let path = directory.appendingPathComponent("x64.npy").path
    try doubles.write(to: path)
    let wide = try FeatureFile(path: path)
    #expect(
      wide.moments
        == FeatureMoments(
          mean: file.moments.mean, covariance: file.moments.covariance, sampleCount: 5))
  }

  /// Expects `FeatureFile(path:)` to throw `malformedFile` naming `path` with a reason containing
  /// `reason`.
  static func expectMalformed(
    _ path: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    do {
      _ = try FeatureFile(path: path)
      Issue.record("\(path): expected an error", sourceLocation: sourceLocation)
    } catch {
      guard case .malformedFile(let named, let why) = error else {
        Issue.record("\(path): unexpected error \(error)", sourceLocation: sourceLocation)
        return
      }
      #expect(named == path, sourceLocation: sourceLocation)
      #expect(
        why.contains(reason), "reason '\(why)' lacks '\(reason)'", sourceLocation: sourceLocation)
      #expect(error.description.hasPrefix(path), sourceLocation: sourceLocation)
    }
  }

  @Test("Malformed inputs throw errors that name the file")
  func malformed() throws {
    let directory = try FeatureFileFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    func npy(_ name: String, _ array: NumpyArray) throws -> String {
      let path = directory.appendingPathComponent(name).path
      try array.write(to: path)
      return path
    }
    func npz(_ name: String, _ members: [String: NumpyArray], compressed: Bool = false) throws
      -> String
    {
      let path = directory.appendingPathComponent(name).path
      let archive = NumpyArchive(
        members: members.sorted { $0.key < $1.key }.map {
          NumpyArchive.Member(name: $0.key, array: $0.value)
        })
      try archive.write(to: path, compressed: compressed)
      return path
    }
    Self.expectMalformed(directory.appendingPathComponent("missing.npy").path, "no such file")
    let stored = [UInt8](Data(base64Encoded: FeatureFileFixtures.storedStatistics)!)
    Self.expectMalformed(
      try FeatureFileFixtures.write(
        bytes: Array(stored.prefix(300)), "truncated.npz", in: directory), "not a zip archive")
    let features = [UInt8](Data(base64Encoded: FeatureFileFixtures.features)!)
    Self.expectMalformed(
      try FeatureFileFixtures.write(
        bytes: Array(features.dropLast(5)), "truncated.npy", in: directory), "truncated")
    Self.expectMalformed(
      try FeatureFileFixtures.write(bytes: Array("not numpy".utf8), "text.npy", in: directory),
      "magic")
    Self.expectMalformed(
      try npy("vector.npy", NumpyArray(shape: [4], elements: .float32([1, 2, 3, 4]))), "2-D")
    Self.expectMalformed(
      try npy("one.npy", NumpyArray(shape: [1, 3], elements: .float32([1, 2, 3]))),
      "at least 2 rows")
    Self.expectMalformed(
      try npy("ints.npy", NumpyArray(shape: [2, 2], elements: .int32([1, 2, 3, 4]))),
      "float32 or float64")
    Self.expectMalformed(
      try npy("nan.npy", NumpyArray(shape: [2, 2], elements: .float32([1, .nan, 3, 4]))),
      "non-finite")
    let mu = NumpyArray(shape: [2], elements: .float64([0, 1]))
    Self.expectMalformed(try npz("nosigma.npz", ["mu": mu]), "sigma")
    Self.expectMalformed(
      try npz(
        "shape.npz",
        [
          "mu": mu,
          "sigma": NumpyArray(shape: [3, 3], elements: .float64(Array(repeating: 0, count: 9))),
        ]), "sigma must be [2, 2]")
    Self.expectMalformed(
      try npz(
        "asym.npz",
        ["mu": mu, "sigma": NumpyArray(shape: [2, 2], elements: .float64([1, 0.5, 0, 1]))],
        compressed: true), "not symmetric")
    Self.expectMalformed(
      try npz(
        "infsigma.npz",
        ["mu": mu, "sigma": NumpyArray(shape: [2, 2], elements: .float64([1, 0, 0, .infinity]))]),
      "non-finite")
  }
}
