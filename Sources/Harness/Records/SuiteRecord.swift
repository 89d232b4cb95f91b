import CanonicalJSON

/// A suite as it was run: its name, its whole specification and what its results are judged by.
public struct SuiteRecord: Codable, Sendable, Hashable {
  /// The suite's name (the file stem in `Benchmarks/Suites/`).
  public var name: String
  /// The suite file's content as canonical JSON.
  public var specJSON: String
  /// The hash of `specJSON` (`SpecHash.of(canonicalText:)`).
  public var specHash: String
  /// The preconditioning every other one is compared with in speed-up tables (e.g. `ctm`).
  public var referencePreconditioning: String
  /// The pre-registered quality targets of the speed-up tables, in suite order, as rules
  /// (`SuiteResults.targets(for:)` resolves them per setting).
  public var rules: [TargetRule]

  /// A suite record from its parts.
  public init(
    name: String, specJSON: String, specHash: String, referencePreconditioning: String,
    rules: [TargetRule]
  ) {
    self.name = name
    self.specJSON = specJSON
    self.specHash = specHash
    self.referencePreconditioning = referencePreconditioning
    self.rules = rules
  }

  /// A suite record whose targets are absolute thresholds.
  public init(
    name: String, specJSON: String, specHash: String, referencePreconditioning: String,
    targets: [QualityTarget]
  ) {
    self.init(
      name: name, specJSON: specJSON, specHash: specHash, referencePreconditioning: referencePreconditioning,
      rules: targets.map { $0.rule ?? .absolute(metric: $0.metric, nfe: $0.nfe, threshold: $0.threshold, direction: $0.direction) })
  }

  /// A suite record whose hash is computed from `spec` (canonical JSON).
  public init(
    name: String, spec: JSONValue, referencePreconditioning: String, targets: [QualityTarget]
  ) {
    let text = spec.serialized(pretty: false)
    self.init(
      name: name, specJSON: text, specHash: SpecHash.of(canonicalText: text),
      referencePreconditioning: referencePreconditioning, targets: targets)
  }
}
