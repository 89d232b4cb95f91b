/// A stored baseline: per cell spec hash and per seed, the deterministic final numbers and
/// steps-to-target that CI gates on, plus the timings with the machine they were measured on.
///
/// Exported to and imported from `Baselines/NAME.json` (see `BaselineRecord+JSON.swift` and
/// `Baselines/README.md`) so that a baseline can be reviewed in a diff and committed.
public struct BaselineRecord: Sendable, Hashable {
  /// The baseline's name (`smoke`).
  public var name: String
  /// When it was made.
  public var created: Timestamp
  /// The commit of the runs it was made from.
  public var sourceCommit: CommitInfo
  /// The suite's name.
  public var suite: String
  /// The suite's spec hash when the baseline was made.
  public var suiteSpecHash: String
  /// The suite's quality targets (steps-to-target are recorded for each).
  public var targets: [QualityTarget]
  /// The machines the timings were measured on, sorted by id.
  public var machines: [MachineFingerprint]
  /// The cells by spec hash, sorted by arm then spec hash.
  public var cells: [BaselineCell]

  /// A baseline from its parts; machines and cells are put in canonical order.
  public init(
    name: String, created: Timestamp, sourceCommit: CommitInfo, suite: String,
    suiteSpecHash: String, targets: [QualityTarget], machines: [MachineFingerprint],
    cells: [BaselineCell]
  ) {
    self.name = name
    self.created = created
    self.sourceCommit = sourceCommit
    self.suite = suite
    self.suiteSpecHash = suiteSpecHash
    self.targets = targets
    var seen: Set<String> = []
    self.machines = machines.sorted { $0.id < $1.id }.filter { seen.insert($0.id).inserted }
    self.cells = cells.sorted { a, b in
      a.arm != b.arm ? a.arm < b.arm : a.specHash < b.specHash
    }
  }

  /// The machine with fingerprint id `id`.
  public func machine(id: String) -> MachineFingerprint? { machines.first { $0.id == id } }
}

/// The seeds recorded under one spec hash (one seed when the spec hash includes the seed, as the
/// runner's does; several when a spec hash leaves the seed out).
public struct BaselineCell: Sendable, Hashable {
  /// The spec hash.
  public var specHash: String
  /// The dataset.
  public var dataset: String
  /// The teacher.
  public var teacher: String
  /// `cd` or `ctm`.
  public var method: String
  /// The preconditioning.
  public var preconditioning: String
  /// One entry per seed, sorted by seed.
  public var seeds: [BaselineSeed]

  /// A cell from its parts; seeds are sorted.
  public init(
    specHash: String, dataset: String, teacher: String, method: String, preconditioning: String,
    seeds: [BaselineSeed]
  ) {
    self.specHash = specHash
    self.dataset = dataset
    self.teacher = teacher
    self.method = method
    self.preconditioning = preconditioning
    self.seeds = seeds.sorted { $0.seed < $1.seed }
  }

  /// The arm.
  public var arm: Arm {
    Arm(dataset: dataset, teacher: teacher, method: method, preconditioning: preconditioning)
  }
}

/// One seed's numbers in a baseline.
public struct BaselineSeed: Sendable, Hashable {
  /// The seed.
  public var seed: Int
  /// How the run ended.
  public var status: RunStatus
  /// The step the status applies to (a diverged run's divergence step).
  public var statusStep: Int?
  /// The step of the final evaluation (`nil` if there was none).
  public var finalStep: Int?
  /// The loss at the final evaluation.
  public var loss: Double?
  /// Every metric at the final evaluation, sorted by (name, NFE).
  public var metrics: [MetricValue]
  /// Steps (and training time) to each of the suite's targets.
  public var targets: [BaselineTargetReach]
  /// Timings at the final evaluation, with their machine (`nil` if there was no evaluation).
  public var timing: BaselineTiming?

  /// A seed entry from its parts; metrics and targets are sorted.
  public init(
    seed: Int, status: RunStatus, statusStep: Int?, finalStep: Int?, loss: Double?,
    metrics: [MetricValue], targets: [BaselineTargetReach], timing: BaselineTiming?
  ) {
    self.seed = seed
    self.status = status
    self.statusStep = statusStep
    self.finalStep = finalStep
    self.loss = loss
    self.metrics = metrics.sortedByKey()
    self.targets = targets.sorted { $0.target < $1.target }
    self.timing = timing
  }
}

/// When one seed reached one target.
public struct BaselineTargetReach: Sendable, Hashable {
  /// The target.
  public var target: QualityTarget
  /// The first evaluated step that reached it; `nil` if never (or the run failed).
  public var step: Int?
  /// Training wall seconds at that evaluation (timing, machine-dependent).
  public var trainingWallSeconds: Double?
  /// Training CPU seconds at that evaluation (timing, machine-dependent).
  public var trainingCPUSeconds: Double?

  /// A reach from its parts.
  public init(
    target: QualityTarget, step: Int?, trainingWallSeconds: Double?, trainingCPUSeconds: Double?
  ) {
    self.target = target
    self.step = step
    self.trainingWallSeconds = trainingWallSeconds
    self.trainingCPUSeconds = trainingCPUSeconds
  }
}

/// The timings of one seed, with the machine they were measured on.
public struct BaselineTiming: Sendable, Hashable {
  /// The machine's fingerprint id (see `BaselineRecord.machines`).
  public var machine: String
  /// Training wall seconds at the final evaluation.
  public var trainingWallSeconds: Double
  /// Training CPU seconds at the final evaluation.
  public var trainingCPUSeconds: Double
  /// Seconds spent in all evaluations.
  public var evaluationSeconds: Double

  /// Timings from their parts.
  public init(
    machine: String, trainingWallSeconds: Double, trainingCPUSeconds: Double,
    evaluationSeconds: Double
  ) {
    self.machine = machine
    self.trainingWallSeconds = trainingWallSeconds
    self.trainingCPUSeconds = trainingCPUSeconds
    self.evaluationSeconds = evaluationSeconds
  }
}
