import Storage

/// `precond-bench baseline delete NAME`.
enum BaselineDeleteCommand: Subcommand {
  static let spec = CommandSpec(
    name: "baseline delete",
    summary: "Delete a baseline from the database (Baselines/NAME.json is left alone).",
    usage: """
      USAGE: precond-bench baseline delete NAME [--db PATH]

      OPTIONS:
        \(ResultsSupport.databaseOptionHelp)

      EXIT CODES: 0 ok, 5 no such baseline, 64 usage error, 65 missing or malformed database.
      """,
    valueOptions: ["--db"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...1, spec.usage)
    let name = arguments.positionals[0]
    let store = try ResultsSupport.openStore(arguments)
    guard try ResultsSupport.mapped({ try store.deleteBaseline(named: name) }) else {
      throw CommandFailure(
        code: .baselineNotFound, message: "no baseline '\(name)' in \(store.path)")
    }
    Console.out("deleted baseline '\(name)' from \(store.path)")
    return .ok
  }
}
