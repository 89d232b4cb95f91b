import CanonicalJSON
import Distillation
import Foundation
import Harness

/// The read side: suites and everything recorded for them.
extension ResultStore {
  /// The names of the suites with registered specifications, sorted.
  public func suiteNames() throws -> [String] {
    try locked {
      try database.query("SELECT DISTINCT name FROM suites ORDER BY name") { try $0.text(0) }
    }
  }

  /// The current specification of suite `name` (the latest registered), or `nil`.
  public func suite(named name: String) throws -> SuiteRecord? {
    try locked { try loadSuite(named: name) }
  }

  func loadSuite(named name: String) throws -> SuiteRecord? {
    let rows = try database.query(
      """
      SELECT name, spec_json, spec_hash, reference_preconditioning, targets_json FROM suites
      WHERE name = ? ORDER BY registered_at DESC, id DESC LIMIT 1
      """, [.text(name)]
    ) { row in
      (try row.text(0), try row.text(1), try row.text(2), try row.text(3), try row.text(4))
    }
    guard let (suiteName, spec, hash, reference, targetsText) = rows.first else { return nil }
    let source = "\(path) (suites.targets_json of suite '\(suiteName)')"
    let remedy = "The database was modified outside precond-bench; run the suite again"
    let document = try JSONValue.parse(targetsText, file: source, remedy: remedy)
    guard case .array(let elements) = document else {
      throw StorageError.malformedRow(
        path: path, detail: "suite '\(suiteName)' has targets that are not a JSON array")
    }
    let rules = try elements.enumerated().map { index, value in
      try TargetRule(json: value, path: "[\(index)]", file: source, remedy: remedy)
    }
    return SuiteRecord(
      name: suiteName, specJSON: spec, specHash: hash, referencePreconditioning: reference,
      rules: rules)
  }

  /// Suite `name` with every run recorded for it (all runs, any status), or `nil` when the suite
  /// was never registered.
  public func results(suite name: String) throws -> SuiteResults? {
    try locked {
      guard let suite = try loadSuite(named: name) else { return nil }
      let runs = try loadRuns(where: "c.suite = ?", [.text(name)])
      return SuiteResults(suite: suite, runs: runs, teacherValues: try loadTeacherValues(suite: name))
    }
  }

  /// Every run of the database (any suite), with everything recorded for it.
  public func allRuns() throws -> [RunResult] {
    try locked { try loadRuns(where: "1", []) }
  }

  /// The teacher values recorded for suite `name`, the latest per problem, teacher, metric,
  /// grid and samples (a retrained teacher's values replace the old ones).
  func loadTeacherValues(suite name: String) throws -> [TeacherValue] {
    let rows = try database.query(
      """
      SELECT dataset, teacher, teacher_identity, metric, grid, samples, value, seconds FROM teacher_values
      WHERE suite = ? ORDER BY recorded_at, id
      """, [.text(name)]
    ) { row in
      TeacherValue(dataset: try row.text(0), teacher: try row.text(1), teacherIdentity: try row.text(2), metric: try row.text(3),
        grid: try row.int(4), samples: try row.int(5), value: try row.double(6), seconds: try row.double(7))
    }
    var latest: [String: TeacherValue] = [:]
    for value in rows { latest["\(value.dataset)|\(value.teacher)|\(value.metric)|\(value.grid)|\(value.samples)"] = value }
    return latest.values.sorted()
  }

  func loadRuns(where condition: String, _ values: [SQLiteValue]) throws -> [RunResult] {
    var records = try database.query(
      """
      SELECT r.id, r.uid, c.suite, c.dataset, c.teacher, c.method, c.preconditioning, c.seed,
             c.spec_hash, c.configuration,
             m.id, m.cpu_model, m.cores, m.memory_bytes, m.operating_system, m.kernel,
             m.swift_version, m.build_configuration,
             k.sha, k.dirty, k.date,
             r.status, r.status_step, r.status_message, r.started_at, r.finished_at,
             r.process_id, r.host, r.coefficient_seconds, r.statistics_json, r.load_start
      FROM runs r
        JOIN cells c ON c.id = r.cell_id
        JOIN machines m ON m.id = r.machine_id
        JOIN commits k ON k.sha = r.commit_sha AND k.dirty = r.commit_dirty
      WHERE \(condition)
      ORDER BY r.id
      """, values
    ) { row -> RunRecord in
      let id = try row.int64(0)
      let statusText = try row.text(21)
      guard let status = RunStatus(rawValue: statusText) else {
        throw StorageError.malformedRow(
          path: path, detail: "run \(id) has unknown status '\(statusText)'")
      }
      func timestamp(_ text: String?, _ column: String) throws -> Timestamp? {
        guard let text else { return nil }
        guard let value = Timestamp(iso8601: text) else {
          throw StorageError.malformedRow(
            path: path, detail: "run \(id) has \(column) '\(text)', not an ISO 8601 time")
        }
        return value
      }
      let cell = CellRecord(
        suite: try row.text(2), dataset: try row.text(3), teacher: try row.text(4),
        method: try row.text(5),
        preconditioning: try row.text(6), seed: try row.int(7), specHash: try row.text(8),
        configuration: try row.text(9))
      let machine = MachineFingerprint(
        cpuModel: try row.text(11), cores: try row.int(12), memoryBytes: try row.int64(13),
        operatingSystem: try row.text(14), kernel: try row.text(15), swiftVersion: try row.text(16),
        buildConfiguration: try row.text(17))
      let commit = CommitInfo(
        sha: try row.text(18), dirty: try row.bool(19), date: try row.text(20))
      guard let started = try timestamp(try row.text(24), "started_at") else {
        throw StorageError.malformedRow(path: path, detail: "run \(id) has no start time")
      }
      var statistics: StatisticsCost? = nil
      if let text = try row.optionalText(29) {
        guard let record = StatisticsCost(json: text) else {
          throw StorageError.malformedRow(path: path, detail: "run \(id) has statistics_json that is not a statistics record")
        }
        statistics = record
      }
      return RunRecord(
        id: RunID(id), uid: try row.text(1), cell: cell, machine: machine, commit: commit,
        status: status,
        statusStep: try row.optionalInt(22), statusMessage: try row.optionalText(23),
        startedAt: started,
        finishedAt: try timestamp(try row.optionalText(25), "finished_at"),
        processID: Int32(truncatingIfNeeded: try row.int64(26)), host: try row.text(27),
        coefficientSeconds: try row.optionalDouble(28), statistics: statistics, loadAtStart: try row.optionalDouble(30))
    }
    records.sort { $0.id < $1.id }
    guard !records.isEmpty else { return [] }
    let runCondition =
      "run_id IN (SELECT r.id FROM runs r JOIN cells c ON c.id = r.cell_id WHERE \(condition))"

    var metricsByEvaluation: [Int64: [MetricValue]] = [:]
    _ = try database.query(
      """
      SELECT m.evaluation_id, m.name, m.nfe, m.value FROM metrics m JOIN evaluations e ON e.id = m.evaluation_id
      WHERE e.\(runCondition) ORDER BY m.evaluation_id, m.name, m.nfe
      """, values
    ) { row in
      metricsByEvaluation[try row.int64(0), default: []].append(
        MetricValue(name: try row.text(1), nfe: try row.int(2), value: try row.double(3)))
    }
    var evaluationsByRun: [Int64: [EvaluationRecord]] = [:]
    _ = try database.query(
      """
      SELECT id, run_id, step, samples_seen, training_wall_seconds, training_cpu_seconds, evaluation_seconds, loss,
             load_average
      FROM evaluations WHERE \(runCondition) ORDER BY run_id, step
      """, values
    ) { row in
      evaluationsByRun[try row.int64(1), default: []].append(
        EvaluationRecord(
          step: try row.int(2), samplesSeen: try row.int(3), trainingWallSeconds: try row.double(4),
          trainingCPUSeconds: try row.double(5), evaluationSeconds: try row.double(6),
          loss: try row.double(7),
          metrics: metricsByEvaluation[try row.int64(0)] ?? [], loadAverage: try row.optionalDouble(8)))
    }
    var coefficientsByRun: [Int64: [CoefficientRow]] = [:]
    _ = try database.query(
      """
      SELECT run_id, t, s, a, b, l, s_statistic, alpha, beta, flagged, a_se, b_se, l_se, s_statistic_se FROM coefficients
      WHERE \(runCondition) ORDER BY run_id, row_index
      """, values
    ) { row in
      coefficientsByRun[try row.int64(0), default: []].append(
        CoefficientRow(
          t: try row.double(1), s: try row.double(2), a: try row.double(3), b: try row.double(4),
          l: try row.optionalDouble(5), sStatistic: try row.optionalDouble(6),
          alpha: try row.optionalDouble(7),
          beta: try row.optionalDouble(8), flagged: try row.bool(9), aError: try row.optionalDouble(10),
          bError: try row.optionalDouble(11), lError: try row.optionalDouble(12), sStatisticError: try row.optionalDouble(13)))
    }
    var gapsByRun: [Int64: [GapRow]] = [:]
    _ = try database.query(
      "SELECT run_id, t, s, gap, jump_error FROM gaps WHERE \(runCondition) ORDER BY run_id, row_index",
      values
    ) { row in
      gapsByRun[try row.int64(0), default: []].append(
        GapRow(
          t: try row.double(1), s: try row.double(2), gap: try row.double(3),
          jumpError: try row.double(4)))
    }
    var externalByRun: [Int64: [ExternalMetric]] = [:]
    _ = try database.query(
      """
      SELECT run_id, step, name, nfe, value, source, recorded_at FROM external_metrics
      WHERE \(runCondition) ORDER BY run_id, step, name, nfe
      """, values
    ) { row in
      let recorded = try row.text(6)
      guard let recordedAt = Timestamp(iso8601: recorded) else {
        throw StorageError.malformedRow(
          path: path, detail: "an external metric of run \(try row.int64(0)) has recorded_at '\(recorded)', not an ISO 8601 time")
      }
      externalByRun[try row.int64(0), default: []].append(
        ExternalMetric(
          step: try row.int(1), name: try row.text(2), nfe: try row.int(3), value: try row.double(4),
          source: try row.text(5), recordedAt: recordedAt))
    }
    return records.map { record in
      RunResult(
        run: record, evaluations: evaluationsByRun[record.id.rawValue] ?? [],
        coefficients: coefficientsByRun[record.id.rawValue] ?? [],
        gaps: gapsByRun[record.id.rawValue] ?? [],
        externalMetrics: externalByRun[record.id.rawValue] ?? [])
    }
  }
}
