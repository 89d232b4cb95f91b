/// A JSON document of results (a baseline file, a stored configuration) that cannot be read:
/// which file, which key (or byte offset), what is wrong and what to do about it.
///
/// The executable maps it to exit code 65 (malformed input) and prints `description`.
public struct RecordFormatError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file (or other source, e.g. "baseline 'smoke' in results.sqlite") the document came from.
  public let file: String
  /// The dotted path of the offending key (`cells.<hash>.seeds[2].loss`), when it applies.
  public let keyPath: String?
  /// The byte offset of a syntax error, when it applies.
  public let offset: Int?
  /// What is wrong.
  public let message: String
  /// What to do about it.
  public let remedy: String

  /// Creates an error.
  public init(
    file: String, keyPath: String? = nil, offset: Int? = nil, message: String, remedy: String
  ) {
    self.file = file
    self.keyPath = keyPath
    self.offset = offset
    self.message = message
    self.remedy = remedy
  }

  /// `FILE: key 'a.b[0]': message. remedy` (or `at byte N` for a syntax error).
  public var description: String {
    var text = file + ": "
    if let keyPath, !keyPath.isEmpty { text += "key '\(keyPath)': " }
    if let offset { text += "at byte \(offset): " }
    text += message
    if !remedy.isEmpty { text += ". " + remedy }
    return text
  }
}
