/// Failures of the metrics on bad input: typed, thrown upward, and worded so that the executable
/// can print them as they are (file names included where a file is involved).
public enum MetricsError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A matrix or feature set given to a metric holds NaN or an infinity.
  case nonFiniteInput(String)
  /// The QL or Jacobi iteration did not converge (only non-finite input makes this happen).
  case noConvergence(String)
  /// A covariance that should be positive semidefinite has an eigenvalue below the round-off
  /// tolerance: `eigenvalue` is the most negative one, `largest` the largest in magnitude.
  case notPositiveSemidefinite(String, eigenvalue: Double, largest: Double)
  /// A covariance matrix is not symmetric beyond round-off.
  case notSymmetric(String, relativeAsymmetry: Double)
  /// Two operands have different feature dimensions.
  case dimensionMismatch(String, Int, String, Int)
  /// A feature or statistics file cannot be used: `path` and why.
  case malformedFile(path: String, reason: String)
  /// The features cannot be computed here (the `external` extractor: features computed elsewhere
  /// are read from files).
  case featuresNotComputable(String)
  /// A string names no valid choice: what was given, and the valid values.
  case unknownChoice(kind: String, given: String, valid: [String])

  /// A one-line message naming what is wrong and where.
  public var description: String {
    switch self {
    case .nonFiniteInput(let what): return "\(what) contains NaN or infinite values"
    case .noConvergence(let what): return "\(what): eigenvalue iteration did not converge"
    case .notPositiveSemidefinite(let what, let eigenvalue, let largest):
      return
        "\(what) is not positive semidefinite: eigenvalue \(eigenvalue) against a largest of \(largest)"
    case .notSymmetric(let what, let asymmetry):
      return "\(what) is not symmetric (relative asymmetry \(asymmetry))"
    case .dimensionMismatch(let a, let da, let b, let db):
      return "feature dimensions differ: \(a) has \(da), \(b) has \(db)"
    case .malformedFile(let path, let reason): return "\(path): \(reason)"
    case .featuresNotComputable(let why): return why
    case .unknownChoice(let kind, let given, let valid):
      return "unknown \(kind) '\(given)' (valid: \(valid.joined(separator: ", ")))"
    }
  }
}
