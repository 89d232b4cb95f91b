import Metrics
import TensorCore
import TestSupport
import Testing

@Suite("Symmetric eigensolvers")
struct EigensolverTests {
  /// Checks `A = E^T diag(lambda) E`, `E E^T = I` and ascending order, to `tolerance * |A|`.
  static func expectValid(
    _ decomposition: SymmetricEigendecomposition, of a: DoubleMatrix, tolerance: Double,
    _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    guard let e = decomposition.eigenvectors else {
      Issue.record("\(label): no eigenvectors", sourceLocation: sourceLocation)
      return
    }
    let scale = max(a.frobeniusNorm, 1e-300)
    let residual = MetricsFixtures.maxDifference(decomposition.reconstructed(), a) / scale
    #expect(
      residual <= tolerance, "\(label): reconstruction error \(residual)",
      sourceLocation: sourceLocation)
    let gram = MetricsFixtures.naiveProduct(e, e.transposed())
    let orthogonality = MetricsFixtures.maxDifference(gram, .identity(a.rows))
    #expect(
      orthogonality <= tolerance, "\(label): orthogonality error \(orthogonality)",
      sourceLocation: sourceLocation)
    #expect(
      zip(decomposition.eigenvalues, decomposition.eigenvalues.dropFirst()).allSatisfy { $0 <= $1 },
      "\(label): eigenvalues not ascending", sourceLocation: sourceLocation)
  }

  /// The fast path against Jacobi: eigenvalues within `1e-10 |A|`, and the spectral projector of
  /// every cluster of (numerically) equal eigenvalues within `1e-10` relative (eigenvectors of a
  /// repeated eigenvalue are only defined up to a rotation inside its eigenspace).
  static func expectAgreement(
    _ a: DoubleMatrix, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let fast = try SymmetricEigendecomposition(symmetric: a)
    let reference = try SymmetricEigendecomposition.jacobi(a)
    let scale = max(a.frobeniusNorm, 1e-300)
    let tolerance = 1e-10
    expectValid(
      fast, of: a, tolerance: tolerance, label + " (fast)", sourceLocation: sourceLocation)
    expectValid(
      reference, of: a, tolerance: tolerance, label + " (Jacobi)", sourceLocation: sourceLocation)
    let valueError =
      zip(fast.eigenvalues, reference.eigenvalues).reduce(0) { max($0, abs($1.0 - $1.1)) } / scale
    #expect(
      valueError <= tolerance, "\(label): eigenvalue error \(valueError)",
      sourceLocation: sourceLocation)
    let values = reference.eigenvalues
    let n = values.count
    var start = 0
    while start < n {
      var end = start + 1
      while end < n && values[end] - values[end - 1] <= 1e-6 * scale { end += 1 }
      var worst = 0.0
      for i in 0..<n {
        for j in 0..<n {
          var pf = 0.0
          var pr = 0.0
          for k in start..<end {
            pf += fast.eigenvectors![k, i] * fast.eigenvectors![k, j]
            pr += reference.eigenvectors![k, i] * reference.eigenvectors![k, j]
          }
          worst = max(worst, abs(pf - pr))
        }
      }
      // Eigenvector error scales as eps |A| / gap; clusters are separated by >= 1e-6 |A| here
      // and by much more in every matrix below.
      #expect(
        worst <= 1e-8, "\(label): eigenspace \(start)..<\(end) differs by \(worst)",
        sourceLocation: sourceLocation)
      start = end
    }
  }

  @Test("Jacobi: the 2 x 2 closed form and a diagonal matrix")
  func jacobiClosedForms() throws {
    let a = DoubleMatrix(rows: 2, columns: 2, scalars: [2, 1, 1, 2])
    let d = try SymmetricEigendecomposition.jacobi(a)
    expectClose(d.eigenvalues[0], 1, relative: 1e-15)
    expectClose(d.eigenvalues[1], 3, relative: 1e-15)
    expectClose(abs(d.eigenvectors![1, 0]), 0.5.squareRoot(), relative: 1e-15)
    let diagonal = try SymmetricEigendecomposition.jacobi(.diagonal([3, -1, 2]))
    #expect(diagonal.eigenvalues == [-1, 2, 3])
  }

  @Test(
    "Fast path matches Jacobi on random symmetric matrices", arguments: [1, 2, 3, 5, 17, 40, 70])
  func randomSymmetric(n: Int) throws {
    try Self.expectAgreement(
      MetricsFixtures.symmetricMatrix(n, seed: UInt64(100 + n)), "random n=\(n)")
  }

  @Test("Fast path matches Jacobi with repeated eigenvalues")
  func repeatedEigenvalues() throws {
    let values: [Double] = [5, 5, 5, -2, -2, 1, 0.5, 3, 3, 3, 3, 7, 1, 1]
    try Self.expectAgreement(MetricsFixtures.matrix(withEigenvalues: values, seed: 7), "repeated")
    try Self.expectAgreement(.identity(9), "identity")
    try Self.expectAgreement(DoubleMatrix(zeros: 6, 6), "zero")
  }

  @Test("Fast path matches Jacobi with near-zero eigenvalues (rank-deficient PSD)")
  func nearZeroEigenvalues() throws {
    // X^T X with 7 samples in 30 dimensions: rank 7, 23 eigenvalues at round-off level.
    let x = MetricsFixtures.normalMatrix(7, 30, seed: 8)
    try Self.expectAgreement(
      MetricsFixtures.naiveProduct(x.transposed(), x).symmetrized(), "rank 7 of 30")
    let values = (0..<25).map { i in i < 5 ? 1e-13 * Double(i) : Double(i) }
    try Self.expectAgreement(
      MetricsFixtures.matrix(withEigenvalues: values, seed: 9), "tiny eigenvalues")
  }

  @Test("Many zero eigenvalues (a covariance of fewer samples than features) converge")
  func manyZeroEigenvalues() throws {
    // Regression: a local deflation test |e_m| <= eps (|d_m| + |d_m+1|) never fires inside a
    // cluster of round-off-level diagonal entries; 1500 x 2048 features failed this way.
    let x = MetricsFixtures.normalMatrix(60, 400, seed: 14)
    let covariance = DoubleGemm.product(x, x, transposeA: true, symmetricResult: true)
    let fast = try SymmetricEigendecomposition(symmetric: covariance)
    Self.expectValid(fast, of: covariance, tolerance: 1e-12, "rank 60 of 400")
    let values = try SymmetricEigendecomposition.eigenvalues(ofSymmetric: covariance)
    let scale = covariance.frobeniusNorm
    #expect(values.filter { abs($0) <= 1e-12 * scale }.count == 340)
  }

  @Test("Larger matrices cross the WY block size; graded spectra stay accurate")
  func largerMatrix() throws {
    let a = MetricsFixtures.symmetricMatrix(150, seed: 10)
    try Self.expectAgreement(a, "random n=150")
    let graded = MetricsFixtures.matrix(
      withEigenvalues: (0..<80).map { 1e-6 * Double($0 * $0) }, seed: 11)
    try Self.expectAgreement(graded, "graded n=80")
  }

  @Test("Eigenvalues alone equal those with eigenvectors; non-finite input throws")
  func eigenvaluesOnlyAndErrors() throws {
    let a = MetricsFixtures.symmetricMatrix(60, seed: 12)
    let full = try SymmetricEigendecomposition(symmetric: a)
    let values = try SymmetricEigendecomposition.eigenvalues(ofSymmetric: a)
    #expect(values == full.eigenvalues)
    var bad = a
    bad[3, 2] = .nan
    #expect(throws: MetricsError.self) { try SymmetricEigendecomposition(symmetric: bad) }
    #expect(throws: MetricsError.self) { try SymmetricEigendecomposition.jacobi(bad) }
  }

  @Test("Bit-identical for 1 and 2 threads")
  func threadDeterminism() throws {
    let a = MetricsFixtures.symmetricMatrix(300, seed: 13)
    let one = try ComputeThreads.withCount(1) { try SymmetricEigendecomposition(symmetric: a) }
    let two = try ComputeThreads.withCount(2) { try SymmetricEigendecomposition(symmetric: a) }
    #expect(one.eigenvalues.map(\.bitPattern) == two.eigenvalues.map(\.bitPattern))
    #expect(
      one.eigenvectors!.scalars.map(\.bitPattern) == two.eigenvectors!.scalars.map(\.bitPattern))
  }
}
