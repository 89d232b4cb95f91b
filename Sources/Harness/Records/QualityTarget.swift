import CanonicalJSON

/// Whether smaller or larger values of a metric are better.
public enum MetricDirection: String, Codable, Sendable, Hashable, CaseIterable {
  /// Distances, losses and errors: smaller is better.
  case lowerIsBetter = "lower"
  /// Scores: larger is better.
  case higherIsBetter = "higher"

  /// Whether `candidate` is better than `reference` (strictly).
  public func isBetter(_ candidate: Double, than reference: Double) -> Bool {
    switch self {
    case .lowerIsBetter: return candidate < reference
    case .higherIsBetter: return candidate > reference
    }
  }

  /// Parses `lower` or `higher`; `nil` otherwise.
  public init?(text: String) { self.init(rawValue: text) }
}

/// A resolved quality target: the metric (at an NFE) must reach `threshold` (docs/harness.md,
/// "Evaluation schedule and resolution"; docs/math.md section 6, "Speed-up").
public struct QualityTarget: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The metric's name (`fd-pixels`, `sw2`, ...).
  public var metric: String
  /// The number of function evaluations of the sampler it is measured with (0 for NFE-free
  /// metrics such as `consistency-loss`).
  public var nfe: Int
  /// The value to reach.
  public var threshold: Double
  /// Whether the metric must fall to (`lowerIsBetter`) or rise to the threshold.
  public var direction: MetricDirection
  /// The relative rule `threshold` was resolved from (`nil` for an absolute target): kept with
  /// the value so that baselines and comparisons key on the rule and reports show both.
  public var rule: TargetRule?

  /// A target from its parts.
  public init(
    metric: String, nfe: Int, threshold: Double, direction: MetricDirection = .lowerIsBetter, rule: TargetRule? = nil
  ) {
    self.metric = metric
    self.nfe = nfe
    self.threshold = threshold
    self.direction = direction
    self.rule = rule.flatMap { $0.isAbsolute ? nil : $0 }
  }

  /// The metric it is about.
  public var key: MetricKey { MetricKey(name: metric, nfe: nfe) }

  /// Whether `value` reaches the target (`<=` or `>=` the threshold; NaN never does).
  public func isReached(by value: Double) -> Bool {
    switch direction {
    case .lowerIsBetter: return value <= threshold
    case .higherIsBetter: return value >= threshold
    }
  }

  /// `fd-pixels (NFE 2) <= 0.5`; with a rule, `fd-pixels (NFE 2) <= 3.21 (reference's median at
  /// 25% of the budget)`.
  public var description: String {
    let relation = direction == .lowerIsBetter ? "<=" : ">="
    guard let basis = rule?.basisText else { return "\(key) \(relation) \(JSONValue.numberText(threshold))" }
    return "\(key) \(relation) \(DisplayNumber.format(threshold)) (\(basis))"
  }

  /// Orders by metric, NFE, direction, threshold.
  public static func < (a: QualityTarget, b: QualityTarget) -> Bool {
    if a.key != b.key { return a.key < b.key }
    if a.direction != b.direction { return a.direction.rawValue < b.direction.rawValue }
    if a.rule != b.rule {
      guard let ra = a.rule else { return true }
      guard let rb = b.rule else { return false }
      return ra < rb
    }
    return a.threshold < b.threshold
  }

  /// The target as a JSON object.
  public var json: JSONValue {
    var members: [String: JSONValue] = [
      "metric": .string(metric), "nfe": .int(nfe), "threshold": .number(threshold),
      "direction": .string(direction.rawValue),
    ]
    if let rule { members["rule"] = rule.json }
    return .object(members)
  }

  /// Reads a target from a JSON object (strictly).
  public init(json value: JSONValue, path: String, file: String, remedy: String) throws {
    var reader = try JSONObjectReader(value, path: path, file: file, remedy: remedy)
    let directionText = try reader.string("direction")
    guard let direction = MetricDirection(text: directionText) else {
      throw reader.failure(
        "direction", "unknown direction '\(directionText)' (valid: lower, higher)")
    }
    let rule = try reader.optionalValue("rule").map {
      try TargetRule(json: $0, path: reader.path(of: "rule"), file: file, remedy: remedy)
    }
    self.init(
      metric: try reader.string("metric"), nfe: try reader.integer("nfe"),
      threshold: try reader.number("threshold"), direction: direction, rule: rule)
    try reader.finish()
  }
}
