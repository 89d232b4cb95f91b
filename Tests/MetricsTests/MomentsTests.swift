import Metrics
import TensorCore
import TestSupport
import Testing

@Suite("Feature moments")
struct MomentsTests {
  /// Mean and unbiased covariance by the textbook two-pass formula, in Double.
  static func naiveMoments(_ x: [[Double]]) -> ([Double], DoubleMatrix) {
    let n = x.count
    let d = x[0].count
    var mean = [Double](repeating: 0, count: d)
    for row in x { for j in 0..<d { mean[j] += row[j] } }
    for j in 0..<d { mean[j] /= Double(n) }
    var c = DoubleMatrix(zeros: d, d)
    for row in x {
      for i in 0..<d { for j in 0..<d { c[i, j] += (row[i] - mean[i]) * (row[j] - mean[j]) } }
    }
    for i in 0..<(d * d) { c.scalars[i] /= Double(n - 1) }
    return (mean, c)
  }

  @Test(
    "Mean and unbiased (N-1) covariance of float32 and float64 samples match the textbook formula")
  func matchesNaive() {
    let features = RandomStream(seed: 1, purpose: .testing).normalTensor(shape: [523, 37]).map {
      3 + 2 * $0
    }
    let rows = (0..<523).map { r in (0..<37).map { Double(features.scalars[r * 37 + $0]) } }
    let (mean, covariance) = Self.naiveMoments(rows)
    let moments = FeatureMoments(features: features)
    #expect(moments.sampleCount == 523)
    #expect(moments.dimension == 37)
    for j in 0..<37 { expectClose(moments.mean[j], mean[j], relative: 1e-14) }
    #expect(MetricsFixtures.maxDifference(moments.covariance, covariance) <= 1e-13)
    #expect(moments.covariance.relativeAsymmetry == 0)
    let doubles = rows.flatMap { $0 }
    let fromDoubles = doubles.withUnsafeBufferPointer {
      FeatureMoments(samples: $0, count: 523, dimension: 37)
    }
    #expect(MetricsFixtures.maxDifference(fromDoubles.covariance, moments.covariance) == 0)
  }

  @Test("Two samples: covariance is (x1 - x2)(x1 - x2)^T / 2")
  func twoSamples() {
    let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 3, 6, 4])
    let m = FeatureMoments(features: x)
    #expect(m.mean == [2, 4, 3.5])
    let delta = [-2.0, -4, -1]
    for i in 0..<3 {
      for j in 0..<3 { expectClose(m.covariance[i, j], delta[i] * delta[j] / 2, relative: 1e-15) }
    }
  }

  @Test("Bit-identical for 1 and 2 threads")
  func threadDeterminism() {
    let x = randomTensor([700, 300], seed: 2)
    let one = ComputeThreads.withCount(1) { FeatureMoments(features: x) }
    let two = ComputeThreads.withCount(2) { FeatureMoments(features: x) }
    #expect(one.mean.map(\.bitPattern) == two.mean.map(\.bitPattern))
    #expect(one.covariance.scalars.map(\.bitPattern) == two.covariance.scalars.map(\.bitPattern))
  }
}
