import CanonicalJSON
import Foundation

/// Writing to the standard streams.
enum Console {
  /// Prints a line to stdout.
  static func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  /// Prints a line to stderr.
  static func error(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  /// Whether stderr is a terminal (progress lines are shown only then).
  static var stderrIsTerminal: Bool { isatty(2) != 0 }

  /// A Codable value as JSON, written by the canonical writer (`JSONValue.serialized`): sorted
  /// keys, the canonical number layout, non-finite numbers as `"inf"`, `"-inf"`, `"nan"`;
  /// indented unless `pretty` is false. No final newline (`out` adds one).
  static func json<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
    var text = try JSONValueEncoder(nonFinite: .strings).encode(value).serialized(pretty: pretty)
    if pretty { text.removeLast() }
    return text
  }
}
