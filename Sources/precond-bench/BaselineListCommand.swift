import Storage

/// `precond-bench baseline list`: the stored baselines.
enum BaselineListCommand: Subcommand {
  static let spec = CommandSpec(
    name: "baseline list",
    summary: "List the baselines stored in the database.",
    usage: """
      USAGE: precond-bench baseline list [--db PATH]

      Prints one line per stored baseline: name, suite, creation time, source commit.

      OPTIONS:
        \(ResultsSupport.databaseOptionHelp)

      EXIT CODES: 0 ok, 64 usage error, 65 missing or malformed database.
      """,
    valueOptions: ["--db"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(0...0, spec.usage)
    let store = try ResultsSupport.openStore(arguments)
    let summaries = try ResultsSupport.mapped { try store.baselineSummaries() }
    if summaries.isEmpty {
      Console.error("no baselines in \(store.path)")
      return .ok
    }
    for summary in summaries {
      Console.out(
        "\(summary.name)\tsuite \(summary.suite)\tcreated \(summary.created)\tcommit \(summary.sourceCommit)"
      )
    }
    return .ok
  }
}
