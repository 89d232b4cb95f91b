import Distillation
/// Where the runner writes results, so that Harness never imports Storage. `ResultStore` (the
/// SQLite database) implements it; `InMemoryResultSink` does for tests.
///
/// Protocol of one run: `registerSuite` (once per suite and process), `beginRun` -> id, then any
/// number of `recordEvaluation` (each atomic: the evaluation and all its metrics, or nothing),
/// `recordCoefficients` / `recordGaps` (once each, typically before training), and
/// `finishRun` with the final status. A process that dies before `finishRun` leaves a run that
/// the store marks `interrupted` when it is next opened.
public protocol ResultSink: AnyObject, Sendable {
  /// Records the suite (idempotent for an equal spec hash; a new spec hash makes it the suite's
  /// current specification).
  func registerSuite(_ suite: SuiteRecord) throws

  /// Begins a run of `start.cell` (its suite must have been registered); returns its id.
  func beginRun(_ start: RunStart) throws -> RunID

  /// Records one evaluation with all its metrics, atomically. Steps must increase within a run.
  func recordEvaluation(_ evaluation: EvaluationRecord, run: RunID) throws

  /// Records the run's coefficient rows, the seconds it took to compute them (the one-off cost of
  /// the shared statistics for analytic runs) and what the statistics took.
  func recordCoefficients(_ rows: [CoefficientRow], computeSeconds: Double, statistics: StatisticsCost?, run: RunID) throws

  /// Records the run's consistency-gap rows.
  func recordGaps(_ rows: [GapRow], run: RunID) throws

  /// Ends the run with `status` (`completed`, `diverged` or `failed`), the step the status
  /// applies to and an optional message.
  func finishRun(
    _ run: RunID, status: RunStatus, step: Int?, message: String?, finishedAt: Timestamp) throws

  /// The latest run of `cell` (same suite, spec hash and seed), for `--resume`.
  func latestRun(of cell: CellRecord) throws -> RunSummary?

  /// Continues an interrupted run: marks it `running` under this process and deletes its
  /// evaluations after `step` (the checkpoint it resumes from: they will be recorded again,
  /// bit-identical).
  func resumeRun(_ run: RunID, keepingEvaluationsThrough step: Int, processID: Int32, host: String)
    throws

  /// Records the teachers' own values of suite `suite` (for rules relative to the teacher),
  /// replacing an earlier value of the same problem, teacher, metric, grid and sample count.
  func recordTeacherValues(_ values: [TeacherValue], suite: String) throws
}

extension ResultSink {
  /// Records coefficient rows without statistics.
  public func recordCoefficients(_ rows: [CoefficientRow], computeSeconds: Double, run: RunID) throws {
    try recordCoefficients(rows, computeSeconds: computeSeconds, statistics: nil, run: run)
  }

  /// Ends the run now.
  public func finishRun(_ run: RunID, status: RunStatus, step: Int? = nil, message: String? = nil)
    throws
  {
    try finishRun(run, status: status, step: step, message: message, finishedAt: .now())
  }
}

/// Misuse of a result sink that is not the store's fault (an unknown run id, an evaluation out of
/// order, a cell of an unregistered suite).
public struct ResultSinkError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong.
  public let message: String

  /// An error with its message.
  public init(_ message: String) { self.message = message }

  /// The message.
  public var description: String { message }
}
