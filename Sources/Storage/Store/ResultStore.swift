import CSQLite
import Foundation
import Harness

/// The results database (docs/harness.md, "Storage"; tables in docs/schema.md): a `ResultSink`
/// for the runner and the read side for reports, exports, baselines and comparisons.
///
/// Opening a database checks that it is SQLite and sound (`PRAGMA quick_check`) before anything
/// is written, applies missing migrations, switches to WAL with a busy timeout (two processes can
/// write one file), and marks `interrupted` every `running` run of this host whose process is
/// gone. Each evaluation is written in one transaction. All methods are thread-safe.
public final class ResultStore: ResultSink, @unchecked Sendable {
  /// The database file.
  public let path: String
  let database: SQLiteDatabase
  let lock = NSLock()
  /// The runs this open marked `interrupted`.
  public private(set) var recoveredRuns: [RunID] = []

  /// Opens (or, with `create`, creates) the database at `path`.
  public init(path: String, create: Bool = false) throws {
    self.path = path
    if !create && !FileManager.default.fileExists(atPath: path) {
      throw StorageError.notFound(path: path)
    }
    // An empty file is a valid new SQLite database, but a command that only reads must not
    // write a schema into a file it was merely pointed at: there are no results in it.
    var status = stat()
    if !create && stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG && status.st_size == 0 {
      throw StorageError.notFound(path: path)
    }
    do {
      database = try SQLiteDatabase(path: path, mode: create ? .create : .readWrite)
      // Reads only, so a damaged file is never written to.
      let problems = try database.quickCheck()
      guard problems == ["ok"] else {
        throw StorageError.corrupt(
          path: path, detail: "quick_check: " + problems.prefix(3).joined(separator: "; "))
      }
      let version = try database.userVersion()
      let application = try database.query("PRAGMA application_id") { try $0.int64(0) }.first ?? 0
      let tables =
        try database.query("SELECT count(*) FROM sqlite_master") { try $0.int(0) }.first ?? 0
      // Ours, or empty (new), or an unmarked database of ours; anything else is someone else's.
      guard
        application == Int64(Schema.applicationID)
          || (application == 0 && (version > 0 || tables == 0))
      else {
        throw StorageError.foreignDatabase(path: path, applicationID: application, tables: tables)
      }
      guard version <= Schema.latestVersion else {
        throw StorageError.schemaTooNew(
          path: path, version: version, supported: Schema.latestVersion)
      }
      try database.setJournalMode("wal")
      try database.execute("PRAGMA synchronous = NORMAL")
      try database.execute("PRAGMA foreign_keys = ON")
      try Schema.migrate(database)
      recoveredRuns = try recoverInterruptedRuns()
    } catch let error as SQLiteError where error.isCorruption {
      throw StorageError.corrupt(path: path, detail: error.message)
    }
  }

  /// Runs `body` with the connection, serialised, turning SQLite corruption into
  /// `StorageError.corrupt`.
  func locked<T>(_ body: () throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    do {
      return try body()
    } catch let error as SQLiteError where error.isCorruption {
      throw StorageError.corrupt(path: path, detail: error.message)
    }
  }

  /// `PRAGMA integrity_check`: `["ok"]` for a sound database.
  public func integrityCheck() throws -> [String] {
    try locked { try database.integrityCheck() }
  }

  /// The schema version (`PRAGMA user_version`).
  public func schemaVersion() throws -> Int {
    try locked { try database.userVersion() }
  }

  /// Marks `interrupted` the `running` runs of this host whose process is gone.
  func recoverInterruptedRuns() throws -> [RunID] {
    let host = UnameFields.current().nodename
    let running = try database.query(
      "SELECT id, process_id, process_start FROM runs WHERE status = 'running' AND host = ?",
      [.text(host)]
    ) { row in
      (
        id: try row.int64(0), pid: Int32(truncatingIfNeeded: try row.int64(1)),
        start: try row.optionalInt(2)
      )
    }
    let gone = running.filter {
      !ProcessLiveness.isAlive(pid: $0.pid, startTime: $0.start.map { Int64($0) })
    }
    guard !gone.isEmpty else { return [] }
    let now = Timestamp.now().description
    try database.transaction {
      for run in gone {
        // Re-check under the write lock: another process may have recovered or resumed it.
        try database.execute(
          """
          UPDATE runs SET status = 'interrupted', finished_at = NULL,
            status_message = 'process ' || process_id || ' on ' || host || ' ended without finishing the run (found ' || ? || ')'
          WHERE id = ? AND status = 'running' AND process_id = ?
          """, [.text(now), .integer(run.id), .integer(Int64(run.pid))])
      }
    }
    return gone.map { RunID($0.id) }
  }
}
