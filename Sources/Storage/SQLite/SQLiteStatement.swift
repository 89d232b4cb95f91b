import CSQLite

/// A prepared statement with typed binding (`bind`) and reading (`SQLiteRow`). Finalized on
/// deinit.
public final class SQLiteStatement {
  let handle: OpaquePointer
  let database: SQLiteDatabase
  /// The SQL text (for error messages).
  public let sql: String

  init(database: SQLiteDatabase, sql: String) throws {
    var statement: OpaquePointer? = nil
    try SQLiteError.check(
      sqlite3_prepare_v2(database.handle, sql, -1, &statement, nil), database.handle,
      path: database.path, context: "preparing \(sql)")
    guard let statement else {
      throw SQLiteError(
        code: SQLITE_MISUSE, message: "empty statement", path: database.path, context: sql)
    }
    self.handle = statement
    self.database = database
    self.sql = sql
  }

  deinit { sqlite3_finalize(handle) }

  /// Binds `values` to parameters 1, 2, ... (after resetting the statement).
  public func bind(_ values: [SQLiteValue]) throws {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
    let expected = Int(sqlite3_bind_parameter_count(handle))
    precondition(
      values.count == expected,
      "SQLiteStatement: \(values.count) values for \(expected) parameters in \(sql)")
    // SQLITE_TRANSIENT: SQLite copies the text before `bind` returns.
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      let code: Int32
      switch value {
      case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
      case .real(let number):
        code =
          number.isNaN
          ? sqlite3_bind_null(handle, index) : sqlite3_bind_double(handle, index, number)
      case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, transient)
      case .null: code = sqlite3_bind_null(handle, index)
      }
      try SQLiteError.check(code, database.handle, path: database.path, context: "binding \(sql)")
    }
  }

  /// Steps once: `true` if a row is available (read it with `row`), `false` when done.
  public func step() throws -> Bool {
    let code = sqlite3_step(handle)
    try SQLiteError.check(
      code, database.handle, path: database.path, context: "running \(sql)",
      accepting: [SQLITE_ROW, SQLITE_DONE])
    return code == SQLITE_ROW
  }

  /// The current row.
  public var row: SQLiteRow { SQLiteRow(statement: self) }

  /// Runs the statement to completion, discarding rows.
  public func run(_ values: [SQLiteValue] = []) throws {
    try bind(values)
    while try step() {}
    sqlite3_reset(handle)
  }

  /// Runs the statement and maps every row.
  public func query<T>(_ values: [SQLiteValue] = [], _ transform: (SQLiteRow) throws -> T) throws
    -> [T]
  {
    try bind(values)
    var results: [T] = []
    while try step() { results.append(try transform(row)) }
    sqlite3_reset(handle)
    return results
  }
}

/// The current row of a statement, read by column index with typed accessors. A value of the
/// wrong type is a corruption error naming the column.
public struct SQLiteRow {
  let statement: SQLiteStatement

  /// Whether column `index` is NULL.
  public func isNull(_ index: Int32) -> Bool {
    sqlite3_column_type(statement.handle, index) == SQLITE_NULL
  }

  func mismatch(_ index: Int32, _ expected: String) -> SQLiteError {
    let name =
      sqlite3_column_name(statement.handle, index).map { String(cString: $0) } ?? "\(index)"
    return SQLiteError(
      code: SQLITE_CORRUPT,
      message: "column \(name) holds an unexpected value (expected \(expected))",
      path: statement.database.path, context: "reading \(statement.sql)")
  }

  /// An integer column (NOT NULL).
  public func int64(_ index: Int32) throws -> Int64 {
    guard sqlite3_column_type(statement.handle, index) == SQLITE_INTEGER else {
      throw mismatch(index, "an integer")
    }
    return sqlite3_column_int64(statement.handle, index)
  }

  /// An integer column as `Int`.
  public func int(_ index: Int32) throws -> Int { Int(try int64(index)) }

  /// An integer column that may be NULL.
  public func optionalInt(_ index: Int32) throws -> Int? {
    isNull(index) ? nil : try int(index)
  }

  /// A real column; NULL reads as NaN (NaN is stored as NULL), integers are converted.
  public func double(_ index: Int32) throws -> Double {
    switch sqlite3_column_type(statement.handle, index) {
    case SQLITE_NULL: return .nan
    case SQLITE_FLOAT, SQLITE_INTEGER: return sqlite3_column_double(statement.handle, index)
    default: throw mismatch(index, "a number")
    }
  }

  /// A real column where NULL means absent.
  public func optionalDouble(_ index: Int32) throws -> Double? {
    isNull(index) ? nil : try double(index)
  }

  /// A text column (NOT NULL).
  public func text(_ index: Int32) throws -> String {
    guard sqlite3_column_type(statement.handle, index) == SQLITE_TEXT,
      let pointer = sqlite3_column_text(statement.handle, index)
    else { throw mismatch(index, "text") }
    let count = Int(sqlite3_column_bytes(statement.handle, index))
    return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
  }

  /// A text column that may be NULL.
  public func optionalText(_ index: Int32) throws -> String? {
    isNull(index) ? nil : try text(index)
  }

  /// A 0/1 column.
  public func bool(_ index: Int32) throws -> Bool { try int64(index) != 0 }
}
