import CSQLite

/// A failed SQLite call: its result code, SQLite's message, the database file and what was being
/// done. The one place result codes become errors (`SQLiteError.check`), as swift-system turns
/// `errno` into `Errno`.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The extended result code (`SQLITE_CORRUPT`, `SQLITE_BUSY`, ...).
  public let code: Int32
  /// SQLite's message (`sqlite3_errmsg`), or `sqlite3_errstr` of the code.
  public let message: String
  /// The database file.
  public let path: String
  /// What was being done (`"opening"`, the SQL statement, ...).
  public let context: String

  /// An error from its parts.
  public init(code: Int32, message: String, path: String, context: String) {
    self.code = code
    self.message = message
    self.path = path
    self.context = context
  }

  /// The primary result code (the low byte of the extended code).
  public var primaryCode: Int32 { code & 0xFF }

  /// Whether the file is not a database or is damaged (exit 65 at the command line).
  public var isCorruption: Bool { primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB }

  /// Whether the file could not be opened or created at all (a directory, a device, a path in a
  /// missing or read-only directory): bad input at the command line (exit 65), not a bug.
  public var cannotOpen: Bool {
    primaryCode == SQLITE_CANTOPEN || primaryCode == SQLITE_PERM || primaryCode == SQLITE_READONLY
      || primaryCode == SQLITE_AUTH
  }

  /// Whether another connection held a lock for longer than the busy timeout.
  public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

  /// `PATH: MESSAGE (SQLite error CODE while CONTEXT)`.
  public var description: String {
    "\(path): \(message) (SQLite error \(code) while \(context))"
  }

  /// Throws unless `code` is one of `accepted` (default: `SQLITE_OK`).
  @discardableResult
  static func check(
    _ code: Int32, _ handle: OpaquePointer?, path: String, context: @autoclosure () -> String,
    accepting accepted: Set<Int32> = [SQLITE_OK]
  ) throws -> Int32 {
    guard !accepted.contains(code) else { return code }
    var message = String(cString: sqlite3_errstr(code))
    if let handle, let text = sqlite3_errmsg(handle) {
      let detail = String(cString: text)
      if !detail.isEmpty && detail != "not an error" { message = detail }
    }
    throw SQLiteError(code: code, message: message, path: path, context: context())
  }
}
