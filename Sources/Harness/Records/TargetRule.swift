import CanonicalJSON

/// A quality target as a suite pre-registers it: a rule the harness resolves to a threshold
/// (docs/harness.md, "Targets as rules").
///
/// - **absolute**: `threshold` as written (`{"metric", "nfe", "threshold"}`);
/// - **reference**: `factor` times the reference arm's median value (over its completed seeds) at
///   the first evaluation at or after fraction `at` of the training budget (`"at": "final"` is 1):
///   "steps to reach what `ctm` reaches at the end", as the paper states its speed-ups
///   (`{"metric", "nfe", "relativeTo": "reference", "at", "factor"}`), resolved per problem and
///   method from the stored runs;
/// - **teacher**: `factor` times the teacher's own value on the same evaluation protocol (same
///   noises and sample count), the teacher sampled with EDM's Heun solver on a Karras grid of
///   `teacherGrid` levels (`2 (teacherGrid - 1)` NFE), measured once per teacher and cached with
///   it (`{"metric", "nfe", "relativeTo": "teacher", "factor", "teacherGrid"}`).
///
/// The flat layout keeps the canonical JSON of absolute targets what it was before rules
/// existed (absent keys are not written), so older suites keep their spec hashes.
public struct TargetRule: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  /// What a relative rule is relative to.
  public enum Basis: String, Codable, Sendable, Hashable, CaseIterable {
    /// The suite's reference arm's runs.
    case reference
    /// The teacher's own samples.
    case teacher
  }

  /// The metric's name.
  public var metric: String
  /// The NFE it is measured at.
  public var nfe: Int
  /// The threshold of an absolute rule (`nil` for a relative one).
  public var threshold: Double?
  /// Whether the metric must fall (`lower`) or rise (`higher`) to the threshold.
  public var direction: MetricDirection
  /// What a relative rule is relative to (`nil`: absolute).
  public var relativeTo: Basis?
  /// The factor of a relative rule.
  public var factor: Double?
  /// For a reference rule: the fraction of the training budget (in (0, 1]; 1 = the final
  /// evaluation) whose evaluation gives the reference value.
  public var at: Double?
  /// For a teacher rule: the Karras grid levels of the teacher's Heun sampler.
  public var teacherGrid: Int?

  /// An absolute target.
  public static func absolute(metric: String, nfe: Int, threshold: Double, direction: MetricDirection = .lowerIsBetter) -> TargetRule {
    TargetRule(metric: metric, nfe: nfe, threshold: threshold, direction: direction)
  }

  /// `factor` times the reference arm's median at fraction `at` of the budget.
  public static func reference(metric: String, nfe: Int, at fraction: Double, factor: Double = 1, direction: MetricDirection = .lowerIsBetter)
    -> TargetRule
  {
    TargetRule(metric: metric, nfe: nfe, direction: direction, relativeTo: .reference, factor: factor, at: fraction)
  }

  /// `factor` times the teacher's value with a Heun sampler on `grid` Karras levels.
  public static func teacher(metric: String, nfe: Int, factor: Double, grid: Int, direction: MetricDirection = .lowerIsBetter) -> TargetRule {
    TargetRule(metric: metric, nfe: nfe, direction: direction, relativeTo: .teacher, factor: factor, teacherGrid: grid)
  }

  /// A rule from its parts (no validation; the suite parser and `init(json:)` validate).
  public init(
    metric: String, nfe: Int, threshold: Double? = nil, direction: MetricDirection = .lowerIsBetter, relativeTo: Basis? = nil,
    factor: Double? = nil, at: Double? = nil, teacherGrid: Int? = nil
  ) {
    self.metric = metric
    self.nfe = nfe
    self.threshold = threshold
    self.direction = direction
    self.relativeTo = relativeTo
    self.factor = factor
    self.at = at
    self.teacherGrid = teacherGrid
  }

  /// The metric it is about.
  public var key: MetricKey { MetricKey(name: metric, nfe: nfe) }

  /// Whether the rule is an absolute threshold.
  public var isAbsolute: Bool { relativeTo == nil }

  /// The teacher sampler's NFE of a teacher rule (`2 (teacherGrid - 1)`).
  public var teacherNFE: Int? { teacherGrid.map { 2 * ($0 - 1) } }

  /// The rule's basis in words: "reference's median at 25% of the budget", "1.5 x reference's
  /// median at the final evaluation", "1.5 x teacher (Heun, 18 NFE)"; `nil` for an absolute rule.
  public var basisText: String? {
    guard let relativeTo else { return nil }
    let factorText = (factor ?? 1) == 1 ? "" : "\(DisplayNumber.format(factor ?? 1)) x "
    switch relativeTo {
    case .reference:
      let fraction = at ?? 1
      let place = fraction >= 1 ? "the final evaluation" : "\(Int((100 * fraction).rounded()))% of the budget"
      return "\(factorText)reference's median at \(place)"
    case .teacher:
      return "\(factorText)teacher (Heun, \(teacherNFE ?? 0) NFE)"
    }
  }

  /// `fd-pixels (NFE 2) <= 0.5`, `fd-pixels (NFE 2) <= reference's median at 25% of the budget`.
  public var description: String {
    let relation = direction == .lowerIsBetter ? "<=" : ">="
    return "\(key) \(relation) \(basisText ?? JSONValue.numberText(threshold ?? .nan))"
  }

  /// Orders by metric, NFE, direction, then absolute before reference before teacher, then by
  /// threshold, fraction and factor.
  public static func < (a: TargetRule, b: TargetRule) -> Bool {
    if a.key != b.key { return a.key < b.key }
    if a.direction != b.direction { return a.direction.rawValue < b.direction.rawValue }
    func rank(_ r: TargetRule) -> Int { r.relativeTo == nil ? 0 : r.relativeTo == .reference ? 1 : 2 }
    if rank(a) != rank(b) { return rank(a) < rank(b) }
    let ka = [a.threshold ?? 0, a.at ?? 0, a.factor ?? 0, Double(a.teacherGrid ?? 0)]
    let kb = [b.threshold ?? 0, b.at ?? 0, b.factor ?? 0, Double(b.teacherGrid ?? 0)]
    return ka.lexicographicallyPrecedes(kb)
  }

  /// The rule as JSON: only the keys its kind has (an absolute rule is the pre-rule target
  /// object `{metric, nfe, threshold, direction}`).
  public var json: JSONValue {
    var members: [String: JSONValue] = [
      "metric": .string(metric), "nfe": .int(nfe), "direction": .string(direction.rawValue),
    ]
    if let threshold { members["threshold"] = .number(threshold) }
    if let relativeTo { members["relativeTo"] = .string(relativeTo.rawValue) }
    if let factor { members["factor"] = .number(factor) }
    if let at { members["at"] = .number(at) }
    if let teacherGrid { members["teacherGrid"] = .int(teacherGrid) }
    return .object(members)
  }

  /// Reads a rule from its JSON object (strictly: the keys of exactly one kind).
  public init(json value: JSONValue, path: String, file: String, remedy: String) throws {
    var reader = try JSONObjectReader(value, path: path, file: file, remedy: remedy)
    let directionText = try reader.optionalString("direction") ?? MetricDirection.lowerIsBetter.rawValue
    guard let direction = MetricDirection(text: directionText) else {
      throw reader.failure("direction", "unknown direction '\(directionText)' (valid: lower, higher)")
    }
    let metric = try reader.string("metric")
    let nfe = try reader.integer("nfe")
    let basisText = try reader.optionalString("relativeTo")
    guard let basisText else {
      let threshold = try reader.number("threshold")
      guard threshold.isFinite else { throw reader.failure("threshold", "must be finite") }
      try reader.finish()
      self.init(metric: metric, nfe: nfe, threshold: threshold, direction: direction)
      return
    }
    guard let basis = Basis(rawValue: basisText) else {
      throw reader.failure("relativeTo", "unknown basis '\(basisText)' (valid: \(Basis.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    if reader.optionalValue("threshold") != nil {
      throw reader.failure("threshold", "a rule relative to the \(basisText) has a factor, not a threshold")
    }
    let factor = try reader.optionalNumber("factor") ?? 1
    guard factor > 0, factor.isFinite else { throw reader.failure("factor", "must be a positive number, got \(factor)") }
    switch basis {
    case .reference:
      let at: Double
      switch reader.optionalValue("at") {
      case .string("final")?, nil: at = 1
      case .integer(let n)?: at = Double(n)
      case .number(let x)?: at = x
      default: throw reader.failure("at", "expected \"final\" or a fraction of the budget in (0, 1]")
      }
      guard at > 0, at <= 1 else { throw reader.failure("at", "expected \"final\" or a fraction of the budget in (0, 1], got \(at)") }
      if reader.optionalValue("teacherGrid") != nil { throw reader.failure("teacherGrid", "only a rule relative to the teacher has a teacherGrid") }
      try reader.finish()
      self.init(metric: metric, nfe: nfe, direction: direction, relativeTo: .reference, factor: factor, at: at)
    case .teacher:
      let grid = try reader.integer("teacherGrid")
      guard grid >= 2, grid <= 1000 else { throw reader.failure("teacherGrid", "must be in 2...1000 (Karras grid levels of the teacher's Heun sampler), got \(grid)") }
      if reader.optionalValue("at") != nil { throw reader.failure("at", "only a rule relative to the reference has an 'at'") }
      try reader.finish()
      self.init(metric: metric, nfe: nfe, direction: direction, relativeTo: .teacher, factor: factor, teacherGrid: grid)
    }
  }
}
