/// What clamping the eigenvalues of a positive semidefinite matrix did: how many were negative,
/// how many were indistinguishable from zero, the most negative one, and the scale they are judged
/// against.
///
/// A symmetric PSD matrix computed in floating point (a covariance, `G S G^T`) has eigenvalues
/// known only to about `n eps |lambda|_max` (the backward error of the eigensolver), so round-off
/// pushes zero eigenvalues slightly below or above zero. Every eigenvalue with
/// `|lambda| <= n eps |lambda|_max` is set to exactly zero: a square root would otherwise turn
/// round-off of `1e-16` into a contribution of `1e-8` (the matrix square root is not Lipschitz at
/// singular matrices), and a Frechet distance between rank-deficient covariances would lose its
/// symmetry at that level. Negative eigenvalues beyond that are clamped to zero too and counted;
/// one below `-tolerance * |lambda|_max` is no round-off, and the input is rejected.
public struct EigenvalueClamping: Sendable, Hashable, Codable {
  /// The relative tolerance for a negative eigenvalue, against the largest eigenvalue magnitude:
  /// generous for Double arithmetic (round-off is ~1e-13) and still passes covariances that were
  /// stored as float32 (~1e-7).
  public static let defaultTolerance = 1e-6

  /// How many eigenvalues were negative (all set to zero).
  public var count: Int
  /// How many eigenvalues were within round-off of zero, `|lambda| <= n eps |lambda|_max`
  /// (set to zero; negative ones are also counted in `count`).
  public var roundOffZeros: Int
  /// The most negative eigenvalue (0 when none was negative).
  public var mostNegative: Double
  /// The largest eigenvalue magnitude, the scale of the check.
  public var largest: Double

  /// A record of clamping.
  public init(count: Int, roundOffZeros: Int = 0, mostNegative: Double, largest: Double) {
    self.count = count
    self.roundOffZeros = roundOffZeros
    self.mostNegative = mostNegative
    self.largest = largest
  }

  /// Sets negative eigenvalues and those within round-off of zero to zero, in place, and reports.
  ///
  /// - Throws: `MetricsError.notPositiveSemidefinite(what, ...)` when the most negative
  ///   eigenvalue is below `-tolerance * max |lambda|`.
  public static func clamp(
    _ eigenvalues: inout [Double], what: String, tolerance: Double = defaultTolerance
  ) throws(MetricsError) -> EigenvalueClamping {
    let largest = eigenvalues.reduce(0) { max($0, abs($1)) }
    let roundOff = Double(eigenvalues.count) * Double.ulpOfOne * largest
    var count = 0
    var zeros = 0
    var mostNegative = 0.0
    for i in eigenvalues.indices {
      let value = eigenvalues[i]
      if value < 0 {
        count += 1
        mostNegative = min(mostNegative, value)
      }
      if abs(value) <= roundOff { zeros += 1 }
      if value < 0 || abs(value) <= roundOff { eigenvalues[i] = 0 }
    }
    if mostNegative < -tolerance * largest {
      throw .notPositiveSemidefinite(what, eigenvalue: mostNegative, largest: largest)
    }
    return EigenvalueClamping(
      count: count, roundOffZeros: zeros, mostNegative: mostNegative, largest: largest)
  }
}
