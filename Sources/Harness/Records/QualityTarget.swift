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

/// A quality target of a suite: the metric (at an NFE) must reach `threshold` (docs/harness.md,
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

  /// A target from its parts.
  public init(
    metric: String, nfe: Int, threshold: Double, direction: MetricDirection = .lowerIsBetter
  ) {
    self.metric = metric
    self.nfe = nfe
    self.threshold = threshold
    self.direction = direction
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

  /// `fd-pixels (NFE 2) <= 0.5`.
  public var description: String {
    let relation = direction == .lowerIsBetter ? "<=" : ">="
    return "\(key) \(relation) \(JSONValue.numberText(threshold))"
  }

  /// Orders by metric, NFE, direction, threshold.
  public static func < (a: QualityTarget, b: QualityTarget) -> Bool {
    if a.key != b.key { return a.key < b.key }
    if a.direction != b.direction { return a.direction.rawValue < b.direction.rawValue }
    return a.threshold < b.threshold
  }

  /// The target as a JSON object.
  public var json: JSONValue {
    .object([
      "metric": .string(metric), "nfe": .int(nfe), "threshold": .number(threshold),
      "direction": .string(direction.rawValue),
    ])
  }

  /// Reads a target from a JSON object (strictly).
  public init(json value: JSONValue, path: String, file: String, remedy: String) throws {
    var reader = try JSONObjectReader(value, path: path, file: file, remedy: remedy)
    let directionText = try reader.string("direction")
    guard let direction = MetricDirection(text: directionText) else {
      throw reader.failure(
        "direction", "unknown direction '\(directionText)' (valid: lower, higher)")
    }
    self.init(
      metric: try reader.string("metric"), nfe: try reader.integer("nfe"),
      threshold: try reader.number("threshold"), direction: direction)
    try reader.finish()
  }
}
