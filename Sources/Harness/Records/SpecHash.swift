import CanonicalJSON
import TensorCore

/// The spec hash of a configuration: the lowercase hexadecimal SHA-256 of the UTF-8 bytes of its
/// canonical JSON (`JSONValue.canonicalText()`, whose documentation defines the form: sorted keys,
/// no whitespace, integers without a fraction, other numbers in a fixed shortest round-trip
/// layout). Results with different spec hashes are never compared (docs/harness.md, "Suites, cells
/// and runs").
public enum SpecHash {
  /// The hash of a JSON value's canonical text. A non-finite number (which has none) is a
  /// programming error.
  public static func of(_ configuration: JSONValue) -> String {
    do {
      return of(canonicalText: try configuration.canonicalText())
    } catch {
      preconditionFailure("SpecHash: \(error)")
    }
  }

  /// The hash of an already canonical text.
  public static func of(canonicalText text: String) -> String {
    SHA256.hex(Array(text.utf8))
  }
}
