import CSQLite
import Foundation

/// One connection to an SQLite database file: statements, transactions, `user_version`, and the
/// integrity check. Not thread-safe by itself; `ResultStore` serialises access with a lock.
public final class SQLiteDatabase {
  /// How to open the file.
  public enum Mode: Sendable {
    /// Read and write; the file must exist.
    case readWrite
    /// Read and write; create the file (and its directory) when missing.
    case create
    /// Read only; the file must exist.
    case readOnly
  }

  let handle: OpaquePointer
  /// The file's path as given.
  public let path: String
  private var inTransaction = false

  /// The first 16 bytes of every SQLite 3 database file.
  public static let header: [UInt8] = Array("SQLite format 3\0".utf8)

  /// Opens `path`. A file that exists but does not start with the SQLite header is rejected
  /// before SQLite touches it (`SQLiteError` with `SQLITE_NOTADB`), so it is never modified.
  public init(path: String, mode: Mode, busyTimeoutMilliseconds: Int32 = 30_000) throws {
    self.path = path
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    let exists = manager.fileExists(atPath: path, isDirectory: &isDirectory)
    if exists && isDirectory.boolValue {
      throw SQLiteError(
        code: SQLITE_CANTOPEN, message: "is a directory, not a database file", path: path,
        context: "opening")
    }
    if exists {
      // A device, FIFO or socket (/dev/null, a named pipe) is no database and must not be written.
      var status = stat()
      if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
        throw SQLiteError(
          code: SQLITE_CANTOPEN, message: "is not a regular file, so not a database file", path: path,
          context: "opening")
      }
      try Self.checkHeader(path: path)
    } else if mode == .create {
      let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
      do {
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
      } catch {
        throw SQLiteError(
          code: SQLITE_CANTOPEN,
          message: "cannot create its directory \(directory.path) (\(Self.reason(error)))",
          path: path, context: "creating")
      }
    }
    var flags = SQLITE_OPEN_FULLMUTEX
    switch mode {
    case .readWrite: flags |= SQLITE_OPEN_READWRITE
    case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
    case .readOnly: flags |= SQLITE_OPEN_READONLY
    }
    var connection: OpaquePointer? = nil
    let code = sqlite3_open_v2(path, &connection, flags, nil)
    guard code == SQLITE_OK, let connection else {
      let systemError = connection.map { String(cString: strerror(sqlite3_system_errno($0))) }
      let message: String
      if exists {
        message = String(cString: sqlite3_errstr(code)) + (systemError.map { " (\($0))" } ?? "")
      } else if mode == .create {
        message = "cannot be created" + (systemError.map { " (\($0))" } ?? "")
      } else {
        message = "no such file (and not asked to create it)"
      }
      if let connection { sqlite3_close_v2(connection) }
      throw SQLiteError(code: code, message: message, path: path, context: "opening")
    }
    self.handle = connection
    sqlite3_extended_result_codes(connection, 1)
    sqlite3_busy_timeout(connection, busyTimeoutMilliseconds)
  }

  deinit { sqlite3_close_v2(handle) }

  /// The system's words for a Foundation file error (its errno), else its description.
  static func reason(_ error: any Error) -> String {
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
    if let underlying, underlying.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(underlying.code)))
    }
    return error.localizedDescription
  }

  /// Throws `SQLITE_NOTADB` unless the (non-empty) file starts with the SQLite header. An empty
  /// file is a valid empty database.
  static func checkHeader(path: String) throws {
    guard let file = FileHandle(forReadingAtPath: path) else {
      throw SQLiteError(
        code: SQLITE_CANTOPEN, message: "cannot be read (permissions?)", path: path,
        context: "opening")
    }
    defer { try? file.close() }
    let prefix = (try? file.read(upToCount: 100)) ?? Data()
    guard !prefix.isEmpty else { return }
    guard prefix.count >= header.count, Array(prefix.prefix(header.count)) == header else {
      throw SQLiteError(
        code: SQLITE_NOTADB, message: "is not an SQLite database (no SQLite header)", path: path,
        context: "opening")
    }
  }

  /// Prepares a statement.
  public func prepare(_ sql: String) throws -> SQLiteStatement {
    try SQLiteStatement(database: self, sql: sql)
  }

  /// Runs one statement with `values`, discarding rows.
  public func execute(_ sql: String, _ values: [SQLiteValue] = []) throws {
    try prepare(sql).run(values)
  }

  /// Runs a script of several statements without parameters.
  public func executeScript(_ sql: String) throws {
    var error: UnsafeMutablePointer<CChar>? = nil
    let code = sqlite3_exec(handle, sql, nil, nil, &error)
    if let error { sqlite3_free(error) }
    try SQLiteError.check(code, handle, path: path, context: "running a script")
  }

  /// Runs a query and maps its rows.
  public func query<T>(
    _ sql: String, _ values: [SQLiteValue] = [], _ transform: (SQLiteRow) throws -> T
  ) throws -> [T] {
    try prepare(sql).query(values, transform)
  }

  /// The row id of the last insert on this connection.
  public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// Rows changed by the last statement.
  public var changes: Int { Int(sqlite3_changes(handle)) }

  /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`, so the write lock is taken up front
  /// and waits for the busy timeout rather than failing on upgrade): committed if `body`
  /// returns, rolled back if it throws. Not reentrant.
  public func transaction<T>(_ body: () throws -> T) throws -> T {
    precondition(
      !inTransaction, "SQLiteDatabase.transaction: nested transactions are not supported")
    try execute("BEGIN IMMEDIATE")
    inTransaction = true
    defer { inTransaction = false }
    do {
      let result = try body()
      try execute("COMMIT")
      return result
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  /// `PRAGMA user_version`: the schema version.
  public func userVersion() throws -> Int {
    try query("PRAGMA user_version") { try $0.int(0) }.first ?? 0
  }

  /// Sets `PRAGMA user_version`.
  public func setUserVersion(_ version: Int) throws {
    try execute("PRAGMA user_version = \(version)")
  }

  /// `PRAGMA integrity_check`: `["ok"]` for a sound database, else the problems found.
  public func integrityCheck() throws -> [String] {
    try query("PRAGMA integrity_check") { try $0.text(0) }
  }

  /// `PRAGMA quick_check`: the cheaper check (no index content verification).
  public func quickCheck() throws -> [String] {
    try query("PRAGMA quick_check") { try $0.text(0) }
  }

  /// The journal mode after asking for `mode` (`wal`, `delete`, ...).
  @discardableResult
  public func setJournalMode(_ mode: String) throws -> String {
    try query("PRAGMA journal_mode = \(mode)") { try $0.text(0) }.first ?? ""
  }
}
