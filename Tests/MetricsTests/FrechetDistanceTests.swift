import Metrics
import TensorCore
import TestSupport
import Testing

@Suite("Frechet distance")
struct FrechetDistanceTests {
  /// Samples of `N(mean, Q^T diag(variances) Q)`: rows `mean + z diag(sqrt var) Q`.
  static func gaussianSamples(
    count: Int, mean: [Double], variances: [Double], rotation: DoubleMatrix, seed: UInt64
  ) -> Tensor {
    let d = mean.count
    let z = RandomStream(seed: seed, purpose: .testing).normalTensor(shape: [count, d])
    var out = [Float]()
    out.reserveCapacity(count * d)
    for r in 0..<count {
      for j in 0..<d {
        var v = mean[j]
        for i in 0..<d {
          v += Double(z.scalars[r * d + i]) * variances[i].squareRoot() * rotation[i, j]
        }
        out.append(Float(v))
      }
    }
    return Tensor(shape: [count, d], scalars: out)
  }

  @Test("FD of a feature set with itself is ~0")
  func identicalSets() throws {
    let x = RandomStream(seed: 1, purpose: .testing).normalTensor(shape: [400, 50])
    let m = FeatureMoments(features: x)
    let fd = try FrechetDistance(between: m, and: m)
    #expect(abs(fd.value) <= 1e-10 * m.covariance.trace, "FD \(fd.value)")
    #expect(fd.meanTerm == 0)
  }

  @Test(
    "Known means and commuting covariances match the closed form |mu1-mu2|^2 + sum (sqrt a - sqrt b)^2"
  )
  func commutingCovariances() throws {
    let d = 40
    let q = MetricsFixtures.orthogonalMatrix(d, seed: 2)
    let a = (0..<d).map { 0.5 + Double($0 % 7) }
    let b = (0..<d).map { 2.0 + 0.3 * Double($0 % 5) }
    let mu1 = (0..<d).map { Double($0) / 10 }
    let mu2 = (0..<d).map { Double($0 % 3) }
    func covariance(_ values: [Double]) -> DoubleMatrix {
      var scaled = q
      for i in 0..<d { for j in 0..<d { scaled[i, j] *= values[i] } }
      return MetricsFixtures.naiveProduct(q.transposed(), scaled).symmetrized()
    }
    let fd = try FrechetDistance(
      between: FeatureMoments(mean: mu1, covariance: covariance(a)),
      and: FeatureMoments(mean: mu2, covariance: covariance(b)))
    var expected = 0.0
    for j in 0..<d { expected += (mu1[j] - mu2[j]) * (mu1[j] - mu2[j]) }
    let meanPart = expected
    for i in 0..<d {
      expected += (a[i].squareRoot() - b[i].squareRoot()) * (a[i].squareRoot() - b[i].squareRoot())
    }
    expectClose(fd.value, expected, relative: 1e-11)
    expectClose(fd.meanTerm, meanPart, relative: 1e-14)
  }

  @Test("FD is symmetric, and singular covariances (N < D) clamp and report round-off eigenvalues")
  func symmetryAndRankDeficiency() throws {
    let q = MetricsFixtures.orthogonalMatrix(30, seed: 3)
    let a = FeatureMoments(
      features: Self.gaussianSamples(
        count: 500, mean: [Double](repeating: 0, count: 30),
        variances: (0..<30).map { 1 + Double($0) / 10 },
        rotation: q, seed: 4))
    let b = FeatureMoments(
      features: Self.gaussianSamples(
        count: 20, mean: [Double](repeating: 0.2, count: 30),
        variances: [Double](repeating: 2, count: 30),
        rotation: q, seed: 5))
    let ab = try FrechetDistance(between: a, and: b)
    let ba = try FrechetDistance(between: b, and: a)
    expectClose(ab.value, ba.value, relative: 1e-10)
    // b has rank <= 19 in 30 dimensions: its zero eigenvalues come out at round-off level, about
    // half of them negative.
    #expect(ab.route == .cholesky)
    #expect(ba.route == .eigendecomposition)
    let clamping = try #require(ba.firstCovarianceClamping)
    #expect(clamping.count > 0)
    #expect(clamping.roundOffZeros >= 11)
    #expect(clamping.mostNegative > -1e-12 * clamping.largest)
    // The product's rank-19 spectrum: its round-off eigenvalues are zeroed on the Cholesky route.
    #expect(ab.productClamping.roundOffZeros >= 11)
  }

  @Test("The Cholesky and eigendecomposition routes agree")
  func routesAgree() throws {
    let x = FeatureMoments(features: randomTensor([400, 90], seed: 11))
    let y = FeatureMoments(features: randomTensor([300, 90], seed: 12).map { $0 * $0 + 0.2 })
    let fast = try FrechetDistance(between: x, and: y)
    let reference = try FrechetDistance(between: x, and: y, method: .eigendecomposition)
    #expect(fast.route == .cholesky && reference.route == .eigendecomposition)
    expectClose(fast.value, reference.value, relative: 1e-12)
  }

  @Test("Sample FD converges to the population closed form")
  func samplesApproachClosedForm() throws {
    let d = 8
    let identity = DoubleMatrix.identity(d)
    let x = Self.gaussianSamples(
      count: 20_000, mean: [Double](repeating: 0, count: d),
      variances: [Double](repeating: 1, count: d), rotation: identity, seed: 6)
    let y = Self.gaussianSamples(
      count: 20_000, mean: [Double](repeating: 1, count: d),
      variances: [Double](repeating: 4, count: d), rotation: identity, seed: 7)
    let fd = try FrechetDistance(
      between: FeatureMoments(features: x), and: FeatureMoments(features: y))
    // |mu1 - mu2|^2 = 8, sum (1 - 2)^2 = 8.
    expectClose(fd.value, 16, relative: 0.03)
  }

  @Test("Dimension mismatch, non-finite statistics and non-PSD covariances throw")
  func errors() throws {
    let a = FeatureMoments(mean: [0, 0], covariance: .identity(2))
    let b = FeatureMoments(mean: [0, 0, 0], covariance: .identity(3))
    #expect(throws: MetricsError.dimensionMismatch("first", 2, "second", 3)) {
      try FrechetDistance(between: a, and: b)
    }
    let bad = FeatureMoments(mean: [.nan, 0], covariance: .identity(2))
    #expect(throws: MetricsError.self) { try FrechetDistance(between: a, and: bad) }
    let indefinite = FeatureMoments(mean: [0, 0], covariance: .diagonal([1, -0.5]))
    #expect(throws: MetricsError.self) { try FrechetDistance(between: indefinite, and: a) }
  }

  @Test("The PSD square root squares back and reports clamping")
  func squareRoot() throws {
    let s = MetricsFixtures.matrix(withEigenvalues: [4, 1, 0.25, 0, 9, -1e-15], seed: 8)
    let root = try PositiveSemidefiniteSquareRoot(s)
    let square = MetricsFixtures.naiveProduct(root.root, root.root)
    #expect(MetricsFixtures.maxDifference(square, s) <= 1e-12)
    #expect(root.clamping.count >= 1)
    #expect(throws: MetricsError.self) { try PositiveSemidefiniteSquareRoot(.diagonal([1, -1])) }
  }

  @Test("Bit-identical for 1 and 2 threads")
  func threadDeterminism() throws {
    let x = FeatureMoments(features: randomTensor([300, 120], seed: 9))
    let y = FeatureMoments(features: randomTensor([250, 120], seed: 10).map { $0 * 1.5 + 0.1 })
    for method in FrechetDistance.Method.allCases {
      let one = try ComputeThreads.withCount(1) {
        try FrechetDistance(between: x, and: y, method: method)
      }
      let two = try ComputeThreads.withCount(2) {
        try FrechetDistance(between: x, and: y, method: method)
      }
      #expect(one.value.bitPattern == two.value.bitPattern, "\(method)")
    }
  }
}
