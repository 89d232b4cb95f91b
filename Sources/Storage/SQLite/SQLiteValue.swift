/// A value bound to or read from an SQL statement.
public enum SQLiteValue: Sendable, Hashable {
  /// A 64-bit integer.
  case integer(Int64)
  /// A double. NaN cannot be stored (SQLite turns it into NULL): bind `.real` of NaN and it is
  /// stored as NULL, which `SQLiteRow.double` reads back as NaN.
  case real(Double)
  /// UTF-8 text.
  case text(String)
  /// NULL.
  case null

  /// An `Int`.
  public static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }

  /// A Boolean as 0 or 1.
  public static func bool(_ value: Bool) -> SQLiteValue { .integer(value ? 1 : 0) }

  /// An optional `Int`, NULL when absent.
  public static func int(_ value: Int?) -> SQLiteValue {
    value.map { .integer(Int64($0)) } ?? .null
  }

  /// An optional `Double`, NULL when absent.
  public static func real(_ value: Double?) -> SQLiteValue { value.map { .real($0) } ?? .null }

  /// Optional text, NULL when absent.
  public static func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
}
