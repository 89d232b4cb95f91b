/// The Frechet distance between two Gaussians fitted to feature sets (Dowson & Landau 1982; the
/// FID of Heusel et al. 2017 when the features are Inception-v3 pool features):
///
///     d^2 = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1^(1/2) S2 S1^(1/2))^(1/2))
///
/// (docs/math.md section 6), in Double, through a symmetric eigendecomposition instead
/// of the general `sqrtm(S1 S2)` of pytorch-fid and EDM. For any factor `S1 = F F^T`, the matrix
/// `S1^(1/2) S2 S1^(1/2)` is similar to the symmetric PSD `M = F^T S2 F`, so
/// `tr (S1^(1/2) S2 S1^(1/2))^(1/2) = sum_i sqrt(mu_i)` over the eigenvalues `mu` of `M`, which
/// need no eigenvectors. Two routes to a factor:
///
/// - `cholesky` (when `S1` is positive definite: every Cholesky pivot above `n eps max S1_ii`):
///   `F = L` from `S1 = L L^T`; about `n^3 / 3` flops for `L`, `5 n^3 / 6` for `M`.
/// - `eigendecomposition` (singular or nearly singular `S1`, e.g. fewer samples than features):
///   `S1 = E^T diag(lambda) E`, `F = E^T diag(sqrt lambda)` over the eigenvalues above round-off,
///   which are clamped and reported (`EigenvalueClamping`).
///
/// The eigenvalues of `M` are clamped and reported the same way. The route depends only on the
/// data, and every step is bit-identical for any thread count.
///
/// Stored numbers say which features were used (`fd-pixels`, `fd-randconv`, `fd-external`, see
/// `FeatureExtractor`); it is "FID" only on real Inception-v3 features, whose weights PrecondBench
/// cannot ship — such features can only come in through `external`.
public struct FrechetDistance: Sendable, Equatable {
  /// How `S1` was factored.
  public enum Route: String, Sendable, Codable, CaseIterable {
    /// `S1 = L L^T`.
    case cholesky
    /// `S1 = E^T diag(lambda) E`.
    case eigendecomposition
  }

  /// Which routes may be taken.
  public enum Method: String, Sendable, CaseIterable {
    /// Cholesky when `S1` is positive definite, else the eigendecomposition.
    case automatic
    /// Always the eigendecomposition of `S1` (the reference route).
    case eigendecomposition
  }

  /// `d^2`, the distance as FID reports it (not its square root). Round-off can make it slightly
  /// negative for identical inputs; it is reported as computed.
  public let value: Double
  /// `|mu1 - mu2|^2`.
  public let meanTerm: Double
  /// `tr(S1) + tr(S2) - 2 tr (S1^(1/2) S2 S1^(1/2))^(1/2)`.
  public let covarianceTerm: Double
  /// The route taken.
  public let route: Route
  /// The eigenvalues of `S1` clamped to zero (`nil` on the Cholesky route, where `S1` was
  /// positive definite).
  public let firstCovarianceClamping: EigenvalueClamping?
  /// The eigenvalues of `S1^(1/2) S2 S1^(1/2)` clamped to zero.
  public let productClamping: EigenvalueClamping

  /// The number of negative eigenvalues set to zero in both spectra.
  public var clampedEigenvalues: Int {
    (firstCovarianceClamping?.count ?? 0) + productClamping.count
  }
  /// The number of eigenvalues within round-off of zero set to zero in both spectra.
  public var roundOffZeroEigenvalues: Int {
    (firstCovarianceClamping?.roundOffZeros ?? 0) + productClamping.roundOffZeros
  }

  /// The distance between the Gaussians `N(a.mean, a.covariance)` and `N(b.mean, b.covariance)`.
  ///
  /// - Parameters: `a`, `b` with equal dimensions; `names` label them in errors.
  /// - Throws: `MetricsError.dimensionMismatch`, `.nonFiniteInput`, `.notPositiveSemidefinite`.
  public init(
    between a: FeatureMoments, and b: FeatureMoments, names: (String, String) = ("first", "second"),
    method: Method = .automatic
  ) throws(MetricsError) {
    guard a.dimension == b.dimension else {
      throw .dimensionMismatch(names.0, a.dimension, names.1, b.dimension)
    }
    for (moments, name) in [(a, names.0), (b, names.1)] {
      guard moments.mean.allSatisfy(\.isFinite) && moments.covariance.isFinite else {
        throw .nonFiniteInput("statistics of \(name)")
      }
    }
    let n = a.dimension
    var meanTerm = 0.0
    for j in 0..<n {
      let delta = a.mean[j] - b.mean[j]
      meanTerm += delta * delta
    }
    let largestVariance = a.covariance.diagonal.reduce(0) { max($0, abs($1)) }
    let threshold = Double(n) * Double.ulpOfOne * largestVariance
    let m: DoubleMatrix?
    switch method {
    case .automatic:
      if let factor = CholeskyFactorization(symmetric: a.covariance, threshold: threshold) {
        m = factor.congruence(b.covariance)
        self.route = .cholesky
        self.firstCovarianceClamping = nil
      } else {
        (m, self.firstCovarianceClamping) = try Self.eigenRoute(
          a.covariance, b.covariance, name: names.0)
        self.route = .eigendecomposition
      }
    case .eigendecomposition:
      (m, self.firstCovarianceClamping) = try Self.eigenRoute(
        a.covariance, b.covariance, name: names.0)
      self.route = .eigendecomposition
    }
    var traceOfRoot = 0.0
    if let m {
      var mu = try SymmetricEigendecomposition.eigenvalues(ofSymmetric: m)
      self.productClamping = try EigenvalueClamping.clamp(
        &mu, what: "S1^(1/2) S2 S1^(1/2) of \(names.0) and \(names.1)")
      for value in mu { traceOfRoot += value.squareRoot() }
    } else {
      self.productClamping = EigenvalueClamping(count: 0, mostNegative: 0, largest: 0)
    }
    self.meanTerm = meanTerm
    self.covarianceTerm = a.covariance.trace + b.covariance.trace - 2 * traceOfRoot
    self.value = meanTerm + covarianceTerm
  }

  /// `M = F^T S2 F` with `F = E^T diag(sqrt lambda)` from the eigendecomposition of `S1`, over the
  /// eigenvalues left positive by clamping (`nil` when none is: `S1 = 0`).
  static func eigenRoute(
    _ s1: DoubleMatrix, _ s2: DoubleMatrix, name: String
  ) throws(MetricsError) -> (DoubleMatrix?, EigenvalueClamping) {
    let n = s1.rows
    let first = try SymmetricEigendecomposition(symmetric: s1)
    var lambda = first.eigenvalues
    let clamping = try EigenvalueClamping.clamp(&lambda, what: "covariance of \(name)")
    let kept = lambda.indices.filter { lambda[$0] > 0 }
    guard !kept.isEmpty, let e = first.eigenvectors else { return (nil, clamping) }
    // G = F^T = diag(sqrt lambda) E over the kept eigenvalues; M = G S2 G^T.
    let g = DoubleMatrix(rows: kept.count, columns: n) { out in
      e.scalars.withUnsafeBufferPointer { source in
        for (target, row) in kept.enumerated() {
          let scale = lambda[row].squareRoot()
          for j in 0..<n { out[target * n + j] = scale * source[row * n + j] }
        }
      }
    }
    let gs = DoubleGemm.product(g, s2)
    return (DoubleGemm.product(gs, g, transposeB: true, symmetricResult: true), clamping)
  }
}
