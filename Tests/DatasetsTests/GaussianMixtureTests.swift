import Datasets
import Foundation
import TensorCore
import TestSupport
import Testing

@Suite("Synthetic Gaussian mixtures")
struct GaussianMixtureTests {
  @Test(
    "families: rings and grids are centred, centered() has zero mean, offset() its diagonal mean")
  func families() throws {
    let ring = GaussianMixtureSpec.ring(components: 8, radius: 2, variance: 0.01)
    try ring.validate()
    #expect(ring.componentCount == 8 && ring.dimension == 2)
    expectClose(ring.means[2][1], 2, absolute: 1e-15)
    for m in ring.mean { expectClose(m, 0, absolute: 1e-12) }
    let rings = GaussianMixtureSpec.rings(radii: [1, 3], componentsPerRing: 6, variance: 0.02)
    #expect(rings.componentCount == 12)
    expectClose(rings.means[6][0], 3)
    let grid = GaussianMixtureSpec.grid(side: 3, spacing: 2, variance: 0.05)
    try grid.validate()
    #expect(grid.means[0] == [-2, -2] && grid.means[8] == [2, 2])
    for m in grid.mean { expectClose(m, 0, absolute: 1e-12) }

    let centered = GaussianMixtureSpec.centered(
      dimension: 5, components: 7, radius: 3, variance: 0.1, seed: 42)
    try centered.validate()
    #expect(centered.dimension == 5 && centered.componentCount == 7)
    #expect(Set(centered.weights).count == 7, "weights are drawn, not equal")
    for m in centered.mean { expectClose(m, 0, absolute: 1e-12) }
    #expect(
      centered
        == GaussianMixtureSpec.centered(
          dimension: 5, components: 7, radius: 3, variance: 0.1, seed: 42))
    #expect(
      centered
        != GaussianMixtureSpec.centered(
          dimension: 5, components: 7, radius: 3, variance: 0.1, seed: 43))
    let offset = GaussianMixtureSpec.offset(
      dimension: 4, components: 3, radius: 1, variance: 0.2, offset: 6, seed: 1)
    try offset.validate()
    for m in offset.mean { expectClose(m, 3, relative: 1e-12) }
  }

  @Test("validate() names what is wrong")
  func validation() {
    let good = GaussianMixtureSpec(
      weights: [0.25, 0.75], means: [[0, 1], [2, 3]], variances: [1, 2])
    #expect(throws: Never.self) { try good.validate() }
    let cases: [(GaussianMixtureSpec, String)] = [
      (GaussianMixtureSpec(weights: [], means: [], variances: []), "no components"),
      (
        GaussianMixtureSpec(weights: [0.5, 0.6], means: [[0], [1]], variances: [1, 1]), "sum to 1.1"
      ),
      (GaussianMixtureSpec(weights: [1], means: [[0]], variances: [-1]), "variance 0 is -1.0"),
      (
        GaussianMixtureSpec(weights: [0.5, 0.5], means: [[0], [1, 2]], variances: [1, 1]),
        "mean 1 has 2 coordinates"
      ),
      (GaussianMixtureSpec(weights: [1], means: [[0]], variances: [1, 2]), "differ in count"),
      (
        GaussianMixtureSpec(weights: [1.5, -0.5], means: [[0], [1]], variances: [1, 1]),
        "weight 1 is -0.5"
      ),
      (GaussianMixtureSpec(weights: [1], means: [[.nan]], variances: [1]), "mean 0 is not finite"),
    ]
    for (spec, fragment) in cases {
      expectDatasetError(.invalidRequest, mentioning: ["Gaussian mixture", fragment]) {
        try spec.validate()
      }
    }
  }

  @Test("Codable as {weights, means, variances}")
  func codable() throws {
    let spec = GaussianMixtureSpec(
      weights: [0.5, 0.5], means: [[-1, 0], [1, 0]], variances: [0.01, 0.04])
    let json = try JSONEncoder().encode(spec)
    let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
    #expect(Set(object?.keys.map { $0 } ?? []) == ["weights", "means", "variances"])
    #expect(try JSONDecoder().decode(GaussianMixtureSpec.self, from: json) == spec)
  }

  @Test("row r uses sample firstSample + r: batches split anywhere give the same rows")
  func determinism() {
    let spec = GaussianMixtureSpec.centered(
      dimension: 3, components: 4, radius: 2, variance: 0.3, seed: 9)
    let stream = RandomStream(seed: 5, purpose: .datasetSynthesis, step: 2)
    let all = spec.sample(count: 10, from: stream)
    #expect(all.shape == [10, 3])
    let tail = spec.sample(count: 6, from: stream, firstSample: 4)
    expectBitIdentical(all.rows(4..<10), tail)
    expectBitIdentical(all, spec.sample(count: 10, from: stream))
    #expect(spec.sample(count: 10, from: stream.atStep(3)) != all)
  }

  @Test("samples follow the mixture: component frequencies, mean and covariance")
  func distribution() {
    let spec = GaussianMixtureSpec(
      weights: [0.2, 0.8], means: [[-2, 1], [1, 0]], variances: [0.25, 1])
    let stream = RandomStream(seed: 77, purpose: .testing)
    let n = 40_000
    let samples = spec.sample(count: n, from: stream)
    let components = spec.componentIndices(count: n, from: stream)
    let fraction = Double(components.filter { $0 == 0 }.count) / Double(n)
    expectClose(fraction, 0.2, absolute: 0.01)
    var mean = [0.0, 0.0]
    for r in 0..<n { for i in 0..<2 { mean[i] += Double(samples.scalars[2 * r + i]) / Double(n) } }
    let expected = spec.mean
    let covariance = spec.covariance
    for i in 0..<2 { expectClose(mean[i], expected[i], absolute: 0.03) }
    var c00 = 0.0
    var c01 = 0.0
    for r in 0..<n {
      let a = Double(samples.scalars[2 * r]) - mean[0]
      let b = Double(samples.scalars[2 * r + 1]) - mean[1]
      c00 += a * a / Double(n)
      c01 += a * b / Double(n)
    }
    expectClose(c00, covariance[0][0], relative: 0.03)
    expectClose(c01, covariance[0][1], relative: 0.06)
    // Rows drawn from component 0 sit near its mean with its spread.
    let rows = components.indices.filter { components[$0] == 0 }
    let x0 = rows.map { Double(samples.scalars[2 * $0]) }.reduce(0, +) / Double(rows.count)
    expectClose(x0, -2, absolute: 0.03)
  }
}
