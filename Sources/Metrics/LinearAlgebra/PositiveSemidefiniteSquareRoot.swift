/// The principal square root of a symmetric positive semidefinite matrix,
/// `S^(1/2) = E^T diag(sqrt(max(lambda, 0))) E` from `S = E^T diag(lambda) E`
/// (Higham, "Functions of Matrices", 2008, section 6.1: the unique PSD root), with the
/// round-off negatives of `lambda` clamped and reported (`EigenvalueClamping`).
public struct PositiveSemidefiniteSquareRoot: Sendable {
  /// `S^(1/2): [n, n]`, symmetric positive semidefinite.
  public let root: DoubleMatrix
  /// The eigenvalues of `S` that were clamped to zero.
  public let clamping: EigenvalueClamping

  /// The square root of the symmetric PSD matrix `s: [n, n]` (its upper triangle is read).
  ///
  /// - Throws: `MetricsError.nonFiniteInput`, or `.notPositiveSemidefinite` when an eigenvalue is
  ///   negative beyond round-off (`tolerance` relative to the largest).
  public init(
    _ s: DoubleMatrix, tolerance: Double = EigenvalueClamping.defaultTolerance
  ) throws(MetricsError) {
    let decomposition = try SymmetricEigendecomposition(symmetric: s)
    var values = decomposition.eigenvalues
    self.clamping = try EigenvalueClamping.clamp(
      &values, what: "matrix under the square root", tolerance: tolerance)
    let clamped = SymmetricEigendecomposition(
      eigenvalues: values, eigenvectors: decomposition.eigenvectors)
    self.root = clamped.reconstructed { $0.squareRoot() }
  }
}
