/// A results database that cannot be used as it is, worded for the person at the terminal: the
/// file, what is wrong and what to do. The executable maps every case to exit code 65 (malformed
/// input), except where noted.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
  /// There is no database at the path (and the command does not create one).
  case notFound(path: String)
  /// The file is not an SQLite database, or SQLite found it damaged.
  case corrupt(path: String, detail: String)
  /// The database was written by a newer precond-bench.
  case schemaTooNew(path: String, version: Int, supported: Int)
  /// A row holds a value this version cannot read (an unknown status, malformed stored JSON).
  case malformedRow(path: String, detail: String)
  /// Two databases cannot be merged as asked.
  case invalidMerge(String)
  /// An SQLite database of another application (it is left untouched).
  case foreignDatabase(path: String, applicationID: Int64, tables: Int)

  /// The message.
  public var description: String {
    switch self {
    case .notFound(let path):
      return "\(path): no results database here. Run `precond-bench run SUITE` to make one, "
        + "or pass --db PATH (or set PRECOND_BENCH_DB)"
    case .corrupt(let path, let detail):
      return "\(path): not a usable results database (\(detail)). The file was left as it is; "
        + "restore it from a copy or move it away and run the suite again"
    case .schemaTooNew(let path, let version, let supported):
      return "\(path): database schema version \(version) is newer than this precond-bench "
        + "supports (\(supported)); use a newer precond-bench"
    case .malformedRow(let path, let detail):
      return "\(path): \(detail). The database was modified outside precond-bench or by an "
        + "incompatible version; restore it from a copy or run the suite again"
    case .invalidMerge(let message): return message
    case .foreignDatabase(let path, let applicationID, let tables):
      return "\(path): an SQLite database, but not a PrecondBench results database (application_id "
        + "\(applicationID), \(tables) schema objects). It was left as it is; choose another --db path"
    }
  }
}
