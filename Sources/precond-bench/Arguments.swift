/// What a command accepts: its name (one or two words), a one-line summary, the full help text,
/// the options that take a value and the flags.
struct CommandSpec {
  let name: String
  let summary: String
  let usage: String
  var valueOptions: [String] = []
  var flags: [String] = []
}

/// A command of the `precond-bench` executable.
protocol Subcommand {
  static var spec: CommandSpec { get }
  static func run(_ arguments: ParsedArguments) throws -> ExitCode
}

/// Parsed command-line arguments: positionals in order, `--name VALUE` (or `--name=VALUE`) options
/// (repeatable) and `--flag`s. Unknown options are usage errors that list the valid ones.
struct ParsedArguments {
  let command: String
  var positionals: [String] = []
  var options: [String: [String]] = [:]
  var flags: Set<String> = []

  init(command: String, tokens: [String], spec: CommandSpec) throws {
    self.command = command
    var i = 0
    while i < tokens.count {
      let token = tokens[i]
      if token == "--" {
        positionals.append(contentsOf: tokens[(i + 1)...])
        break
      }
      if token.hasPrefix("--") && token.count > 2 {
        var name = token
        var inlineValue: String? = nil
        if let eq = token.firstIndex(of: "=") {
          name = String(token[..<eq])
          inlineValue = String(token[token.index(after: eq)...])
        }
        if spec.valueOptions.contains(name) {
          let value: String
          if let inlineValue {
            value = inlineValue
          } else {
            guard i + 1 < tokens.count else {
              throw CommandFailure.usage("\(command): option \(name) needs a value\n\n\(spec.usage)")
            }
            value = tokens[i + 1]
            i += 1
          }
          options[name, default: []].append(value)
        } else if spec.flags.contains(name) && inlineValue == nil {
          flags.insert(name)
        } else {
          let valid = (spec.valueOptions + spec.flags + ["--help"]).sorted().joined(separator: ", ")
          throw CommandFailure.usage("\(command): unknown option \(name) (valid: \(valid))")
        }
      } else {
        positionals.append(token)
      }
      i += 1
    }
  }

  /// The last value of option `name`, if given.
  func value(_ name: String) -> String? { options[name]?.last }

  /// Every value of a repeatable option.
  func values(_ name: String) -> [String] { options[name] ?? [] }

  /// Whether flag `name` was given.
  func flag(_ name: String) -> Bool { flags.contains(name) }

  /// The value of a required option.
  func required(_ name: String) throws -> String {
    guard let v = value(name) else { throw CommandFailure.usage("\(command): missing required option \(name)") }
    return v
  }

  /// An integer option, checked against a lower bound.
  func integer(_ name: String, atLeast minimum: Int = Int.min) throws -> Int? {
    guard let text = value(name) else { return nil }
    guard let v = Int(text), v >= minimum else {
      throw CommandFailure.usage("\(command): \(name) must be an integer >= \(minimum), got '\(text)'")
    }
    return v
  }

  /// An integer option that must lie in `range` (the documented bounds of an option whose size
  /// drives memory or time), else a usage error naming the option and the bounds.
  func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
    guard let text = value(name) else { return nil }
    guard let v = Int(text), range.contains(v) else {
      throw CommandFailure.usage("\(command): \(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
    }
    return v
  }

  /// A required integer option that must lie in `range`.
  func requiredInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int {
    guard let v = try integer(name, in: range) else { throw CommandFailure.usage("\(command): missing required option \(name)") }
    return v
  }

  /// A floating-point option.
  func real(_ name: String) throws -> Double? {
    guard let text = value(name) else { return nil }
    guard let v = Double(text), v.isFinite else {
      throw CommandFailure.usage("\(command): \(name) must be a finite number, got '\(text)'")
    }
    return v
  }

  /// Checks the number of positionals.
  func expectPositionals(_ range: ClosedRange<Int>, _ usage: String) throws {
    guard range.contains(positionals.count) else {
      throw CommandFailure.usage("\(command): expected \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)") argument(s), got \(positionals.count)\n\n\(usage)")
    }
  }
}
