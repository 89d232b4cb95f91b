import Distillation
import Foundation

/// A `ResultSink` that keeps everything in memory: for tests of the runner and of analyses that
/// need no database. Thread-safe.
public final class InMemoryResultSink: ResultSink, @unchecked Sendable {
  private let lock = NSLock()
  private var suites: [String: SuiteRecord] = [:]
  private var runs: [RunResult] = []
  private var teacherValues: [String: [TeacherValue]] = [:]

  /// An empty sink.
  public init() {}

  /// Everything recorded for suite `name`, or `nil` if it was never registered.
  public func results(suite name: String) -> SuiteResults? {
    lock.lock()
    defer { lock.unlock() }
    guard let suite = suites[name] else { return nil }
    return SuiteResults(suite: suite, runs: runs.filter { $0.run.cell.suite == name }, teacherValues: teacherValues[name] ?? [])
  }

  /// Records teacher values (a value of the same problem, teacher, metric, grid and samples is
  /// replaced).
  public func recordTeacherValues(_ values: [TeacherValue], suite: String) throws {
    lock.lock()
    defer { lock.unlock() }
    var kept = teacherValues[suite] ?? []
    for value in values {
      kept.removeAll {
        $0.dataset == value.dataset && $0.teacherIdentity == value.teacherIdentity && $0.metric == value.metric && $0.grid == value.grid
          && $0.samples == value.samples
      }
      kept.append(value)
    }
    teacherValues[suite] = kept
  }

  /// Records the suite.
  public func registerSuite(_ suite: SuiteRecord) throws {
    lock.lock()
    defer { lock.unlock() }
    suites[suite.name] = suite
  }

  /// Begins a run.
  public func beginRun(_ start: RunStart) throws -> RunID {
    lock.lock()
    defer { lock.unlock() }
    guard suites[start.cell.suite] != nil else {
      throw ResultSinkError("beginRun: suite '\(start.cell.suite)' was not registered")
    }
    let id = RunID(Int64(runs.count + 1))
    let record = RunRecord(
      id: id, uid: "memory-\(id.rawValue)", cell: start.cell, machine: start.machine,
      commit: start.commit, status: .running, startedAt: start.startedAt,
      processID: start.processID, host: start.host, loadAtStart: start.loadAverage)
    runs.append(RunResult(run: record, evaluations: []))
    return id
  }

  private func index(of run: RunID) throws -> Int {
    let index = Int(run.rawValue) - 1
    guard runs.indices.contains(index) else { throw ResultSinkError("unknown run \(run)") }
    return index
  }

  /// Records one evaluation.
  public func recordEvaluation(_ evaluation: EvaluationRecord, run: RunID) throws {
    lock.lock()
    defer { lock.unlock() }
    let i = try index(of: run)
    if let last = runs[i].evaluations.last, last.step >= evaluation.step {
      throw ResultSinkError(
        "recordEvaluation: run \(run) already has step \(last.step); got step \(evaluation.step)")
    }
    runs[i].evaluations.append(evaluation)
  }

  /// Records the coefficient rows.
  public func recordCoefficients(_ rows: [CoefficientRow], computeSeconds: Double, statistics: StatisticsCost?, run: RunID)
    throws
  {
    lock.lock()
    defer { lock.unlock() }
    let i = try index(of: run)
    runs[i].coefficients = rows
    runs[i].run.coefficientSeconds = computeSeconds
    runs[i].run.statistics = statistics
  }

  /// Records the gap rows.
  public func recordGaps(_ rows: [GapRow], run: RunID) throws {
    lock.lock()
    defer { lock.unlock() }
    runs[try index(of: run)].gaps = rows
  }

  /// Ends the run.
  public func finishRun(
    _ run: RunID, status: RunStatus, step: Int?, message: String?, finishedAt: Timestamp
  ) throws {
    lock.lock()
    defer { lock.unlock() }
    let i = try index(of: run)
    runs[i].run.status = status
    runs[i].run.statusStep = step
    runs[i].run.statusMessage = message
    runs[i].run.finishedAt = finishedAt
  }

  /// The latest run of the cell.
  public func latestRun(of cell: CellRecord) throws -> RunSummary? {
    lock.lock()
    defer { lock.unlock() }
    guard
      let result = runs.last(where: {
        $0.run.cell.suite == cell.suite && $0.run.cell.specHash == cell.specHash
          && $0.run.cell.seed == cell.seed
      })
    else { return nil }
    return RunSummary(
      id: result.run.id, status: result.run.status, lastEvaluatedStep: result.evaluations.last?.step
    )
  }

  /// Continues an interrupted run.
  public func resumeRun(
    _ run: RunID, keepingEvaluationsThrough step: Int, processID: Int32, host: String
  ) throws {
    lock.lock()
    defer { lock.unlock() }
    let i = try index(of: run)
    runs[i].evaluations.removeAll { $0.step > step }
    runs[i].run.status = .running
    runs[i].run.statusStep = nil
    runs[i].run.statusMessage = nil
    runs[i].run.finishedAt = nil
    runs[i].run.processID = processID
    runs[i].run.host = host
  }
}
