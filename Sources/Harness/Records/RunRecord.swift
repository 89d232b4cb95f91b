import Distillation
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The identifier a `ResultSink` gives a run.
public struct RunID: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The database row id (or the in-memory index).
  public let rawValue: Int64

  /// An id from its raw value.
  public init(_ rawValue: Int64) { self.rawValue = rawValue }

  /// The raw value.
  public var description: String { String(rawValue) }

  /// Orders by raw value (the order runs were begun in one database).
  public static func < (a: RunID, b: RunID) -> Bool { a.rawValue < b.rawValue }
}

/// What the runner says when it begins a run.
public struct RunStart: Sendable, Hashable {
  /// The cell.
  public var cell: CellRecord
  /// The machine it runs on.
  public var machine: MachineFingerprint
  /// The commit it was built from.
  public var commit: CommitInfo
  /// When it started.
  public var startedAt: Timestamp
  /// The process id of the runner (to tell, later, whether a `running` run's process is gone).
  public var processID: Int32
  /// The host the runner runs on (uname's node name).
  public var host: String
  /// The machine's 1-minute load average when the run started (`nil` where unknown).
  public var loadAverage: Double?

  /// A run start; time, process, host and load default to this process's and machine's.
  public init(
    cell: CellRecord, machine: MachineFingerprint, commit: CommitInfo,
    startedAt: Timestamp = .now(), processID: Int32 = getpid(),
    host: String = UnameFields.current().nodename, loadAverage: Double? = LoadAverage.current()
  ) {
    self.loadAverage = loadAverage
    self.cell = cell
    self.machine = machine
    self.commit = commit
    self.startedAt = startedAt
    self.processID = processID
    self.host = host
  }
}

/// A run as stored: its cell, where and from what it ran, and how it ended.
public struct RunRecord: Codable, Sendable, Hashable {
  /// The id within its database (not stable across databases: `uid` is).
  public var id: RunID
  /// A globally unique id (merging shards uses it to add each run once).
  public var uid: String
  /// The cell.
  public var cell: CellRecord
  /// The machine.
  public var machine: MachineFingerprint
  /// The commit.
  public var commit: CommitInfo
  /// The status.
  public var status: RunStatus
  /// The step at which the status was set (the divergence step of a diverged run).
  public var statusStep: Int?
  /// Why the run failed or diverged, in words.
  public var statusMessage: String?
  /// When it started.
  public var startedAt: Timestamp
  /// When it finished (`nil` while running or when interrupted).
  public var finishedAt: Timestamp?
  /// The runner's process id.
  public var processID: Int32
  /// The runner's host.
  public var host: String
  /// Seconds spent computing preconditioning coefficients before training (`nil` if not
  /// recorded).
  public var coefficientSeconds: Double?
  /// The machine's 1-minute load average when the run started (`nil` where unknown).
  public var loadAtStart: Double?
  /// What the Analytic-Precond statistics took (the one-off estimate shared by every run of the
  /// teacher; its seconds are also `coefficientSeconds`) (`nil` for other preconditionings).
  public var statistics: StatisticsCost?

  /// A run from its parts.
  public init(
    id: RunID, uid: String, cell: CellRecord, machine: MachineFingerprint, commit: CommitInfo,
    status: RunStatus, statusStep: Int? = nil, statusMessage: String? = nil,
    startedAt: Timestamp, finishedAt: Timestamp? = nil, processID: Int32, host: String,
    coefficientSeconds: Double? = nil, statistics: StatisticsCost? = nil, loadAtStart: Double? = nil
  ) {
    self.loadAtStart = loadAtStart
    self.id = id
    self.uid = uid
    self.cell = cell
    self.machine = machine
    self.commit = commit
    self.status = status
    self.statusStep = statusStep
    self.statusMessage = statusMessage
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.processID = processID
    self.host = host
    self.coefficientSeconds = coefficientSeconds
    self.statistics = statistics
  }
}

/// The latest run of a cell, as `--resume` needs it.
public struct RunSummary: Sendable, Hashable {
  /// The run.
  public var id: RunID
  /// Its status.
  public var status: RunStatus
  /// The last step that has an evaluation, if any.
  public var lastEvaluatedStep: Int?

  /// A summary from its parts.
  public init(id: RunID, status: RunStatus, lastEvaluatedStep: Int?) {
    self.id = id
    self.status = status
    self.lastEvaluatedStep = lastEvaluatedStep
  }
}

/// A run with everything recorded for it.
public struct RunResult: Sendable, Hashable {
  /// The run.
  public var run: RunRecord
  /// Its evaluations, by increasing step.
  public var evaluations: [EvaluationRecord]
  /// Its coefficient rows, in recorded order.
  public var coefficients: [CoefficientRow]
  /// Its consistency-gap rows, in recorded order.
  public var gaps: [GapRow]
  /// Metrics computed outside and imported for its evaluations (`precond-bench metric import`),
  /// by step, name and NFE.
  public var externalMetrics: [ExternalMetric]

  /// A run result from its parts.
  public init(
    run: RunRecord, evaluations: [EvaluationRecord], coefficients: [CoefficientRow] = [],
    gaps: [GapRow] = [], externalMetrics: [ExternalMetric] = []
  ) {
    self.run = run
    self.evaluations = evaluations
    self.coefficients = coefficients
    self.gaps = gaps
    self.externalMetrics = externalMetrics
  }

  /// The last evaluation (the final numbers of a completed run).
  public var finalEvaluation: EvaluationRecord? { evaluations.last }
}

/// A suite with all its runs: what reports, exports, baselines and comparisons are made from.
public struct SuiteResults: Sendable, Hashable {
  /// The suite (its latest registered specification).
  public var suite: SuiteRecord
  /// Its runs, ordered by arm, seed and run id.
  public var runs: [RunResult]
  /// The teachers' own values recorded for the suite's problems (for rules relative to the
  /// teacher), sorted.
  public var teacherValues: [TeacherValue]

  /// Suite results from their parts; `runs` are put in the canonical order.
  public init(suite: SuiteRecord, runs: [RunResult], teacherValues: [TeacherValue] = []) {
    self.suite = suite
    self.teacherValues = teacherValues.sorted()
    self.runs = runs.sorted { a, b in
      if a.run.cell.arm != b.run.cell.arm { return a.run.cell.arm < b.run.cell.arm }
      if a.run.cell.seed != b.run.cell.seed { return a.run.cell.seed < b.run.cell.seed }
      return a.run.id < b.run.id
    }
  }
}
