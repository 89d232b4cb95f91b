import Foundation
import Harness

/// What a merge added.
public struct MergeSummary: Sendable, Hashable {
  /// Runs added (with their evaluations, metrics, coefficients, gaps and external metrics).
  public var runsAdded: Int
  /// Runs already present (same uid), left as they were.
  public var runsAlreadyPresent: Int
  /// Baselines added.
  public var baselinesAdded: Int
  /// Baselines present in both with different contents (the target's kept), by name.
  public var baselineConflicts: [String]
}

/// Merging shard databases (`precond-bench merge`).
extension ResultStore {
  /// Adds every run of the database at `shardPath` that this one does not have (runs are
  /// identified by their uid, so merging twice adds nothing), with the suites, cells, machines
  /// and commits they need, and the shard's baselines whose names are new here. Stored
  /// comparisons are not merged (they are derived: run `compare` again). One transaction.
  public func merge(from shardPath: String) throws -> MergeSummary {
    let source = URL(fileURLWithPath: shardPath).resolvingSymlinksInPath().path
    let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    guard source != target else {
      throw StorageError.invalidMerge("\(shardPath): cannot merge a database into itself")
    }
    // Opening the shard validates it, migrates it to the current schema and recovers its runs.
    _ = try ResultStore(path: shardPath)
    return try locked {
      try database.execute("ATTACH DATABASE ? AS shard", [.text(shardPath)])
      defer { try? database.execute("DETACH DATABASE shard") }
      return try database.transaction {
        let before =
          try database.query("SELECT coalesce(max(id), 0) FROM main.runs") { try $0.int64(0) }.first
          ?? 0
        let shardRuns =
          try database.query("SELECT count(*) FROM shard.runs") { try $0.int(0) }.first ?? 0
        try database.executeScript(
          """
          INSERT OR IGNORE INTO main.machines SELECT id, cpu_model, cores, memory_bytes, operating_system,
            kernel, swift_version, build_configuration FROM shard.machines;
          INSERT OR IGNORE INTO main.commits SELECT sha, dirty, date FROM shard.commits;
          INSERT INTO main.suites (name, spec_hash, spec_json, reference_preconditioning, targets_json, registered_at)
            SELECT name, spec_hash, spec_json, reference_preconditioning, targets_json, registered_at
            FROM shard.suites WHERE 1
            ON CONFLICT (name, spec_hash) DO UPDATE
              SET registered_at = max(registered_at, excluded.registered_at);
          INSERT OR IGNORE INTO main.teacher_values (suite, dataset, teacher, teacher_identity, metric, grid, samples, value,
                                                     seconds, recorded_at)
            SELECT suite, dataset, teacher, teacher_identity, metric, grid, samples, value, seconds, recorded_at
            FROM shard.teacher_values;
          INSERT OR IGNORE INTO main.cells (suite, spec_hash, seed, dataset, teacher, method, preconditioning,
                                            configuration)
            SELECT suite, spec_hash, seed, dataset, teacher, method, preconditioning, configuration
            FROM shard.cells;
          INSERT INTO main.runs (uid, cell_id, machine_id, commit_sha, commit_dirty, status, status_step,
                                 status_message, started_at, finished_at, coefficient_seconds, process_id,
                                 host, process_start, load_start, statistics_json)
            SELECT r.uid, mc.id, r.machine_id, r.commit_sha, r.commit_dirty, r.status, r.status_step,
                   r.status_message, r.started_at, r.finished_at, r.coefficient_seconds, r.process_id,
                   r.host, r.process_start, r.load_start, r.statistics_json
            FROM shard.runs r
              JOIN shard.cells sc ON sc.id = r.cell_id
              JOIN main.cells mc ON mc.suite = sc.suite AND mc.spec_hash = sc.spec_hash AND mc.seed = sc.seed
            WHERE r.uid NOT IN (SELECT uid FROM main.runs)
            ORDER BY r.id;
          """)
        let added =
          try database.query("SELECT count(*) FROM main.runs WHERE id > ?", [.integer(before)]) {
            try $0.int(0)
          }.first ?? 0
        let newRuns =
          "JOIN shard.runs sr ON sr.id = x.run_id JOIN main.runs mr ON mr.uid = sr.uid AND mr.id > ?"
        try database.execute(
          """
          INSERT INTO main.evaluations (run_id, step, samples_seen, training_wall_seconds, training_cpu_seconds,
                                        evaluation_seconds, loss, load_average)
            SELECT mr.id, x.step, x.samples_seen, x.training_wall_seconds, x.training_cpu_seconds,
                   x.evaluation_seconds, x.loss, x.load_average
            FROM shard.evaluations x \(newRuns) ORDER BY mr.id, x.step
          """, [.integer(before)])
        try database.execute(
          """
          INSERT INTO main.metrics (evaluation_id, name, nfe, value)
            SELECT me.id, m.name, m.nfe, m.value
            FROM shard.metrics m
              JOIN shard.evaluations x ON x.id = m.evaluation_id \(newRuns)
              JOIN main.evaluations me ON me.run_id = mr.id AND me.step = x.step
          """, [.integer(before)])
        try database.execute(
          """
          INSERT INTO main.coefficients (run_id, row_index, t, s, a, b, l, s_statistic, alpha, beta, flagged,
                                         a_se, b_se, l_se, s_statistic_se)
            SELECT mr.id, x.row_index, x.t, x.s, x.a, x.b, x.l, x.s_statistic, x.alpha, x.beta, x.flagged,
                   x.a_se, x.b_se, x.l_se, x.s_statistic_se
            FROM shard.coefficients x \(newRuns)
          """, [.integer(before)])
        try database.execute(
          """
          INSERT INTO main.gaps (run_id, row_index, t, s, gap, jump_error)
            SELECT mr.id, x.row_index, x.t, x.s, x.gap, x.jump_error FROM shard.gaps x \(newRuns)
          """, [.integer(before)])
        // External metrics of any run the target holds (new or already present), by run uid.
        try database.execute(
          """
          INSERT OR IGNORE INTO main.external_metrics (run_id, step, name, nfe, value, source, recorded_at)
            SELECT mr.id, x.step, x.name, x.nfe, x.value, x.source, x.recorded_at
            FROM shard.external_metrics x
              JOIN shard.runs sr ON sr.id = x.run_id JOIN main.runs mr ON mr.uid = sr.uid
            ORDER BY mr.id, x.step, x.name, x.nfe
          """)
        let conflicts = try database.query(
          """
          SELECT s.name FROM shard.baselines s JOIN main.baselines m ON m.name = s.name
          WHERE m.document != s.document ORDER BY s.name
          """
        ) { try $0.text(0) }
        try database.execute(
          """
          INSERT OR IGNORE INTO main.baselines (name, created, source_commit, suite, document)
            SELECT name, created, source_commit, suite, document FROM shard.baselines
          """)
        let baselinesAdded = database.changes
        return MergeSummary(
          runsAdded: added, runsAlreadyPresent: shardRuns - added, baselinesAdded: baselinesAdded,
          baselineConflicts: conflicts)
      }
    }
  }
}
