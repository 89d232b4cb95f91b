import Harness
import Metrics
import SyntheticResults
import Testing
import TestSupport

/// A run of `preconditioning`/`seed` whose `fd-pixels` at NFE 2 takes `values` at steps 100,
/// 200, ... (wall time 2 s per 100 steps).
func makeRun(
  _ preconditioning: String, seed: Int, values: [Double], status: RunStatus = .completed,
  id: Int64 = 0,
  machine: MachineFingerprint = SyntheticResults.machine
) -> RunResult {
  let cell = CellRecord(
    suite: "s", dataset: "d", teacher: "t", method: "ctm", preconditioning: preconditioning,
    seed: seed,
    specHash: "hash-\(preconditioning)", configuration: "{}")
  let run = RunRecord(
    id: RunID(id == 0 ? Int64(seed + 1) : id), uid: "u\(preconditioning)\(seed)", cell: cell,
    machine: machine,
    commit: .unknown, status: status, startedAt: Timestamp(secondsSinceEpoch: 0), processID: 1,
    host: "h")
  let evaluations = values.enumerated().map { index, value in
    EvaluationRecord(
      step: 100 * (index + 1), samplesSeen: 0, trainingWallSeconds: 2.0 * Double(index + 1),
      trainingCPUSeconds: 4.0 * Double(index + 1), evaluationSeconds: 0.1, loss: value / 10,
      metrics: [MetricValue(name: "fd-pixels", nfe: 2, value: value)])
  }
  return RunResult(run: run, evaluations: evaluations)
}

let target = QualityTarget(metric: "fd-pixels", nfe: 2, threshold: 1.0)

func suiteResults(_ runs: [RunResult]) -> SuiteResults {
  SuiteResults(
    suite: SuiteRecord(
      name: "s", specJSON: "{}", specHash: "x", referencePreconditioning: "ctm", targets: [target]),
    runs: runs)
}

@Suite("Harness analysis")
struct AnalysisTests {
  @Test("time to target: first reaching evaluation; never, diverged and pending runs")
  func timeToTarget() {
    let reaching = makeRun("ctm", seed: 0, values: [3, 1.5, 0.9, 0.5, 1.2])
    let reach = TimeToTarget.reach(of: target, in: reaching)
    #expect(reach?.step == 300)
    #expect(reach?.trainingWallSeconds == 6)
    #expect(reach?.trainingCPUSeconds == 12)
    #expect(TimeToTarget.reach(of: target, in: makeRun("ctm", seed: 0, values: [3, 2])) == .never)
    // Diverged after reaching: counts as never (docs/harness.md, "Divergence").
    #expect(
      TimeToTarget.reach(of: target, in: makeRun("ctm", seed: 0, values: [0.5], status: .diverged))
        == .never)
    // Still running and not reached yet: unknown.
    #expect(
      TimeToTarget.reach(of: target, in: makeRun("ctm", seed: 0, values: [3], status: .running))
        == nil)
    #expect(
      TimeToTarget.reach(
        of: target, in: makeRun("ctm", seed: 0, values: [0.5], status: .interrupted))?.step == 100)
    let higher = QualityTarget(
      metric: "fd-pixels", nfe: 2, threshold: 2.0, direction: .higherIsBetter)
    #expect(TimeToTarget.reach(of: higher, in: reaching)?.step == 100)
    #expect(
      TimeToTarget.reach(of: QualityTarget(metric: "sw2", nfe: 2, threshold: 1), in: reaching)
        == .never)
  }

  @Test("speed-up: ratio of medians with an interval, infinite runs included")
  func speedUp() {
    let runs = [
      makeRun("ctm", seed: 0, values: [3, 2, 1, 0.5]),  // 300
      makeRun("ctm", seed: 1, values: [3, 2, 2, 0.5]),  // 400
      makeRun("ctm", seed: 2, values: [3, 2, 2, 2]),  // never
      makeRun("analytic", seed: 0, values: [2, 0.5]),  // 200
      makeRun("analytic", seed: 1, values: [0.5]),  // 100
      makeRun("analytic", seed: 2, values: [2, 0.9]),  // 200
      makeRun("analytic-l", seed: 0, values: [2, 2], status: .diverged),
      makeRun("analytic-l", seed: 1, values: [2, 2]),
      makeRun("analytic-l", seed: 2, values: [2, 2]),
    ]
    let table = SpeedUp.table(suiteResults(runs), resamples: 2000)
    #expect(table.count == 3)
    let analytic = table.first { $0.candidate.arm.preconditioning == "analytic" }
    #expect(analytic?.candidate.steps == [200, 100, 200])
    #expect(analytic?.reference.steps == [300, 400, .infinity])
    #expect(analytic?.candidate.reached == 3)
    #expect(analytic?.reference.reached == 2)
    // median(ref) = 400, median(analytic) = 200.
    #expect(analytic?.stepsSpeedUp?.estimate == 2)
    #expect(analytic?.wallSpeedUp?.estimate == 2)
    if let interval = analytic?.stepsSpeedUp {
      #expect(interval.lower <= 2 && interval.upper >= 2)
      #expect(interval.lower >= 1.5)
      // Resamples whose reference median is infinite give an infinite ratio: the upper end.
      #expect(interval.upper == .infinity)
    }
    // Never reaching on the candidate side: speed-up 0.
    let never = table.first { $0.candidate.arm.preconditioning == "analytic-l" }
    #expect(never?.stepsSpeedUp?.estimate == 0)
    #expect(never?.candidate.reached == 0)
    // The reference against itself.
    #expect(table.first { $0.candidate.arm.preconditioning == "ctm" }?.stepsSpeedUp?.estimate == 1)
    // Deterministic: the same intervals again.
    #expect(SpeedUp.table(suiteResults(runs), resamples: 2000) == table)
  }

  @Test("speed-up: settings without the reference are listed, not computed")
  func missingReference() {
    let results = suiteResults([makeRun("analytic", seed: 0, values: [0.5])])
    #expect(SpeedUp.table(results, resamples: 10).isEmpty)
    #expect(SpeedUp.settingsWithoutReference(results).count == 1)
  }

  @Test("run selection: latest run per cell; an unfinished latest gives way to a finished one")
  func selection() {
    var old = makeRun("ctm", seed: 0, values: [2], id: 1)
    old.run.startedAt = Timestamp(secondsSinceEpoch: 10)
    var newer = makeRun("ctm", seed: 0, values: [1], id: 2)
    newer.run.startedAt = Timestamp(secondsSinceEpoch: 20)
    var interrupted = makeRun("ctm", seed: 0, values: [], status: .interrupted, id: 3)
    interrupted.run.startedAt = Timestamp(secondsSinceEpoch: 30)
    let selected = suiteResults([old, newer, interrupted]).selectedRuns()
    #expect(selected.map { $0.run.id } == [RunID(2)])
    #expect(suiteResults([old, newer]).selectedRuns().map { $0.run.id } == [RunID(2)])
  }

  @Test("judge: direction, tolerances, too few seeds, Mann-Whitney significance")
  func judge() {
    let policy = ComparisonPolicy()
    func outcome(
      _ baseline: [Double], _ candidate: [Double], _ direction: MetricDirection = .lowerIsBetter
    ) -> VerdictOutcome {
      Comparison.judge(
        baseline: baseline, candidate: candidate, direction: direction, relativeTolerance: 0.05,
        absoluteTolerance: 0, policy: policy
      ).outcome
    }
    #expect(outcome([1, 1, 1], [1, 1, 1]) == .unchanged)
    #expect(outcome([1, 1.01, 0.99], [1.02, 1.03, 1.01]) == .unchanged)  // within 5%
    #expect(outcome([1, 1.1, 1.2], [2, 2.1, 2.2]) == .regression)  // lower is better, all worse: p = 0.1
    #expect(outcome([1, 1.1, 1.2], [2, 2.1, 2.2], .higherIsBetter) == .improvement)
    #expect(outcome([2, 2.1, 2.2], [1, 1.1, 1.2]) == .improvement)
    #expect(outcome([1, 1.1], [2, 2.1]) == .unknown)  // too few seeds
    #expect(outcome([1, 3, 1.2], [1.5, 1.25, 2.9]) == .unchanged)  // overlapping: not significant
    #expect(outcome([], [1, 2, 3]) == .unknown)
    #expect(outcome([100, 200, 300], [.infinity, .infinity, .infinity]) == .regression)
    #expect(
      outcome([.infinity, .infinity, .infinity], [.infinity, .infinity, .infinity]) == .unchanged)
    #expect(outcome([.infinity, .infinity, .infinity], [100, 200, 300]) == .improvement)
    let strict = ComparisonPolicy(significanceLevel: 0.05)
    // With 3 seeds per side nothing is significant at 0.05 (the smallest p is 0.1).
    #expect(
      Comparison.judge(
        baseline: [1, 1.1, 1.2], candidate: [2, 2.1, 2.2], direction: .lowerIsBetter,
        relativeTolerance: 0.05,
        absoluteTolerance: 0, policy: strict
      ).outcome == .unchanged)
    // Mann-Whitney direction: candidate larger than every baseline value gives U1 = n1 n2.
    let test = MannWhitneyU([2, 2.1, 2.2], [1, 1.1, 1.2])
    #expect(test.u1 == 9 && test.u2 == 0)
    expectClose(test.pValue, 0.1, relative: 1e-12)
  }

  @Test("compare: unchanged, regression, improvement only, failure, spec-hash mismatch")
  func compareScenarios() {
    let created = Timestamp(secondsSinceEpoch: 1_795_000_000)
    let baseline = BaselineBuilder.make(
      name: "base", created: created, results: SyntheticResults().results())
    func status(_ scenario: SyntheticResults.Scenario) -> ComparisonRecord {
      Comparison.compare(
        candidate: SyntheticResults(scenario: scenario).results(), baseline: baseline,
        created: created)
    }
    let same = status(.baseline)
    #expect(same.status == .ok)
    #expect(same.verdicts.allSatisfy { $0.outcome == .unchanged })
    #expect(same.verdicts.contains { $0.quantity == .trainingWallSeconds && !$0.gating })

    let regression = status(.regression)
    #expect(regression.status == .regression)
    #expect(
      regression.verdicts.contains {
        $0.quantity == .finalMetric(MetricKey(name: "fd-pixels", nfe: 2))
          && $0.outcome == .regression
      })
    #expect(
      regression.verdicts.contains {
        $0.quantity.kind == "steps-to-target" && $0.outcome == .regression
      })

    let improvement = status(.improvement)
    #expect(improvement.status == .improvementOnly)
    #expect(improvement.count(.improvement) > 0 && improvement.count(.regression) == 0)

    let diverged = status(.diverged)
    #expect(diverged.status == .benchmarkFailed)
    #expect(diverged.failures.count == 1 && diverged.failures[0].status == .diverged)
    #expect(diverged.failures[0].matchesBaseline == false)
    // The same divergence in the baseline is a known, deterministic failure: not a new one.
    let divergedBaseline = BaselineBuilder.make(
      name: "d", created: created, results: SyntheticResults(scenario: .diverged).results())
    let known = Comparison.compare(
      candidate: SyntheticResults(scenario: .diverged).results(), baseline: divergedBaseline,
      created: created)
    #expect(known.status == .ok)
    #expect(known.failures.first?.matchesBaseline == true)

    let changed = status(.specChange)
    #expect(changed.status == .notComparable)
    #expect(changed.mismatches.count == 9)
    #expect(changed.verdicts.isEmpty)

    // Timings: slower on the same machine is a (non-gating) timing regression; on another
    // machine it is not compared.
    let slower = status(.slower)
    #expect(slower.status == .ok)
    #expect(
      slower.verdicts.contains {
        $0.quantity == .trainingWallSeconds && $0.outcome == .regression && !$0.gating
      })
    var elsewhere = SyntheticResults(scenario: .slower)
    elsewhere.machine.cpuModel = "Other CPU"
    let other = Comparison.compare(
      candidate: elsewhere.results(), baseline: baseline, created: created)
    #expect(other.verdicts.filter { $0.quantity.isTiming }.allSatisfy { $0.outcome == .unknown })
    #expect(other.status == .ok)

    // A candidate arm without baseline: unknown; a baseline arm the candidate lacks: listed.
    let extra = Comparison.compare(
      candidate: SyntheticResults(preconditionings: ["ctm", "analytic-l"]).results(),
      baseline: baseline, created: created)
    #expect(
      extra.verdicts.filter { $0.arm.preconditioning == "analytic-l" }.allSatisfy {
        $0.outcome == .unknown
      })
    #expect(
      extra.missingInCandidate.map { $0.preconditioning } == ["analytic", "analytic-backward"])
    // Nothing in common at all: not comparable.
    let disjoint = Comparison.compare(
      candidate: SyntheticResults(preconditionings: ["edm"]).results(), baseline: baseline,
      created: created)
    #expect(disjoint.status == .notComparable)
  }

  @Test("compare also works when a spec hash covers several seeds (seeds pooled per arm)")
  func seedlessSpecHashes() {
    let created = Timestamp(secondsSinceEpoch: 0)
    let before = suiteResults(
      (0..<3).map { makeRun("ctm", seed: $0, values: [2, 1.0 + 0.01 * Double($0)]) })
    let after = suiteResults(
      (0..<3).map { makeRun("ctm", seed: $0, values: [2, 1.5 + 0.01 * Double($0)]) })
    let baseline = BaselineBuilder.make(name: "b", created: created, results: before)
    #expect(baseline.cells.count == 1 && baseline.cells[0].seeds.count == 3)
    let comparison = Comparison.compare(candidate: after, baseline: baseline, created: created)
    #expect(comparison.status == .regression)
    let metric = comparison.verdicts.first {
      $0.quantity == .finalMetric(MetricKey(name: "fd-pixels", nfe: 2))
    }
    #expect(
      metric?.outcome == .regression && metric?.baselineSeeds == 3
        && metric?.specHashes == ["hash-ctm"])
  }

  @Test("final quality and curves summarise completed seeds")
  func summaries() {
    let runs = [
      makeRun("ctm", seed: 0, values: [3, 1]), makeRun("ctm", seed: 1, values: [3, 2]),
      makeRun("ctm", seed: 2, values: [4, 3]),
      makeRun("ctm", seed: 3, values: [9], status: .diverged),
    ]
    let final = QualitySummary.finalQuality(runs)
    let fd = final.first { $0.metric == MetricKey(name: "fd-pixels", nfe: 2) }
    #expect(fd?.summary.count == 3)
    #expect(fd?.summary.median == 2 && fd?.summary.minimum == 1 && fd?.summary.maximum == 3)
    #expect(final.first?.metric == nil)  // the loss comes first
    let curve = QualitySummary.curve(
      of: MetricKey(name: "fd-pixels", nfe: 2), for: runs[0].run.cell.arm, in: runs)
    #expect(curve.points.map { $0.step } == [100, 200])
    #expect(curve.points[0].summary.count == 4 && curve.points[0].summary.maximum == 9)
  }
}
