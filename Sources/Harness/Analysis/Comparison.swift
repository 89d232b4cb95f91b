import Metrics

/// The comparison of a candidate suite's runs with a baseline (harness.md, "Comparison and CI").
///
/// Arms are paired by spec hash. For each quantity (final metrics, final loss, steps to each
/// target; and, only when both sides ran on one and the same machine, wall times), the medians
/// over seeds are compared in the quantity's direction: within `absoluteTolerance +
/// relativeTolerance * |baseline median|` is `unchanged`; beyond it, with at least
/// `minimumSeeds` seeds on each side, a two-sided Mann-Whitney U test at `significanceLevel`
/// decides between `regression`/`improvement` and `unchanged`; with fewer seeds the verdict is
/// `unknown`. Timings never gate.
public enum Comparison {
  /// Compares `candidate`'s selected runs with `baseline`.
  public static func compare(
    candidate: SuiteResults, baseline: BaselineRecord, policy: ComparisonPolicy = ComparisonPolicy(),
    created: Timestamp
  ) -> ComparisonRecord {
    let runs = candidate.selectedRuns()
    let candidateBaseline = BaselineBuilder.make(
      name: "candidate", created: created, results: candidate, targets: baseline.targets)
    let baselineByHash = Dictionary(baseline.cells.map { ($0.specHash, $0) }, uniquingKeysWith: { a, _ in a })
    let baselineByArm = Dictionary(baseline.cells.map { ($0.arm, $0) }, uniquingKeysWith: { a, _ in a })
    var verdicts: [Verdict] = []
    var mismatches: [SpecMismatch] = []
    var failures: [RunFailureNote] = []
    var comparedAny = false

    for cell in candidateBaseline.cells {
      let matched = baselineByHash[cell.specHash]
      if matched == nil, let other = baselineByArm[cell.arm] {
        mismatches.append(
          SpecMismatch(arm: cell.arm, baselineSpecHash: other.specHash, candidateSpecHash: cell.specHash))
        continue
      }
      for seed in cell.seeds where seed.status != .completed {
        let reference = matched?.seeds.first { $0.seed == seed.seed }
        let message = runs.first { $0.run.cell.arm == cell.arm && $0.run.cell.seed == seed.seed }?
          .run.statusMessage
        failures.append(
          RunFailureNote(
            arm: cell.arm, seed: seed.seed, status: seed.status, step: seed.statusStep,
            message: message,
            matchesBaseline: reference.map { $0.status == seed.status && $0.statusStep == seed.statusStep }
              ?? false))
      }
      if matched != nil { comparedAny = true }
      verdicts += judgeCell(
        candidate: cell, baseline: matched, baselineRecord: baseline,
        candidateRecord: candidateBaseline, policy: policy)
    }
    let candidateHashes = Set(candidateBaseline.cells.map { $0.specHash })
    let candidateArms = Set(candidateBaseline.cells.map { $0.arm })
    let missing = baseline.cells.filter { !candidateHashes.contains($0.specHash) && !candidateArms.contains($0.arm) }
      .map { $0.arm }.sorted()

    let status: ComparisonStatus
    let gating = verdicts.filter { $0.gating }
    if failures.contains(where: { !$0.matchesBaseline }) {
      status = .benchmarkFailed
    } else if gating.contains(where: { $0.outcome == .regression }) {
      status = .regression
    } else if !mismatches.isEmpty || !comparedAny {
      status = .notComparable
    } else if gating.contains(where: { $0.outcome == .improvement }) {
      status = .improvementOnly
    } else {
      status = .ok
    }
    return ComparisonRecord(
      baseline: baseline.name, suite: candidate.suite.name, created: created,
      candidateCommit: candidateBaseline.sourceCommit, policy: policy, verdicts: verdicts,
      failures: failures.sorted { ($0.arm, $0.seed) < ($1.arm, $1.seed) },
      mismatches: mismatches.sorted { $0.arm < $1.arm }, missingInCandidate: missing, status: status)
  }

  /// The verdicts of one candidate arm against its baseline arm (`nil`: none, every verdict
  /// `unknown`).
  static func judgeCell(
    candidate: BaselineCell, baseline: BaselineCell?, baselineRecord: BaselineRecord,
    candidateRecord: BaselineRecord, policy: ComparisonPolicy
  ) -> [Verdict] {
    var quantities: Set<ComparedQuantity> = [.finalLoss, .trainingWallSeconds]
    for cell in [candidate] + (baseline.map { [$0] } ?? []) {
      for seed in cell.seeds {
        for metric in seed.metrics { quantities.insert(.finalMetric(metric.key)) }
        for reach in seed.targets {
          quantities.insert(.stepsToTarget(reach.target))
          quantities.insert(.wallSecondsToTarget(reach.target))
        }
      }
    }
    // Timings are comparable only when every seed of both sides ran on one machine.
    let machineIDs = Set(
      candidate.seeds.compactMap { $0.timing?.machine } + (baseline?.seeds.compactMap { $0.timing?.machine } ?? []))
    let oneMachine = machineIDs.count == 1
    return quantities.sorted().map { quantity in
      let direction: MetricDirection
      switch quantity {
      case .finalMetric(let key): direction = policy.direction(ofMetric: key.name)
      case .finalLoss, .trainingWallSeconds, .stepsToTarget, .wallSecondsToTarget:
        direction = .lowerIsBetter
      }
      let candidateValues = values(of: quantity, in: candidate, direction: direction)
      let relative = quantity.isTiming ? policy.timingRelativeTolerance : policy.relativeTolerance
      let absolute = quantity.isTiming ? 0 : policy.absoluteTolerance
      guard let baseline else {
        return Verdict(
          arm: candidate.arm, specHash: candidate.specHash, quantity: quantity, direction: direction,
          baselineMedian: nil, candidateMedian: median(candidateValues), baselineSeeds: 0,
          candidateSeeds: candidateValues.count, relativeTolerance: relative,
          absoluteTolerance: absolute, pValue: nil, outcome: .unknown,
          reason: "no baseline cell with this spec hash", gating: false)
      }
      let baselineValues = values(of: quantity, in: baseline, direction: direction)
      var judgement = judge(
        baseline: baselineValues, candidate: candidateValues, direction: direction,
        relativeTolerance: relative, absoluteTolerance: absolute, policy: policy)
      if quantity.isTiming && !oneMachine && judgement.outcome != .unknown {
        judgement = Judgement(
          outcome: .unknown, reason: "timings from different machines are not compared", pValue: nil)
      }
      return Verdict(
        arm: candidate.arm, specHash: candidate.specHash, quantity: quantity, direction: direction,
        baselineMedian: median(baselineValues), candidateMedian: median(candidateValues),
        baselineSeeds: baselineValues.count, candidateSeeds: candidateValues.count,
        relativeTolerance: relative, absoluteTolerance: absolute, pValue: judgement.pValue,
        outcome: judgement.outcome, reason: judgement.reason, gating: !quantity.isTiming)
    }
  }

  /// The per-seed values of a quantity: final metrics, loss and wall time from completed seeds;
  /// steps and wall time to a target from every finished seed (infinite when not reached).
  /// NaN counts as the worst value in `direction`, so that a NaN can only look like a regression.
  static func values(of quantity: ComparedQuantity, in cell: BaselineCell, direction: MetricDirection) -> [Double] {
    let worst: Double = direction == .lowerIsBetter ? .infinity : -.infinity
    var values: [Double] = []
    for seed in cell.seeds {
      let value: Double?
      switch quantity {
      case .finalMetric(let key):
        value = seed.status == .completed ? seed.metrics.first { $0.key == key }?.value : nil
      case .finalLoss:
        value = seed.status == .completed ? seed.loss : nil
      case .trainingWallSeconds:
        value = seed.status == .completed ? seed.timing?.trainingWallSeconds : nil
      case .stepsToTarget(let target):
        guard seed.status.isFinished, let reach = seed.targets.first(where: { $0.target == target }) else {
          value = nil
          break
        }
        value = reach.step.map { Double($0) } ?? .infinity
      case .wallSecondsToTarget(let target):
        guard seed.status.isFinished, let reach = seed.targets.first(where: { $0.target == target }) else {
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
        reason: "\(better ? "better" : "worse") beyond tolerance, but too few seeds for a rank test "
          + "(\(baseline.count) and \(candidate.count); \(policy.minimumSeeds) needed)",
        pValue: nil)
    }
    let test = MannWhitneyU(candidate, baseline)
    if test.pValue <= policy.significanceLevel {
      return Judgement(
        outcome: better ? .improvement : .regression,
        reason: "\(better ? "better" : "worse"), Mann-Whitney p = \(format(test.pValue)) <= \(format(policy.significanceLevel))",
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
