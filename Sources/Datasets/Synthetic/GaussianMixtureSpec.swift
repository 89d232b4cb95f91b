/// A mixture of isotropic Gaussians, `p(x) = sum_k weights[k] N(x; means[k], variances[k] I)`,
/// as a plain Codable value.
///
/// Other modules build exact teachers from it (the Diffusion module does not import Datasets;
/// the Harness passes the three arrays across). JSON:
/// `{"weights": [0.5, 0.5], "means": [[-1, 0], [1, 0]], "variances": [0.01, 0.01]}`.
/// Families: `GaussianMixtureSpec+Families.swift`; sampling: `GaussianMixtureSpec+Sampling.swift`.
public struct GaussianMixtureSpec: Codable, Sendable, Equatable, Hashable {
  /// Mixture weights, positive, summing to 1.
  public var weights: [Double]
  /// Component means, `[components][dimension]`.
  public var means: [[Double]]
  /// Per-component isotropic variances `sigma_k^2`, positive.
  public var variances: [Double]

  /// Creates a specification (check it with `validate()` where it comes from outside).
  public init(weights: [Double], means: [[Double]], variances: [Double]) {
    self.weights = weights
    self.means = means
    self.variances = variances
  }

  /// Number of components.
  public var componentCount: Int { weights.count }
  /// Dimension of the data space.
  public var dimension: Int { means.first?.count ?? 0 }

  /// Tolerance on `|sum(weights) - 1|`.
  public static let weightSumTolerance = 1e-9

  /// Checks the specification: at least one component, matching counts, one dimension >= 1,
  /// finite values, positive weights summing to 1 (within `weightSumTolerance`), positive
  /// variances.
  ///
  /// - Throws: `DatasetError.invalidRequest` saying what is wrong.
  public func validate() throws {
    func fail(_ message: String) -> DatasetError { .invalidRequest("Gaussian mixture: " + message) }
    guard !weights.isEmpty else { throw fail("no components") }
    guard means.count == weights.count, variances.count == weights.count else {
      throw fail(
        "\(weights.count) weights, \(means.count) means and \(variances.count) variances differ in count"
      )
    }
    guard dimension >= 1 else { throw fail("means must have at least one coordinate") }
    for (k, mean) in means.enumerated() {
      guard mean.count == dimension else {
        throw fail("mean \(k) has \(mean.count) coordinates, mean 0 has \(dimension)")
      }
      guard mean.allSatisfy(\.isFinite) else { throw fail("mean \(k) is not finite") }
    }
    for (k, w) in weights.enumerated() where !(w.isFinite && w > 0) {
      throw fail("weight \(k) is \(w), must be positive")
    }
    for (k, v) in variances.enumerated() where !(v.isFinite && v > 0) {
      throw fail("variance \(k) is \(v), must be positive")
    }
    let total = weights.reduce(0, +)
    guard abs(total - 1) <= GaussianMixtureSpec.weightSumTolerance else {
      throw fail("weights sum to \(total), must sum to 1")
    }
  }

  /// The mixture's mean, `sum_k w_k mu_k`.
  public var mean: [Double] {
    var m = [Double](repeating: 0, count: dimension)
    for k in 0..<componentCount {
      for i in 0..<dimension { m[i] += weights[k] * means[k][i] }
    }
    return m
  }

  /// The mixture's covariance, `sum_k w_k (sigma_k^2 I + mu_k mu_k^T) - m m^T`:
  /// `[dimension][dimension]`.
  public var covariance: [[Double]] {
    let d = dimension
    let m = mean
    var c = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
    for k in 0..<componentCount {
      let centred = (0..<d).map { means[k][$0] - m[$0] }
      for i in 0..<d {
        c[i][i] += weights[k] * variances[k]
        for j in 0..<d { c[i][j] += weights[k] * centred[i] * centred[j] }
      }
    }
    return c
  }
}
