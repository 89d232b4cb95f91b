import TensorCore

/// The spec hash of a configuration: the lowercase hexadecimal SHA-256 of its canonical JSON
/// (sorted keys, compact, numbers in shortest round-trip form; `JSONValue.serialized(pretty:
/// false)`). Results with different spec hashes are never compared (harness.md, "Suites, cells
/// and runs").
public enum SpecHash {
  /// The hash of a JSON value's canonical text.
  public static func of(_ configuration: JSONValue) -> String {
    SHA256.hex(Array(configuration.serialized(pretty: false).utf8))
  }

  /// The hash of an already canonical text.
  public static func of(canonicalText text: String) -> String {
    SHA256.hex(Array(text.utf8))
  }
}
