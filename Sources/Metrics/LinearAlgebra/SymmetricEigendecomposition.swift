/// The eigendecomposition `A = E^T diag(lambda) E` of a real symmetric matrix.
///
/// The fast path (`init(symmetric:computeEigenvectors:)`) is Householder tridiagonalisation
/// (`HouseholderTridiagonalization`, fused and parallel), the orthogonal factor formed in compact
/// WY blocks through `DoubleGemm`, and the implicit QL iteration (`TridiagonalQL`) whose rotations
/// are replayed on the eigenvectors in cache-sized strips (`PlaneRotationSequence`); the cost is
/// about `(4/3 + 4/3) n^3` flops in matrix products plus the rotations, and O(n^2) without
/// eigenvectors. `jacobi(_:)` is the cyclic Jacobi method kept as the reference (Golub & Van Loan
/// 4th ed., section 8.5; Rutishauser's thresholds as in Numerical Recipes' `jacobi`), slower but
/// simple and accurate; the tests hold the fast path to it at 1e-10 of `|A|`.
///
/// Both are deterministic and bit-identical for any thread count.
public struct SymmetricEigendecomposition: Sendable {
  /// `lambda: [n]`, the eigenvalues in ascending order.
  public let eigenvalues: [Double]
  /// `E: [n, n]`: row `i` is the unit eigenvector of `eigenvalues[i]` (`nil` when eigenvectors
  /// were not asked for).
  public let eigenvectors: DoubleMatrix?

  /// Creates a decomposition from its parts (eigenvalues ascending, eigenvectors as rows).
  public init(eigenvalues: [Double], eigenvectors: DoubleMatrix?) {
    self.eigenvalues = eigenvalues
    self.eigenvectors = eigenvectors
  }

  /// Decomposes the symmetric matrix `a: [n, n]` (only its upper triangle is read).
  ///
  /// - Throws: `MetricsError.nonFiniteInput` for NaN or infinite elements,
  ///   `MetricsError.noConvergence` if the QL iteration fails (it does not on finite input).
  public init(symmetric a: DoubleMatrix, computeEigenvectors: Bool = true) throws(MetricsError) {
    precondition(
      a.isSquare, "SymmetricEigendecomposition: matrix is [\(a.rows), \(a.columns)], not square")
    guard a.isFinite else { throw .nonFiniteInput("symmetric eigendecomposition input") }
    let n = a.rows
    let reduction = HouseholderTridiagonalization(symmetric: a)
    var values = reduction.diagonal
    var rotations: PlaneRotationSequence? = computeEigenvectors ? PlaneRotationSequence() : nil
    guard
      TridiagonalQL.solve(
        diagonal: &values, offDiagonal: reduction.offDiagonal, rotations: &rotations)
    else {
      throw .noConvergence("symmetric eigendecomposition of a \(n) x \(n) matrix")
    }
    let order = Self.ascendingOrder(values)
    self.eigenvalues = order.map { values[$0] }
    if let rotations {
      var e = reduction.orthogonalFactorTransposed()
      rotations.apply(to: &e)
      self.eigenvectors = Self.permutedRows(e, order)
    } else {
      self.eigenvectors = nil
    }
  }

  /// The eigenvalues of the symmetric matrix `a` in ascending order (no eigenvectors: O(n^3)
  /// for the reduction, O(n^2) for the iteration).
  public static func eigenvalues(ofSymmetric a: DoubleMatrix) throws(MetricsError) -> [Double] {
    try SymmetricEigendecomposition(symmetric: a, computeEigenvectors: false).eigenvalues
  }

  /// Indices sorting `values` ascending; ties keep their order.
  static func ascendingOrder(_ values: [Double]) -> [Int] {
    values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
  }

  /// Rows of `m` in the order `order`.
  static func permutedRows(_ m: DoubleMatrix, _ order: [Int]) -> DoubleMatrix {
    DoubleMatrix(rows: order.count, columns: m.columns) { out in
      m.scalars.withUnsafeBufferPointer { source in
        for (target, row) in order.enumerated() {
          for j in 0..<m.columns { out[target * m.columns + j] = source[row * m.columns + j] }
        }
      }
    }
  }

  /// `E^T diag(f(lambda)) E`, the matrix function of `f` on the decomposed matrix, computed as
  /// `G^T G` with `G = diag(sqrt f(lambda)) E` when every `f(lambda) >= 0`, in a symmetric
  /// `DoubleGemm` product.
  public func reconstructed(applying f: (Double) -> Double = { $0 }) -> DoubleMatrix {
    guard let e = eigenvectors else {
      preconditionFailure(
        "SymmetricEigendecomposition.reconstructed: eigenvectors were not computed")
    }
    let n = e.columns
    let values = eigenvalues.map(f)
    if values.allSatisfy({ $0 >= 0 }) {
      var g = e
      for i in 0..<values.count {
        let scale = values[i].squareRoot()
        for j in 0..<n { g.scalars[i * n + j] *= scale }
      }
      return DoubleGemm.product(g, g, transposeA: true, symmetricResult: true)
    }
    var scaled = e
    for i in 0..<values.count {
      for j in 0..<n { scaled.scalars[i * n + j] *= values[i] }
    }
    return DoubleGemm.product(e, scaled, transposeA: true).symmetrized()
  }
}
