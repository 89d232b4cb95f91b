import Metrics

/// The comparison of a candidate suite's runs with a baseline (docs/harness.md, "Comparison and
/// CI").
///
/// Cells are paired by spec hash and seed: a candidate cell is compared only with the baseline
/// cell of the same spec hash (a cell of the same arm and seed under another spec hash is
/// reported as not comparable). The paired seeds of each arm are then pooled: for each quantity
/// (final metrics, final loss, steps to each target; and, only when both sides ran on one and
/// the same machine, wall times), the medians over seeds are compared in the quantity's
/// direction: within `absoluteTolerance + relativeTolerance * |baseline median|` is `unchanged`;
/// beyond it, with at least `minimumSeeds` seeds on each side, a two-sided Mann-Whitney U test at
/// `significanceLevel` decides between `regression`/`improvement` and `unchanged`; with fewer
/// seeds the verdict is `unknown`. Timings never gate.
public enum Comparison {
  /// One seed of one cell, on one side.
  struct Entry {
    let arm: Arm
    let specHash: String
    let seed: BaselineSeed
  }

  static func entries(_ baseline: BaselineRecord) -> [Entry] {
    baseline.cells.flatMap { cell in
      cell.seeds.map { Entry(arm: cell.arm, specHash: cell.specHash, seed: $0) }
    }
  }

  struct SeedKey: Hashable {
    let specHash: String
    let seed: Int
  }

  struct ArmSeedKey: Hashable {
    let arm: Arm
    let seed: Int
  }

  /// Compares `candidate`'s selected runs with `baseline`.
  public static func compare(
    candidate: SuiteResults, baseline: BaselineRecord,
    policy: ComparisonPolicy = ComparisonPolicy(),
    created: Timestamp
  ) -> ComparisonRecord {
    let runs = candidate.selectedRuns()
    let candidateRecord = BaselineBuilder.make(
      name: "candidate", created: created, results: candidate, targets: baseline.targets)
    let baselineEntries = entries(baseline)
    let byHash = Dictionary(
      baselineEntries.map { (SeedKey(specHash: $0.specHash, seed: $0.seed.seed), $0) },
      uniquingKeysWith: { a, _ in a })
    let byArmSeed = Dictionary(
      baselineEntries.map { (ArmSeedKey(arm: $0.arm, seed: $0.seed.seed), $0) },
      uniquingKeysWith: { a, _ in a })
    var paired: [Arm: [(candidate: Entry, baseline: Entry)]] = [:]
    var unpaired: [Arm: [Entry]] = [:]
    var mismatches: [SpecMismatch] = []
    var failures: [RunFailureNote] = []
    var candidateArmSeeds: Set<ArmSeedKey> = []

    for entry in entries(candidateRecord) {
      candidateArmSeeds.insert(ArmSeedKey(arm: entry.arm, seed: entry.seed.seed))
      let match = byHash[SeedKey(specHash: entry.specHash, seed: entry.seed.seed)]
      if entry.seed.status != .completed {
        let message = runs.first {
          $0.run.cell.arm == entry.arm && $0.run.cell.seed == entry.seed.seed
        }?.run.statusMessage
        failures.append(
          RunFailureNote(
            arm: entry.arm, seed: entry.seed.seed, status: entry.seed.status,
            step: entry.seed.statusStep,
            message: message,
            matchesBaseline: match.map {
              $0.seed.status == entry.seed.status && $0.seed.statusStep == entry.seed.statusStep
            }
              ?? false))
      }
      if let match {
        paired[entry.arm, default: []].append((entry, match))
      } else if let other = byArmSeed[ArmSeedKey(arm: entry.arm, seed: entry.seed.seed)] {
        mismatches.append(
          SpecMismatch(
            arm: entry.arm, seed: entry.seed.seed, baselineSpecHash: other.specHash,
            candidateSpecHash: entry.specHash))
      } else {
        unpaired[entry.arm, default: []].append(entry)
      }
    }
    var verdicts: [Verdict] = []
    for arm in Set(paired.keys).union(unpaired.keys).sorted() {
      if let pairs = paired[arm], !pairs.isEmpty {
        verdicts += judgeArm(
          arm, candidate: pairs.map { $0.candidate }, baseline: pairs.map { $0.baseline },
          policy: policy)
      } else {
        verdicts += judgeArm(arm, candidate: unpaired[arm] ?? [], baseline: nil, policy: policy)
      }
    }
    let missing = Array(
      Set(
        baselineEntries.filter {
          !candidateArmSeeds.contains(ArmSeedKey(arm: $0.arm, seed: $0.seed.seed))
        }.map { $0.arm })
    ).sorted()

    let status: ComparisonStatus
    let gating = verdicts.filter { $0.gating }
    if failures.contains(where: { !$0.matchesBaseline }) {
      status = .benchmarkFailed
    } else if gating.contains(where: { $0.outcome == .regression }) {
      status = .regression
    } else if !mismatches.isEmpty || paired.isEmpty {
      status = .notComparable
    } else if gating.contains(where: { $0.outcome == .improvement }) {
      status = .improvementOnly
    } else {
      status = .ok
    }
    return ComparisonRecord(
      baseline: baseline.name, suite: candidate.suite.name, created: created,
      candidateCommit: candidateRecord.sourceCommit, policy: policy, verdicts: verdicts,
      failures: failures.sorted { ($0.arm, $0.seed) < ($1.arm, $1.seed) },
      mismatches: mismatches.sorted { ($0.arm, $0.seed) < ($1.arm, $1.seed) },
      missingInCandidate: missing,
      status: status)
  }

  /// The verdicts of one arm: its candidate seeds against the paired baseline seeds (`nil`: no
  /// baseline, every verdict `unknown`).
  static func judgeArm(_ arm: Arm, candidate: [Entry], baseline: [Entry]?, policy: ComparisonPolicy)
    -> [Verdict]
  {
    var quantities: Set<ComparedQuantity> = [.finalLoss, .trainingWallSeconds]
    for entry in candidate + (baseline ?? []) {
      for metric in entry.seed.metrics { quantities.insert(.finalMetric(metric.key)) }
      for reach in entry.seed.targets {
        quantities.insert(.stepsToTarget(reach.target))
        quantities.insert(.wallSecondsToTarget(reach.target))
      }
    }
    let hashes = Array(Set((candidate + (baseline ?? [])).map { $0.specHash })).sorted()
    // Timings are comparable only when every seed of both sides ran on one machine.
    let machineIDs = Set((candidate + (baseline ?? [])).compactMap { $0.seed.timing?.machine })
    let oneMachine = machineIDs.count == 1
    return quantities.sorted().map { quantity in
      let direction: MetricDirection
      switch quantity {
      case .finalMetric(let key): direction = policy.direction(ofMetric: key.name)
      case .finalLoss, .trainingWallSeconds, .stepsToTarget, .wallSecondsToTarget:
        direction = .lowerIsBetter
      }
      let candidateValues = values(
        of: quantity, in: candidate.map { $0.seed }, direction: direction)
      let relative = quantity.isTiming ? policy.timingRelativeTolerance : policy.relativeTolerance
      let absolute = quantity.isTiming ? 0 : policy.absoluteTolerance
      guard let baseline else {
        return Verdict(
          arm: arm, specHashes: hashes, quantity: quantity, direction: direction,
          baselineMedian: nil,
          candidateMedian: median(candidateValues), baselineSeeds: 0,
          candidateSeeds: candidateValues.count,
          relativeTolerance: relative, absoluteTolerance: absolute, pValue: nil, outcome: .unknown,
          reason: "no baseline cell with this spec hash", gating: false)
      }
      let baselineValues = values(of: quantity, in: baseline.map { $0.seed }, direction: direction)
      var judgement = judge(
        baseline: baselineValues, candidate: candidateValues, direction: direction,
        relativeTolerance: relative, absoluteTolerance: absolute, policy: policy)
      if quantity.isTiming && !oneMachine && judgement.outcome != .unknown {
        judgement = Judgement(
          outcome: .unknown, reason: "timings from different machines are not compared", pValue: nil
        )
      }
      return Verdict(
        arm: arm, specHashes: hashes, quantity: quantity, direction: direction,
        baselineMedian: median(baselineValues), candidateMedian: median(candidateValues),
        baselineSeeds: baselineValues.count, candidateSeeds: candidateValues.count,
        relativeTolerance: relative, absoluteTolerance: absolute, pValue: judgement.pValue,
        outcome: judgement.outcome, reason: judgement.reason, gating: !quantity.isTiming)
    }
  }

  /// The per-seed values of a quantity: final metrics, loss and wall time from completed seeds;
  /// steps and wall time to a target from every finished seed (infinite when not reached).
  /// NaN counts as the worst value in `direction`, so that a NaN can only look like a regression.
  static func values(
    of quantity: ComparedQuantity, in seeds: [BaselineSeed], direction: MetricDirection
  ) -> [Double] {
    let worst: Double = direction == .lowerIsBetter ? .infinity : -.infinity
    var values: [Double] = []
    for seed in seeds {
      let value: Double?
      switch quantity {
      case .finalMetric(let key):
        value = seed.status == .completed ? seed.metrics.first { $0.key == key }?.value : nil
      case .finalLoss:
        value = seed.status == .completed ? seed.loss : nil
      case .trainingWallSeconds:
        value = seed.status == .completed ? seed.timing?.trainingWallSeconds : nil
      case .stepsToTarget(let target):
        guard seed.status.isFinished, let reach = seed.targets.first(where: { $0.target == target })
        else {
          value = nil
          break
        }
        value = reach.step.map { Double($0) } ?? .infinity
      case .wallSecondsToTarget(let target):
        guard seed.status.isFinished, let reach = seed.targets.first(where: { $0.target == target })
        else {
          value = nil
          break
        }
        value = reach.step == nil ? .infinity : reach.trainingWallSeconds
      }
      if let value { values.append(value.isNaN ? worst : value) }
    }
    return values
  }

  static func median(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : OrderStatistics.median(values)
  }

  /// An outcome with its reason and p-value.
  public struct Judgement: Sendable, Hashable {
    /// The outcome.
    public var outcome: VerdictOutcome
    /// Why.
    public var reason: String
    /// The Mann-Whitney p-value, if the test ran.
    public var pValue: Double?
  }

  /// Judges candidate values against baseline values (both non-NaN) of a quantity whose better
  /// direction is `direction`.
  public static func judge(
    baseline: [Double], candidate: [Double], direction: MetricDirection,
    relativeTolerance: Double, absoluteTolerance: Double, policy: ComparisonPolicy
  ) -> Judgement {
    guard !baseline.isEmpty else {
      return Judgement(outcome: .unknown, reason: "no baseline values", pValue: nil)
    }
    guard !candidate.isEmpty else {
      return Judgement(outcome: .unknown, reason: "no candidate values", pValue: nil)
    }
    let baselineMedian = OrderStatistics.median(baseline)
    let candidateMedian = OrderStatistics.median(candidate)
    if baselineMedian == candidateMedian {
      return Judgement(outcome: .unchanged, reason: "equal medians", pValue: nil)
    }
    if baselineMedian.isFinite && candidateMedian.isFinite {
      let difference = abs(candidateMedian - baselineMedian)
      let tolerance = absoluteTolerance + relativeTolerance * abs(baselineMedian)
      if difference <= tolerance {
        return Judgement(
          outcome: .unchanged,
          reason: "within tolerance (|difference| \(format(difference)) <= \(format(tolerance)))",
          pValue: nil)
      }
    }
    let better = direction.isBetter(candidateMedian, than: baselineMedian)
    guard baseline.count >= policy.minimumSeeds && candidate.count >= policy.minimumSeeds else {
      return Judgement(
        outcome: .unknown,
        reason:
          "\(better ? "better" : "worse") beyond tolerance, but too few seeds for a rank test "
          + "(\(baseline.count) and \(candidate.count); \(policy.minimumSeeds) needed)",
        pValue: nil)
    }
    let test = MannWhitneyU(candidate, baseline)
    if test.pValue <= policy.significanceLevel {
      return Judgement(
        outcome: better ? .improvement : .regression,
        reason:
          "\(better ? "better" : "worse"), Mann-Whitney p = \(format(test.pValue)) <= \(format(policy.significanceLevel))",
        pValue: test.pValue)
    }
    return Judgement(
      outcome: .unchanged,
      reason: "\(better ? "better" : "worse") beyond tolerance but not significant "
        + "(Mann-Whitney p = \(format(test.pValue)) > \(format(policy.significanceLevel)))",
      pValue: test.pValue)
  }

  static func format(_ value: Double) -> String { DisplayNumber.format(value) }
}
