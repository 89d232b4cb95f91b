import Diffusion

/// A preconditioning of a trajectory jumper (docs/math.md section 3): how the raw network output
/// `F` is mixed with the input,
/// `f(x_t, t, s) = A(t, s) x_t + B(t, s) F(cIn(t) x_t, cNoise(t), cNoise(s))`.
public enum Preconditioning: String, Codable, Sendable, CaseIterable, Hashable {
  /// EDM's preconditioning as consistency models use it, boundary at tMin (CD only).
  case edm
  /// CTM's: `f = (s/t) x_t + (1 - s/t) D_theta(x_t, t, s)` (identical to EDM's extended to jumps).
  case ctm
  /// Analytic-Precond, forward form (anchored at t): the default reading of section 5.
  case analytic
  /// Analytic-Precond, backward form (anchored at s): our reading of the paper's "backward form".
  case analyticBackward = "analytic-backward"
  /// Analytic-Precond with only the linear statistic `l` (`s = 0`), an ablation.
  case analyticL = "analytic-l"

  /// Whether the coefficients need the teacher statistics of section 5.
  public var needsStatistics: Bool {
    switch self {
    case .edm, .ctm: return false
    case .analytic, .analyticBackward, .analyticL: return true
    }
  }

  /// Parses a name at the CLI or suite-file boundary; the error lists the valid names.
  public static func parse(_ name: String) throws -> Preconditioning {
    guard let value = Preconditioning(rawValue: name) else {
      throw ChoiceError(kind: "preconditioning", value: name, valid: allCases.map { $0.rawValue })
    }
    return value
  }
}

/// The distillation method (docs/math.md section 4).
public enum DistillationMethod: String, Codable, Sendable, CaseIterable, Hashable {
  /// Consistency distillation (Song et al. 2023): jumps always end at tMin.
  case cd
  /// Consistency trajectory distillation (Kim et al. 2024): jumps from t to any s <= t.
  case ctm

  /// Parses a name at the CLI or suite-file boundary.
  public static func parse(_ name: String) throws -> DistillationMethod {
    guard let value = DistillationMethod(rawValue: name) else {
      throw ChoiceError(kind: "method", value: name, valid: allCases.map { $0.rawValue })
    }
    return value
  }

  /// Whether `preconditioning` may be used with this method. `edm` exists only for CD: on
  /// trajectories its extension to jumps *is* `ctm` (docs/math.md section 3).
  public func admits(_ preconditioning: Preconditioning) -> Bool {
    switch (self, preconditioning) {
    case (.ctm, .edm): return false
    default: return true
    }
  }
}

/// An unknown name for a closed choice.
public struct ChoiceError: Error, CustomStringConvertible, Sendable {
  /// What was chosen ("preconditioning", "method", ...).
  public let kind: String
  /// The unknown value.
  public let value: String
  /// The valid values.
  public let valid: [String]
  /// "unknown preconditioning 'x' (valid: ...)".
  public var description: String { "unknown \(kind) '\(value)' (valid: \(valid.joined(separator: ", ")))" }
}

/// The coefficients of one jump from `t` to `s`, with the Analytic-Precond quantities when
/// defined.
public struct JumpCoefficients: Sendable, Hashable, Codable {
  /// `A(t, s)`, the weight of `x_t`.
  public var a: Double
  /// `B(t, s)`, the weight of the raw network output.
  public var b: Double
  /// `alpha(t, s)` (analytic variants).
  public var alpha: Double?
  /// `beta(t, s)` (analytic variants).
  public var beta: Double?
  /// `l_t` (analytic variants).
  public var l: Double?
}
