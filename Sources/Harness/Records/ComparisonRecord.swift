/// The outcome of comparing one quantity of one arm with its baseline (docs/harness.md, "Comparison
/// and CI").
public enum VerdictOutcome: String, Codable, Sendable, Hashable, CaseIterable {
  /// Worse than the baseline beyond tolerance and (with enough seeds) significantly so.
  case regression
  /// Better than the baseline beyond tolerance and (with enough seeds) significantly so.
  case improvement
  /// Within tolerance, or not significantly different.
  case unchanged
  /// Cannot be judged: no baseline cell, too few seeds, or timings from different machines.
  case unknown
}

/// What is compared between a candidate arm and its baseline.
public enum ComparedQuantity: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  /// A metric at the final evaluation.
  case finalMetric(MetricKey)
  /// The training loss at the final evaluation.
  case finalLoss
  /// The first evaluated step reaching a target (infinite when never reached).
  case stepsToTarget(QualityTarget)
  /// Training wall seconds at the final evaluation (timing).
  case trainingWallSeconds
  /// Training wall seconds at the evaluation that first reached a target (timing).
  case wallSecondsToTarget(QualityTarget)

  /// Whether the quantity is a timing: reported, compared only on equal machines, never gating.
  public var isTiming: Bool {
    switch self {
    case .finalMetric, .finalLoss, .stepsToTarget: return false
    case .trainingWallSeconds, .wallSecondsToTarget: return true
    }
  }

  /// A short machine-readable kind: `metric`, `loss`, `steps-to-target`, `training-wall-seconds`,
  /// `wall-seconds-to-target`.
  public var kind: String {
    switch self {
    case .finalMetric: return "metric"
    case .finalLoss: return "loss"
    case .stepsToTarget: return "steps-to-target"
    case .trainingWallSeconds: return "training-wall-seconds"
    case .wallSecondsToTarget: return "wall-seconds-to-target"
    }
  }

  /// The metric the quantity is about, if any (a target's metric for target quantities).
  public var metric: MetricKey? {
    switch self {
    case .finalMetric(let key): return key
    case .stepsToTarget(let target), .wallSecondsToTarget(let target): return target.key
    case .finalLoss, .trainingWallSeconds: return nil
    }
  }

  /// The target, for target quantities.
  public var target: QualityTarget? {
    switch self {
    case .stepsToTarget(let target), .wallSecondsToTarget(let target): return target
    case .finalMetric, .finalLoss, .trainingWallSeconds: return nil
    }
  }

  /// Words for tables: `final fd-pixels (NFE 2)`, `steps to fd-pixels (NFE 2) <= 0.5`.
  public var description: String {
    switch self {
    case .finalMetric(let key): return "final \(key)"
    case .finalLoss: return "final loss"
    case .stepsToTarget(let target): return "steps to \(target)"
    case .trainingWallSeconds: return "training wall s"
    case .wallSecondsToTarget(let target): return "wall s to \(target)"
    }
  }

  var order: Int {
    switch self {
    case .finalMetric: return 0
    case .finalLoss: return 1
    case .stepsToTarget: return 2
    case .trainingWallSeconds: return 3
    case .wallSecondsToTarget: return 4
    }
  }

  /// Metrics first, then loss, steps-to-target, timings; within a kind by metric and target.
  public static func < (a: ComparedQuantity, b: ComparedQuantity) -> Bool {
    if a.order != b.order { return a.order < b.order }
    switch (a, b) {
    case (.finalMetric(let x), .finalMetric(let y)): return x < y
    case (.stepsToTarget(let x), .stepsToTarget(let y)),
      (.wallSecondsToTarget(let x), .wallSecondsToTarget(let y)):
      return x < y
    default: return false
    }
  }
}

/// The judgement of one quantity of one arm.
public struct Verdict: Codable, Sendable, Hashable {
  /// The arm.
  public var arm: Arm
  /// The spec hashes of the paired cells (one per seed when the spec hash includes the seed).
  public var specHashes: [String]
  /// What is compared.
  public var quantity: ComparedQuantity
  /// Which way is better.
  public var direction: MetricDirection
  /// Median over the baseline's seeds (`nil` when it has none).
  public var baselineMedian: Double?
  /// Median over the candidate's seeds (`nil` when it has none).
  public var candidateMedian: Double?
  /// Seeds on the baseline side.
  public var baselineSeeds: Int
  /// Seeds on the candidate side.
  public var candidateSeeds: Int
  /// The relative tolerance applied.
  public var relativeTolerance: Double
  /// The absolute tolerance applied.
  public var absoluteTolerance: Double
  /// The two-sided Mann-Whitney p-value, when the test was run.
  public var pValue: Double?
  /// The outcome.
  public var outcome: VerdictOutcome
  /// Why, in words ("within tolerance", "p = 0.1 <= 0.1", "too few seeds (2, 3)").
  public var reason: String
  /// Whether the verdict counts for the exit code (deterministic quantities only).
  public var gating: Bool

  /// A verdict from its parts.
  public init(
    arm: Arm, specHashes: [String], quantity: ComparedQuantity, direction: MetricDirection,
    baselineMedian: Double?, candidateMedian: Double?, baselineSeeds: Int, candidateSeeds: Int,
    relativeTolerance: Double, absoluteTolerance: Double, pValue: Double?, outcome: VerdictOutcome,
    reason: String, gating: Bool
  ) {
    self.arm = arm
    self.specHashes = specHashes
    self.quantity = quantity
    self.direction = direction
    self.baselineMedian = baselineMedian
    self.candidateMedian = candidateMedian
    self.baselineSeeds = baselineSeeds
    self.candidateSeeds = candidateSeeds
    self.relativeTolerance = relativeTolerance
    self.absoluteTolerance = absoluteTolerance
    self.pValue = pValue
    self.outcome = outcome
    self.reason = reason
    self.gating = gating
  }
}

/// A candidate run that did not complete.
public struct RunFailureNote: Codable, Sendable, Hashable {
  /// The arm.
  public var arm: Arm
  /// The seed.
  public var seed: Int
  /// The candidate's status.
  public var status: RunStatus
  /// The step the status applies to.
  public var step: Int?
  /// The run's message.
  public var message: String?
  /// Whether the baseline's run of the same seed ended the same way at the same step (a known,
  /// deterministic failure, which does not fail `check`).
  public var matchesBaseline: Bool

  /// A note from its parts.
  public init(
    arm: Arm, seed: Int, status: RunStatus, step: Int?, message: String?, matchesBaseline: Bool
  ) {
    self.arm = arm
    self.seed = seed
    self.status = status
    self.step = step
    self.message = message
    self.matchesBaseline = matchesBaseline
  }
}

/// A cell (arm and seed) present on both sides under different spec hashes: its configuration
/// changed, so its numbers are not comparable (refresh the baseline).
public struct SpecMismatch: Codable, Sendable, Hashable {
  /// The arm.
  public var arm: Arm
  /// The seed.
  public var seed: Int
  /// The baseline's spec hash.
  public var baselineSpecHash: String
  /// The candidate's spec hash.
  public var candidateSpecHash: String

  /// A mismatch from its parts.
  public init(arm: Arm, seed: Int, baselineSpecHash: String, candidateSpecHash: String) {
    self.arm = arm
    self.seed = seed
    self.baselineSpecHash = baselineSpecHash
    self.candidateSpecHash = candidateSpecHash
  }
}

/// The overall result of a comparison, in the order `check` looks at it.
public enum ComparisonStatus: String, Codable, Sendable, Hashable, CaseIterable {
  /// No regression, no new failure, everything comparable, nothing improved.
  case ok
  /// At least one gating verdict is a regression.
  case regression
  /// A candidate run diverged, failed or did not finish (and the baseline's did not fail alike).
  case benchmarkFailed
  /// Improvements and no regression: the baseline is stale.
  case improvementOnly
  /// Nothing could be compared, or a cell's spec hash differs from the baseline's.
  case notComparable
}

/// A comparison of a suite's runs with a baseline: every verdict and the overall status.
public struct ComparisonRecord: Codable, Sendable, Hashable {
  /// The baseline's name.
  public var baseline: String
  /// The suite.
  public var suite: String
  /// When the comparison was made.
  public var created: Timestamp
  /// The commit of the candidate runs (the most common one if they differ).
  public var candidateCommit: CommitInfo
  /// The policy applied.
  public var policy: ComparisonPolicy
  /// Every verdict, ordered by arm and quantity.
  public var verdicts: [Verdict]
  /// Candidate runs that did not complete.
  public var failures: [RunFailureNote]
  /// Cells whose spec hash changed.
  public var mismatches: [SpecMismatch]
  /// Baseline arms with seeds the candidate did not run.
  public var missingInCandidate: [Arm]
  /// The overall status.
  public var status: ComparisonStatus

  /// A comparison from its parts.
  public init(
    baseline: String, suite: String, created: Timestamp, candidateCommit: CommitInfo,
    policy: ComparisonPolicy, verdicts: [Verdict], failures: [RunFailureNote],
    mismatches: [SpecMismatch], missingInCandidate: [Arm], status: ComparisonStatus
  ) {
    self.baseline = baseline
    self.suite = suite
    self.created = created
    self.candidateCommit = candidateCommit
    self.policy = policy
    self.verdicts = verdicts
    self.failures = failures
    self.mismatches = mismatches
    self.missingInCandidate = missingInCandidate
    self.status = status
  }

  /// How many verdicts have each outcome (gating ones only when `gatingOnly`).
  public func count(_ outcome: VerdictOutcome, gatingOnly: Bool = true) -> Int {
    verdicts.filter { $0.outcome == outcome && (!gatingOnly || $0.gating) }.count
  }
}

/// How a comparison judges differences.
public struct ComparisonPolicy: Codable, Sendable, Hashable {
  /// The level of the two-sided Mann-Whitney U test (a difference is significant when
  /// `p <= significanceLevel`). The default 0.1 is the smallest level at which 3 seeds against
  /// 3 can ever be significant: the smallest exact two-sided p-value of 3 vs 3 is 2/20 = 0.1.
  public var significanceLevel: Double
  /// The seeds needed on each side to run the test; with fewer, a difference beyond tolerance is
  /// `unknown`.
  public var minimumSeeds: Int
  /// Relative tolerance on medians of deterministic quantities.
  public var relativeTolerance: Double
  /// Absolute tolerance on medians of deterministic quantities.
  public var absoluteTolerance: Double
  /// Relative tolerance on medians of timings (wall-clock noise).
  public var timingRelativeTolerance: Double
  /// Directions of metrics that are not lower-is-better (by metric name).
  public var higherIsBetter: [String]

  /// A policy; every parameter has a documented default.
  public init(
    significanceLevel: Double = 0.1, minimumSeeds: Int = 3, relativeTolerance: Double = 0.05,
    absoluteTolerance: Double = 0, timingRelativeTolerance: Double = 0.25,
    higherIsBetter: [String] = []
  ) {
    self.significanceLevel = significanceLevel
    self.minimumSeeds = minimumSeeds
    self.relativeTolerance = relativeTolerance
    self.absoluteTolerance = absoluteTolerance
    self.timingRelativeTolerance = timingRelativeTolerance
    self.higherIsBetter = higherIsBetter.sorted()
  }

  /// The direction of metric `name`: every metric the harness records (distances, errors,
  /// losses) is lower-is-better unless listed in `higherIsBetter`.
  public func direction(ofMetric name: String) -> MetricDirection {
    higherIsBetter.contains(name) ? .higherIsBetter : .lowerIsBetter
  }
}
