import Distillation
import Foundation

/// The coefficients of a preconditioning at one (t, s) (docs/math.md sections 3 and 5), as computed
/// before training: `f = A(t, s) x_t + B(t, s) F(...)`.
public struct CoefficientRow: Codable, Sendable, Hashable {
  /// The start time of the jump.
  public var t: Double
  /// The end time of the jump (`s <= t`).
  public var s: Double
  /// The skip coefficient `A(t, s)`.
  public var a: Double
  /// The network coefficient `B(t, s)`.
  public var b: Double
  /// The linear statistic `l_t` (Analytic-Precond only).
  public var l: Double?
  /// The statistic `s(lambda_t)` (Analytic-Precond only; `sStatistic` to keep it apart from the
  /// jump's end time `s`).
  public var sStatistic: Double?
  /// `alpha(t, s)` (Analytic-Precond only).
  public var alpha: Double?
  /// `beta(t, s)` (Analytic-Precond only).
  public var beta: Double?
  /// Whether the jump is ill-conditioned: `|B|` more than 10x CTM's `|B|` at the same (t, s)
  /// (docs/math.md section 5).
  public var flagged: Bool
  /// Standard error of `A` from the statistics' jackknife replicates (Analytic-Precond only).
  public var aError: Double?
  /// Standard error of `B` (Analytic-Precond only).
  public var bError: Double?
  /// Standard error of `l_t` (Analytic-Precond only).
  public var lError: Double?
  /// Standard error of `s(lambda_t)` (Analytic-Precond only).
  public var sStatisticError: Double?

  /// A row from its parts.
  public init(
    t: Double, s: Double, a: Double, b: Double, l: Double? = nil, sStatistic: Double? = nil,
    alpha: Double? = nil, beta: Double? = nil, flagged: Bool = false, aError: Double? = nil, bError: Double? = nil,
    lError: Double? = nil, sStatisticError: Double? = nil
  ) {
    self.t = t
    self.s = s
    self.a = a
    self.b = b
    self.l = l
    self.sStatistic = sStatistic
    self.alpha = alpha
    self.beta = beta
    self.flagged = flagged
    self.aError = aError
    self.bError = bError
    self.lError = lError
    self.sStatisticError = sStatisticError
  }
}

extension StatisticsCost {
  /// The cost as JSON with sorted keys (as the store keeps it).
  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
  }

  /// A cost from `json` (nil if it is not one).
  public init?(json: String) {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let value = try? decoder.decode(StatisticsCost.self, from: Data(json.utf8)) else { return nil }
    self = value
  }
}

/// The consistency gap of a preconditioning at one (t, s) (docs/math.md section 6).
public struct GapRow: Codable, Sendable, Hashable {
  /// The start time of the jump.
  public var t: Double
  /// The end time of the jump.
  public var s: Double
  /// `E |D*(x_t) - D_phi(x_t, t)|^2 / d`.
  public var gap: Double
  /// `E |f_init(x_t) - Phi_{t->s}(x_t)|^2 / d`, the initial jump error.
  public var jumpError: Double

  /// A row from its parts.
  public init(t: Double, s: Double, gap: Double, jumpError: Double) {
    self.t = t
    self.s = s
    self.gap = gap
    self.jumpError = jumpError
  }
}
