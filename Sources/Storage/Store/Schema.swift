/// The database schema, as forward migrations applied in order; `PRAGMA user_version` is the
/// number of migrations applied. A migration is never edited once released: changes are new
/// migrations, so any older database opens by applying the missing ones.
public enum Schema {
  /// One step from version `version - 1` to `version`.
  public struct Migration: Sendable {
    /// The version the database has after this migration.
    public let version: Int
    /// What it does.
    public let summary: String
    /// The SQL script.
    public let sql: String
  }

  /// `PRAGMA application_id` of a PrecondBench results database ("PBNC"), set by migration 1:
  /// it tells our databases from other SQLite files, which are never written to.
  public static let applicationID: Int32 = 0x5042_4E43

  /// The version a database has after every migration.
  public static var latestVersion: Int { migrations.count }

  /// Every migration, in order.
  public static let migrations: [Migration] = [
    Migration(
      version: 1,
      summary: "machines, commits, suites, cells, runs, evaluations, metrics, coefficients, gaps",
      sql: """
        PRAGMA application_id = 1346522691;
        CREATE TABLE machines (
          id TEXT PRIMARY KEY,
          cpu_model TEXT NOT NULL,
          cores INTEGER NOT NULL,
          memory_bytes INTEGER NOT NULL,
          operating_system TEXT NOT NULL,
          kernel TEXT NOT NULL,
          swift_version TEXT NOT NULL,
          build_configuration TEXT NOT NULL
        );
        CREATE TABLE commits (
          sha TEXT NOT NULL,
          dirty INTEGER NOT NULL,
          date TEXT NOT NULL,
          PRIMARY KEY (sha, dirty)
        );
        CREATE TABLE suites (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          spec_hash TEXT NOT NULL,
          spec_json TEXT NOT NULL,
          reference_preconditioning TEXT NOT NULL,
          targets_json TEXT NOT NULL,
          registered_at TEXT NOT NULL,
          UNIQUE (name, spec_hash)
        );
        CREATE TABLE cells (
          id INTEGER PRIMARY KEY,
          suite TEXT NOT NULL,
          spec_hash TEXT NOT NULL,
          seed INTEGER NOT NULL,
          dataset TEXT NOT NULL,
          teacher TEXT NOT NULL,
          method TEXT NOT NULL,
          preconditioning TEXT NOT NULL,
          configuration TEXT NOT NULL,
          UNIQUE (suite, spec_hash, seed)
        );
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY,
          uid TEXT NOT NULL UNIQUE,
          cell_id INTEGER NOT NULL REFERENCES cells(id),
          machine_id TEXT NOT NULL REFERENCES machines(id),
          commit_sha TEXT NOT NULL,
          commit_dirty INTEGER NOT NULL,
          status TEXT NOT NULL
            CHECK (status IN ('running', 'completed', 'diverged', 'interrupted', 'failed')),
          status_step INTEGER,
          status_message TEXT,
          started_at TEXT NOT NULL,
          finished_at TEXT,
          coefficient_seconds REAL,
          FOREIGN KEY (commit_sha, commit_dirty) REFERENCES commits(sha, dirty)
        );
        CREATE TABLE evaluations (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step INTEGER NOT NULL,
          samples_seen INTEGER NOT NULL,
          training_wall_seconds REAL NOT NULL,
          training_cpu_seconds REAL NOT NULL,
          evaluation_seconds REAL NOT NULL,
          loss REAL,
          UNIQUE (run_id, step)
        );
        CREATE TABLE metrics (
          evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          nfe INTEGER NOT NULL,
          value REAL,
          PRIMARY KEY (evaluation_id, name, nfe)
        ) WITHOUT ROWID;
        CREATE TABLE coefficients (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          row_index INTEGER NOT NULL,
          t REAL NOT NULL,
          s REAL NOT NULL,
          a REAL,
          b REAL,
          l REAL,
          s_statistic REAL,
          alpha REAL,
          beta REAL,
          flagged INTEGER NOT NULL,
          PRIMARY KEY (run_id, row_index)
        ) WITHOUT ROWID;
        CREATE TABLE gaps (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          row_index INTEGER NOT NULL,
          t REAL NOT NULL,
          s REAL NOT NULL,
          gap REAL,
          jump_error REAL,
          PRIMARY KEY (run_id, row_index)
        ) WITHOUT ROWID;
        """),
    Migration(
      version: 2, summary: "baselines, comparisons and their verdicts",
      sql: """
        CREATE TABLE baselines (
          name TEXT PRIMARY KEY,
          created TEXT NOT NULL,
          source_commit TEXT NOT NULL,
          suite TEXT NOT NULL,
          document TEXT NOT NULL
        );
        CREATE TABLE comparisons (
          id INTEGER PRIMARY KEY,
          baseline TEXT NOT NULL,
          suite TEXT NOT NULL,
          created TEXT NOT NULL,
          candidate_commit TEXT NOT NULL,
          status TEXT NOT NULL,
          document TEXT NOT NULL
        );
        CREATE TABLE verdicts (
          comparison_id INTEGER NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE,
          row_index INTEGER NOT NULL,
          spec_hashes TEXT NOT NULL,
          dataset TEXT NOT NULL,
          teacher TEXT NOT NULL,
          method TEXT NOT NULL,
          preconditioning TEXT NOT NULL,
          quantity TEXT NOT NULL,
          metric TEXT,
          nfe INTEGER,
          threshold REAL,
          direction TEXT NOT NULL,
          baseline_value REAL,
          candidate_value REAL,
          baseline_seeds INTEGER NOT NULL,
          candidate_seeds INTEGER NOT NULL,
          relative_tolerance REAL NOT NULL,
          absolute_tolerance REAL NOT NULL,
          p_value REAL,
          outcome TEXT NOT NULL,
          reason TEXT NOT NULL,
          gating INTEGER NOT NULL,
          PRIMARY KEY (comparison_id, row_index)
        ) WITHOUT ROWID;
        """),
    Migration(
      version: 3, summary: "the runner's process on each run (crash recovery) and lookup indexes",
      sql: """
        ALTER TABLE runs ADD COLUMN process_id INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';
        ALTER TABLE runs ADD COLUMN process_start INTEGER;
        CREATE INDEX runs_by_cell ON runs(cell_id);
        CREATE INDEX runs_by_status ON runs(status, host);
        CREATE INDEX cells_by_suite ON cells(suite);
        """),
    Migration(
      version: 4, summary: "the machine's load average at each run's start and at each evaluation",
      sql: """
        ALTER TABLE runs ADD COLUMN load_start REAL;
        ALTER TABLE evaluations ADD COLUMN load_average REAL;
        """),
    Migration(
      version: 5, summary: "standard errors of the coefficients and what the Analytic-Precond statistics took",
      sql: """
        ALTER TABLE coefficients ADD COLUMN a_se REAL;
        ALTER TABLE coefficients ADD COLUMN b_se REAL;
        ALTER TABLE coefficients ADD COLUMN l_se REAL;
        ALTER TABLE coefficients ADD COLUMN s_statistic_se REAL;
        ALTER TABLE runs ADD COLUMN statistics_json TEXT;
        """),
    Migration(
      version: 6, summary: "the teachers' own metric values that rules relative to the teacher resolve against",
      sql: """
        CREATE TABLE teacher_values (
          id INTEGER PRIMARY KEY,
          suite TEXT NOT NULL,
          dataset TEXT NOT NULL,
          teacher TEXT NOT NULL,
          teacher_identity TEXT NOT NULL,
          metric TEXT NOT NULL,
          grid INTEGER NOT NULL CHECK (grid >= 2),
          samples INTEGER NOT NULL CHECK (samples >= 1),
          value REAL NOT NULL,
          seconds REAL NOT NULL,
          recorded_at TEXT NOT NULL,
          UNIQUE (suite, dataset, teacher_identity, metric, grid, samples)
        );
        ALTER TABLE verdicts ADD COLUMN target_rule TEXT;
        """),
    Migration(
      version: 7, summary: "metrics computed outside (e.g. FID of exported samples), imported per run evaluation",
      sql: """
        CREATE TABLE external_metrics (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step INTEGER NOT NULL CHECK (step >= 0),
          name TEXT NOT NULL,
          nfe INTEGER NOT NULL CHECK (nfe >= 1),
          value REAL NOT NULL,
          source TEXT NOT NULL,
          recorded_at TEXT NOT NULL,
          UNIQUE (run_id, step, name, nfe)
        );
        """),
  ]

  /// Applies the migrations after the database's version, up to `target` (default: all), each
  /// in its own transaction with its `user_version` update, so a crash leaves the database at a
  /// version boundary. Returns the versions applied.
  @discardableResult
  public static func migrate(_ database: SQLiteDatabase, upTo target: Int = latestVersion) throws
    -> [Int]
  {
    precondition(target >= 0 && target <= latestVersion, "Schema.migrate: no version \(target)")
    var applied: [Int] = []
    guard try database.userVersion() < target else { return applied }
    for migration in migrations where migration.version <= target {
      let done = try database.transaction { () -> Bool in
        // Another process may have migrated since we looked: re-read under the write lock.
        guard try database.userVersion() < migration.version else { return false }
        try database.executeScript(migration.sql)
        try database.setUserVersion(migration.version)
        return true
      }
      if done { applied.append(migration.version) }
    }
    return applied
  }
}
