/// What a `perf` subcommand accepts: its name, a one-line summary, the full help text, the
/// options that take a value and the flags.
struct CommandSpec {
  let name: String
  let summary: String
  let usage: String
  var valueOptions: [String] = []
  var flags: [String] = []
}

/// A failure that ends `perf` with `code` after printing `message` to stderr.
struct PerfFailure: Error {
  let code: Int32
  let message: String

  /// A usage error: exit code 64, as in docs/harness.md ("Exit codes").
  static func usage(_ message: String) -> PerfFailure { PerfFailure(code: 64, message: message) }
}

/// Parsed arguments of one subcommand: `--name VALUE` (or `--name=VALUE`) options and `--flag`s.
/// Unknown options and stray positionals are usage errors.
struct ParsedArguments {
  let command: String
  var options: [String: String] = [:]
  var flags: Set<String> = []

  init(tokens: [String], spec: CommandSpec) throws {
    command = "perf " + spec.name
    var i = 0
    while i < tokens.count {
      let token = tokens[i]
      guard token.hasPrefix("--") && token.count > 2 else {
        throw PerfFailure.usage("\(command): unexpected argument '\(token)'\n\n\(spec.usage)")
      }
      var name = token
      var inlineValue: String? = nil
      if let eq = token.firstIndex(of: "=") {
        name = String(token[..<eq])
        inlineValue = String(token[token.index(after: eq)...])
      }
      if spec.valueOptions.contains(name) {
        if let inlineValue {
          options[name] = inlineValue
        } else {
          guard i + 1 < tokens.count else {
            throw PerfFailure.usage("\(command): option \(name) needs a value\n\n\(spec.usage)")
          }
          options[name] = tokens[i + 1]
          i += 1
        }
      } else if spec.flags.contains(name) && inlineValue == nil {
        flags.insert(name)
      } else {
        let valid = (spec.valueOptions + spec.flags + ["--help"]).sorted().joined(separator: ", ")
        throw PerfFailure.usage("\(command): unknown option \(name) (valid: \(valid))")
      }
      i += 1
    }
  }

  /// Whether flag `name` was given.
  func flag(_ name: String) -> Bool { flags.contains(name) }

  /// The value of a required option.
  func required(_ name: String) throws -> String {
    guard let value = options[name] else {
      throw PerfFailure.usage("\(command): missing required option \(name)")
    }
    return value
  }

  /// An integer option with a default, checked against a lower bound.
  func integer(_ name: String, default fallback: Int, atLeast minimum: Int) throws -> Int {
    guard let text = options[name] else { return fallback }
    guard let value = Int(text), value >= minimum else {
      throw PerfFailure.usage("\(command): \(name) must be an integer >= \(minimum), got '\(text)'")
    }
    return value
  }

  /// A shape option `AxBx...` with exactly `count` positive extents.
  func shape(_ name: String, count: Int, pattern: String) throws -> [Int] {
    let text = try required(name)
    let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == count, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw PerfFailure.usage("\(command): \(name) must be \(pattern) with positive integers, got '\(text)'")
    }
    return parts.map { $0! }
  }
}
