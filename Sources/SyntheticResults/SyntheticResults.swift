import CanonicalJSON
import Diffusion
import Foundation
import Harness
import TensorCore

/// Deterministic made-up results with the shape of a real suite: for tests of storage, reports
/// and comparisons, and for `precond-bench synthetic-results` (demos of `report`/`check` without
/// training anything). Not a benchmark: every number comes from a formula, and the suite and its
/// records say `synthetic`.
///
/// The metric `fd-pixels` at NFE 1 and 2 and `sw2` at NFE 2 decay as
/// `floor + scale * exp(-rate * step / budget)` with a per-seed jitter drawn from a `.testing`
/// Philox stream; `analytic*` preconditionings decay twice as fast as the others, so speed-ups
/// are about 2.
public struct SyntheticResults: Sendable {
  /// What to make differ from the plain results.
  public enum Scenario: String, Sendable, CaseIterable {
    /// The plain results.
    case baseline
    /// Every metric 50% worse and reached later.
    case regression
    /// Every metric 30% better and reached earlier.
    case improvement
    /// Seed 0 of the last preconditioning diverges halfway (loss NaN, status `diverged`).
    case diverged
    /// The same arms under different configurations (spec hashes change).
    case specChange = "spec-change"
    /// Wall times 3x longer, numbers identical.
    case slower
  }

  /// The suite's name.
  public var suiteName: String
  /// The scenario.
  public var scenario: Scenario
  /// The preconditionings (the first is the reference).
  public var preconditionings: [String]
  /// The seeds.
  public var seeds: [Int]
  /// Evaluations per run (at steps `evalEvery`, `2 evalEvery`, ...).
  public var evaluations: Int
  /// Steps between evaluations.
  public var evalEvery: Int
  /// The machine recorded on every run.
  public var machine: MachineFingerprint
  /// The commit recorded on every run.
  public var commit: CommitInfo
  /// The start time of every run.
  public var startedAt: Timestamp

  /// Synthetic results; every parameter has a default.
  public init(
    suiteName: String = "synthetic", scenario: Scenario = .baseline,
    preconditionings: [String] = ["ctm", "analytic", "analytic-backward"],
    seeds: [Int] = [0, 1, 2],
    evaluations: Int = 8, evalEvery: Int = 50,
    machine: MachineFingerprint = SyntheticResults.machine,
    commit: CommitInfo = CommitInfo(
      sha: String(repeating: "ab", count: 20), dirty: false, date: "2026-11-26T12:00:00+00:00"),
    startedAt: Timestamp = Timestamp(secondsSinceEpoch: 1_795_000_000)
  ) {
    self.suiteName = suiteName
    self.scenario = scenario
    self.preconditionings = preconditionings
    self.seeds = seeds
    self.evaluations = evaluations
    self.evalEvery = evalEvery
    self.machine = machine
    self.commit = commit
    self.startedAt = startedAt
  }

  /// A fixed machine (so results made on different hosts compare their timings).
  public static let machine = MachineFingerprint(
    cpuModel: "Synthetic CPU @ 3.0GHz", cores: 2, memoryBytes: 8 * 1_073_741_824,
    operatingSystem: "Synthetic Linux", kernel: "6.0.0", swiftVersion: "6.3",
    buildConfiguration: "release")

  /// The targets: `fd-pixels (NFE 2) <= 0.6` and `sw2 (NFE 2) <= 0.35`.
  public var targets: [QualityTarget] {
    [
      QualityTarget(metric: "fd-pixels", nfe: 2, threshold: 0.6),
      QualityTarget(metric: "sw2", nfe: 2, threshold: 0.35),
    ]
  }

  /// The suite record.
  public var suite: SuiteRecord {
    let spec = JSONValue.object([
      "synthetic": .bool(true), "preconditionings": .array(preconditionings.map { .string($0) }),
      "seeds": .array(seeds.map { .int($0) }), "evaluations": .int(evaluations),
      "evalEvery": .int(evalEvery),
      "targets": .array(targets.map { $0.json }),
    ])
    return SuiteRecord(
      name: suiteName, spec: spec, referencePreconditioning: preconditionings.first ?? "ctm",
      targets: targets)
  }

  /// Every cell, by preconditioning then seed.
  public var cells: [CellRecord] {
    preconditionings.flatMap { preconditioning in
      seeds.map { seed in
        var arm: [String: JSONValue] = [
          "dataset": .string("gmm2d"), "teacher": .string("gmm-exact"), "method": .string("ctm"),
          "preconditioning": .string(preconditioning), "budget": .int(evaluations * evalEvery),
          "evalEvery": .int(evalEvery),
        ]
        if scenario == .specChange { arm["learningRate"] = .number(0.002) }
        var full = arm
        full["seed"] = .int(seed)
        return CellRecord(
          suite: suiteName, dataset: "gmm2d", teacher: "gmm-exact", method: "ctm",
          preconditioning: preconditioning, seed: seed, specHash: SpecHash.of(.object(full)),
          configuration: JSONValue.object(full).serialized(pretty: false))
      }
    }
  }

  /// Whether `cell` diverges in this scenario, and at which evaluation index.
  public func divergence(of cell: CellRecord) -> Int? {
    guard scenario == .diverged, cell.seed == seeds.first,
      cell.preconditioning == preconditionings.last
    else {
      return nil
    }
    return evaluations / 2
  }

  /// Evaluation `index` (0-based) of `cell`.
  public func evaluation(of cell: CellRecord, index: Int) -> EvaluationRecord {
    let step = (index + 1) * evalEvery
    let budget = Double(evaluations * evalEvery)
    let jitter = RandomStream(seed: UInt64(cell.seed), purpose: .testing, step: index)
      .uniform(sample: cell.preconditioning.utf8.reduce(0) { $0 &+ Int($1) }, count: 4)
    var rate = cell.preconditioning.hasPrefix("analytic") ? 6.0 : 3.0
    var quality = 1.0
    switch scenario {
    case .regression:
      rate *= 0.6
      quality = 1.5
    case .improvement:
      rate *= 1.4
      quality = 0.7
    case .baseline, .diverged, .specChange, .slower: break
    }
    let progress = exp(-rate * Double(step) / budget)
    func value(_ floor: Double, _ scale: Double, _ draw: Double) -> Double {
      quality * (floor + scale * progress) * (0.97 + 0.06 * draw)
    }
    let diverged = divergence(of: cell).map { index >= $0 } ?? false
    let wallPerStep = (scenario == .slower ? 0.03 : 0.01) * (0.95 + 0.1 * jitter[3])
    let metrics = [
      MetricValue(name: "fd-pixels", nfe: 1, value: diverged ? .nan : value(0.4, 2.0, jitter[0])),
      MetricValue(name: "fd-pixels", nfe: 2, value: diverged ? .nan : value(0.3, 1.6, jitter[1])),
      MetricValue(name: "sw2", nfe: 2, value: diverged ? .nan : value(0.2, 0.8, jitter[2])),
    ]
    return EvaluationRecord(
      step: step, samplesSeen: step * 64, trainingWallSeconds: Double(step) * wallPerStep,
      trainingCPUSeconds: Double(step) * wallPerStep * 1.9, evaluationSeconds: 0.05,
      loss: diverged ? .nan : 0.02 * progress + 0.001, metrics: metrics)
  }

  /// The coefficient rows of `cell` (a small grid; analytic jumps from the largest t flagged).
  public func coefficients(of cell: CellRecord) -> [CoefficientRow] {
    let edm = EDMPreconditioning(sigmaData: 0.5)
    var rows: [CoefficientRow] = []
    for t in [80.0, 10.0, 1.0] {
      for s in [0.002, 0.1, 0.5] where s < t {
        let (cSkip, cOut) = (edm.cSkip(t), edm.cOut(t))
        let a = s / t + (1 - s / t) * cSkip
        let b = (1 - s / t) * cOut
        if cell.preconditioning.hasPrefix("analytic") {
          let beta = t == 80 ? 40.0 * (1 - s / t) : 1 - s / t
          rows.append(
            CoefficientRow(
              t: t, s: s, a: a, b: beta * cOut, l: cSkip, sStatistic: -2 * cSkip, alpha: s / t,
              beta: beta,
              flagged: beta * cOut > 10 * b))
        } else {
          rows.append(CoefficientRow(t: t, s: s, a: a, b: b))
        }
      }
    }
    return rows
  }

  /// The gap rows of `cell`.
  public func gaps(of cell: CellRecord) -> [GapRow] {
    let factor = cell.preconditioning.hasPrefix("analytic") ? 0.3 : 1.0
    return [(80.0, 0.002), (80.0, 1.0), (10.0, 0.002), (10.0, 1.0), (1.0, 0.002)].map { t, s in
      let length = log(t / s)
      return GapRow(
        t: t, s: s, gap: factor * 0.01 * length * length, jumpError: factor * 0.002 * length)
    }
  }

  /// Writes every run to `sink`: the suite, then for each cell a run with its coefficients, gaps
  /// and evaluations, finished as `completed` (or `diverged`). `afterEvaluation` is called after
  /// each evaluation is recorded (the CLI uses it to pace and report progress).
  public func write(
    to sink: any ResultSink, processID: Int32 = getpid(),
    host: String = UnameFields.current().nodename,
    afterEvaluation: (CellRecord, EvaluationRecord) -> Void = { _, _ in }
  ) throws {
    try sink.registerSuite(suite)
    for cell in cells {
      let run = try sink.beginRun(
        RunStart(
          cell: cell, machine: machine, commit: commit, startedAt: startedAt, processID: processID,
          host: host, loadAverage: 1.0))
      try sink.recordCoefficients(coefficients(of: cell), computeSeconds: 0.01, run: run)
      try sink.recordGaps(gaps(of: cell), run: run)
      var diverged: Int? = nil
      for index in 0..<evaluations {
        let evaluation = evaluation(of: cell, index: index)
        try sink.recordEvaluation(evaluation, run: run)
        afterEvaluation(cell, evaluation)
        if let at = divergence(of: cell), index >= at {
          diverged = evaluation.step
          break
        }
      }
      let finished = Timestamp(secondsSinceEpoch: startedAt.secondsSinceEpoch + 60)
      if let diverged {
        try sink.finishRun(
          run, status: .diverged, step: diverged, message: "loss became NaN", finishedAt: finished)
      } else {
        try sink.finishRun(run, status: .completed, step: nil, message: nil, finishedAt: finished)
      }
    }
  }

  /// The results as `SuiteResults`, through an `InMemoryResultSink`.
  public func results() -> SuiteResults {
    let sink = InMemoryResultSink()
    do {
      try write(to: sink)
    } catch {
      preconditionFailure("SyntheticResults: the in-memory sink refused a record: \(error)")
    }
    guard let results = sink.results(suite: suiteName) else {
      preconditionFailure("SyntheticResults: suite missing from the in-memory sink")
    }
    return results
  }
}
