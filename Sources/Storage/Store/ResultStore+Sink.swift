import CanonicalJSON
import Distillation
import Foundation
import Harness

/// The write side: `ResultSink`.
extension ResultStore {
  /// Records the suite; registering it again moves it to the front as the current specification.
  public func registerSuite(_ suite: SuiteRecord) throws {
    try locked {
      try database.transaction {
        try database.execute(
          """
          INSERT INTO suites (name, spec_hash, spec_json, reference_preconditioning, targets_json, registered_at)
          VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (name, spec_hash) DO UPDATE SET registered_at = excluded.registered_at
          """,
          [
            .text(suite.name), .text(suite.specHash), .text(suite.specJSON),
            .text(suite.referencePreconditioning),
            .text(JSONValue.array(suite.rules.map { $0.json }).serialized(pretty: false)),
            .text(Timestamp.now().description),
          ])
      }
    }
  }

  /// Records teacher values, replacing an earlier value of the same key.
  public func recordTeacherValues(_ values: [TeacherValue], suite: String) throws {
    guard !values.isEmpty else { return }
    try locked {
      try database.transaction {
        let now = Timestamp.now().description
        for value in values {
          try database.execute(
            """
            INSERT INTO teacher_values (suite, dataset, teacher, teacher_identity, metric, grid, samples, value, seconds, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (suite, dataset, teacher_identity, metric, grid, samples) DO UPDATE
              SET value = excluded.value, seconds = excluded.seconds, recorded_at = excluded.recorded_at
            """,
            [
              .text(suite), .text(value.dataset), .text(value.teacher), .text(value.teacherIdentity), .text(value.metric),
              .int(value.grid), .int(value.samples), .real(value.value), .real(value.seconds), .text(now),
            ])
        }
      }
    }
  }

  /// Begins a run; machine, commit and cell rows are added when new.
  public func beginRun(_ start: RunStart) throws -> RunID {
    try locked {
      try database.transaction {
        let cell = start.cell
        let suites = try database.query("SELECT 1 FROM suites WHERE name = ?", [.text(cell.suite)])
        { _ in 1 }
        guard !suites.isEmpty else {
          throw ResultSinkError(
            "beginRun: suite '\(cell.suite)' was not registered (call registerSuite first)")
        }
        try insertMachine(start.machine)
        try database.execute(
          "INSERT OR IGNORE INTO commits (sha, dirty, date) VALUES (?, ?, ?)",
          [.text(start.commit.sha), .bool(start.commit.dirty), .text(start.commit.date)])
        try database.execute(
          """
          INSERT OR IGNORE INTO cells (suite, spec_hash, seed, dataset, teacher, method, preconditioning, configuration)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """,
          [
            .text(cell.suite), .text(cell.specHash), .int(cell.seed), .text(cell.dataset),
            .text(cell.teacher), .text(cell.method), .text(cell.preconditioning),
            .text(cell.configuration),
          ])
        let cellID =
          try database.query(
            "SELECT id FROM cells WHERE suite = ? AND spec_hash = ? AND seed = ?",
            [.text(cell.suite), .text(cell.specHash), .int(cell.seed)]
          ) { try $0.int64(0) }.first ?? 0
        try database.execute(
          """
          INSERT INTO runs (uid, cell_id, machine_id, commit_sha, commit_dirty, status, started_at,
                            process_id, host, process_start, load_start)
          VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)
          """,
          [
            .text(UUID().uuidString.lowercased()), .integer(cellID), .text(start.machine.id),
            .text(start.commit.sha), .bool(start.commit.dirty), .text(start.startedAt.description),
            .integer(Int64(start.processID)), .text(start.host),
            ProcessLiveness.startTime(of: start.processID).map { SQLiteValue.integer($0) } ?? .null,
            start.loadAverage.map { SQLiteValue.real($0) } ?? .null,
          ])
        return RunID(database.lastInsertRowID)
      }
    }
  }

  func insertMachine(_ machine: MachineFingerprint) throws {
    try database.execute(
      """
      INSERT OR IGNORE INTO machines (id, cpu_model, cores, memory_bytes, operating_system, kernel,
                                      swift_version, build_configuration)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """,
      [
        .text(machine.id), .text(machine.cpuModel), .int(machine.cores),
        .integer(machine.memoryBytes),
        .text(machine.operatingSystem), .text(machine.kernel), .text(machine.swiftVersion),
        .text(machine.buildConfiguration),
      ])
  }

  /// The status of run `id`, or an error if there is no such run.
  func status(of run: RunID) throws -> RunStatus {
    guard
      let text = try database.query(
        "SELECT status FROM runs WHERE id = ?", [.integer(run.rawValue)], { try $0.text(0) }
      ).first
    else { throw ResultSinkError("no run \(run) in \(path)") }
    guard let status = RunStatus(rawValue: text) else {
      throw StorageError.malformedRow(path: path, detail: "run \(run) has unknown status '\(text)'")
    }
    return status
  }

  /// Records one evaluation and its metrics in one transaction.
  public func recordEvaluation(_ evaluation: EvaluationRecord, run: RunID) throws {
    try locked {
      try database.transaction {
        let status = try status(of: run)
        guard status == .running else {
          throw ResultSinkError("recordEvaluation: run \(run) is \(status.rawValue), not running")
        }
        let last =
          try database.query(
            "SELECT max(step) FROM evaluations WHERE run_id = ?", [.integer(run.rawValue)]
          ) { try $0.optionalInt(0) }.first ?? nil
        if let last, last >= evaluation.step {
          throw ResultSinkError(
            "recordEvaluation: run \(run) already has step \(last); got step \(evaluation.step)")
        }
        try database.execute(
          """
          INSERT INTO evaluations (run_id, step, samples_seen, training_wall_seconds, training_cpu_seconds,
                                   evaluation_seconds, loss, load_average)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """,
          [
            .integer(run.rawValue), .int(evaluation.step), .int(evaluation.samplesSeen),
            .real(evaluation.trainingWallSeconds), .real(evaluation.trainingCPUSeconds),
            .real(evaluation.evaluationSeconds), .real(evaluation.loss),
            evaluation.loadAverage.map { SQLiteValue.real($0) } ?? .null,
          ])
        let evaluationID = database.lastInsertRowID
        let insert = try database.prepare(
          "INSERT INTO metrics (evaluation_id, name, nfe, value) VALUES (?, ?, ?, ?)")
        for metric in evaluation.metrics {
          try insert.run([
            .integer(evaluationID), .text(metric.name), .int(metric.nfe), .real(metric.value),
          ])
        }
      }
    }
  }

  /// Records the coefficient rows (replacing earlier ones of the run) and their cost.
  public func recordCoefficients(_ rows: [CoefficientRow], computeSeconds: Double, statistics: StatisticsCost?, run: RunID)
    throws
  {
    try locked {
      try database.transaction {
        _ = try status(of: run)
        try database.execute("DELETE FROM coefficients WHERE run_id = ?", [.integer(run.rawValue)])
        let insert = try database.prepare(
          """
          INSERT INTO coefficients (run_id, row_index, t, s, a, b, l, s_statistic, alpha, beta, flagged,
                                    a_se, b_se, l_se, s_statistic_se)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
        for (index, row) in rows.enumerated() {
          try insert.run([
            .integer(run.rawValue), .int(index), .real(row.t), .real(row.s), .real(row.a),
            .real(row.b),
            .real(row.l), .real(row.sStatistic), .real(row.alpha), .real(row.beta),
            .bool(row.flagged), .real(row.aError), .real(row.bError), .real(row.lError), .real(row.sStatisticError),
          ])
        }
        try database.execute(
          "UPDATE runs SET coefficient_seconds = ?, statistics_json = ? WHERE id = ?",
          [.real(computeSeconds), .text(statistics?.json), .integer(run.rawValue)])
      }
    }
  }

  /// Records the gap rows (replacing earlier ones of the run).
  public func recordGaps(_ rows: [GapRow], run: RunID) throws {
    try locked {
      try database.transaction {
        _ = try status(of: run)
        try database.execute("DELETE FROM gaps WHERE run_id = ?", [.integer(run.rawValue)])
        let insert = try database.prepare(
          "INSERT INTO gaps (run_id, row_index, t, s, gap, jump_error) VALUES (?, ?, ?, ?, ?, ?)")
        for (index, row) in rows.enumerated() {
          try insert.run([
            .integer(run.rawValue), .int(index), .real(row.t), .real(row.s), .real(row.gap),
            .real(row.jumpError),
          ])
        }
      }
    }
  }

  /// Ends the run.
  public func finishRun(
    _ run: RunID, status: RunStatus, step: Int?, message: String?, finishedAt: Timestamp
  ) throws {
    try locked {
      try database.transaction {
        _ = try self.status(of: run)
        try database.execute(
          "UPDATE runs SET status = ?, status_step = ?, status_message = ?, finished_at = ? WHERE id = ?",
          [
            .text(status.rawValue), .int(step), .text(message), .text(finishedAt.description),
            .integer(run.rawValue),
          ])
      }
    }
  }

  /// The latest run of the cell (same suite, spec hash, seed).
  public func latestRun(of cell: CellRecord) throws -> RunSummary? {
    try locked {
      let rows = try database.query(
        """
        SELECT r.id, r.status, (SELECT max(step) FROM evaluations e WHERE e.run_id = r.id)
        FROM runs r JOIN cells c ON c.id = r.cell_id
        WHERE c.suite = ? AND c.spec_hash = ? AND c.seed = ?
        ORDER BY r.started_at DESC, r.id DESC LIMIT 1
        """, [.text(cell.suite), .text(cell.specHash), .int(cell.seed)]
      ) { row in (try row.int64(0), try row.text(1), try row.optionalInt(2)) }
      guard let (id, text, step) = rows.first else { return nil }
      guard let status = RunStatus(rawValue: text) else {
        throw StorageError.malformedRow(
          path: path, detail: "run \(id) has unknown status '\(text)'")
      }
      return RunSummary(id: RunID(id), status: status, lastEvaluatedStep: step)
    }
  }

  /// Continues a run: deletes its evaluations after `step` and marks it running under this
  /// process.
  public func resumeRun(
    _ run: RunID, keepingEvaluationsThrough step: Int, processID: Int32, host: String
  ) throws {
    try locked {
      try database.transaction {
        _ = try status(of: run)
        try database.execute(
          "DELETE FROM metrics WHERE evaluation_id IN (SELECT id FROM evaluations WHERE run_id = ? AND step > ?)",
          [.integer(run.rawValue), .int(step)])
        try database.execute(
          "DELETE FROM evaluations WHERE run_id = ? AND step > ?",
          [.integer(run.rawValue), .int(step)])
        try database.execute(
          "DELETE FROM external_metrics WHERE run_id = ? AND step > ?",
          [.integer(run.rawValue), .int(step)])
        try database.execute(
          """
          UPDATE runs SET status = 'running', status_step = NULL, status_message = NULL, finished_at = NULL,
            process_id = ?, host = ?, process_start = ?
          WHERE id = ?
          """,
          [
            .integer(Int64(processID)), .text(host),
            ProcessLiveness.startTime(of: processID).map { SQLiteValue.integer($0) } ?? .null,
            .integer(run.rawValue),
          ])
      }
    }
  }
}
