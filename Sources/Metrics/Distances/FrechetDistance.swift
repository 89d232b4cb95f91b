/// The Frechet distance between two Gaussians fitted to feature sets (Dowson & Landau 1982; the
/// FID of Heusel et al. 2017 when the features are Inception-v3 pool features):
///
///     d^2 = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1^(1/2) S2 S1^(1/2))^(1/2))
///
/// (`shared/spec/math.md`, section 6). Computed in Double through symmetric eigendecompositions
/// instead of the general `sqrtm(S1 S2)` of pytorch-fid and EDM: with `S1 = E^T diag(lambda) E`
/// and `G = diag(sqrt lambda) E` (rows with `lambda > 0` only), `S1^(1/2) S2 S1^(1/2)` is similar
/// to `M = G S2 G^T`, so `tr (...)^(1/2) = sum_i sqrt(mu_i)` over the eigenvalues `mu` of the
/// symmetric PSD `M`. That is one eigendecomposition with vectors, two `DoubleGemm` products and
/// one without vectors; both spectra have their round-off negatives clamped and reported.
///
/// The names of stored numbers say which features were used (`fd-pixels`, `fd-randconv`,
/// `fd-external`, see `FeatureExtractor`); it is "FID" only on real Inception-v3 features, whose
/// weights PrecondBench cannot ship — such features can only come in through `external`.
public struct FrechetDistance: Sendable, Equatable {
  /// `d^2`, the distance as FID reports it (not its square root). Round-off can make it slightly
  /// negative for identical inputs; it is reported as computed.
  public let value: Double
  /// `|mu1 - mu2|^2`.
  public let meanTerm: Double
  /// `tr(S1) + tr(S2) - 2 tr (S1^(1/2) S2 S1^(1/2))^(1/2)`.
  public let covarianceTerm: Double
  /// The eigenvalues of `S1` clamped to zero.
  public let firstCovarianceClamping: EigenvalueClamping
  /// The eigenvalues of `S1^(1/2) S2 S1^(1/2)` clamped to zero.
  public let productClamping: EigenvalueClamping

  /// The number of eigenvalues clamped to zero in both spectra.
  public var clampedEigenvalues: Int { firstCovarianceClamping.count + productClamping.count }

  /// The distance between the Gaussians `N(a.mean, a.covariance)` and `N(b.mean, b.covariance)`.
  ///
  /// - Parameters: `a`, `b` with equal dimensions; `names` label them in errors.
  /// - Throws: `MetricsError.dimensionMismatch`, `.nonFiniteInput`, `.notPositiveSemidefinite`.
  public init(
    between a: FeatureMoments, and b: FeatureMoments, names: (String, String) = ("first", "second")
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
    let first = try SymmetricEigendecomposition(symmetric: a.covariance)
    var lambda = first.eigenvalues
    let firstClamping = try EigenvalueClamping.clamp(&lambda, what: "covariance of \(names.0)")
    // G = diag(sqrt lambda) E over the positive eigenvalues.
    let kept = lambda.indices.filter { lambda[$0] > 0 }
    var traceOfRoot = 0.0
    var productClamping = EigenvalueClamping(count: 0, mostNegative: 0, largest: 0)
    if !kept.isEmpty, let e = first.eigenvectors {
      let g = DoubleMatrix(rows: kept.count, columns: n) { out in
        e.scalars.withUnsafeBufferPointer { source in
          for (target, row) in kept.enumerated() {
            let scale = lambda[row].squareRoot()
            for j in 0..<n { out[target * n + j] = scale * source[row * n + j] }
          }
        }
      }
      let gs = DoubleGemm.product(g, b.covariance)
      let m = DoubleGemm.product(gs, g, transposeB: true, symmetricResult: true)
      var mu = try SymmetricEigendecomposition.eigenvalues(ofSymmetric: m)
      productClamping = try EigenvalueClamping.clamp(&mu, what: "S1^(1/2) S2 S1^(1/2) of \(names.0) and \(names.1)")
      for value in mu { traceOfRoot += value.squareRoot() }
    }
    let covarianceTerm = a.covariance.trace + b.covariance.trace - 2 * traceOfRoot
    self.meanTerm = meanTerm
    self.covarianceTerm = covarianceTerm
    self.value = meanTerm + covarianceTerm
    self.firstCovarianceClamping = firstClamping
    self.productClamping = productClamping
  }
}
