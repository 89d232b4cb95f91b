import Foundation
import Harness
import Storage

/// `precond-bench merge SHARD.sqlite... --into PATH`.
enum MergeCommand: Subcommand {
  static let spec = CommandSpec(
    name: "merge",
    summary: "Merge shard databases (run --shard i/n) into one; merging twice adds nothing.",
    usage: """
      USAGE: precond-bench merge SHARD.sqlite... --into PATH

      Adds every run of each shard that PATH does not have yet (runs carry a unique id), with
      their evaluations, metrics, coefficients and gaps, and the shards' baselines whose names
      are new. PATH is created if missing. Each shard is merged in one transaction; shards are
      opened (and migrated to the current schema) but their results are not changed.

      OPTIONS:
        --into PATH   the database to merge into (required)

      EXAMPLES:
        precond-bench run smoke --shard 1/2 --db s1.sqlite   # on machine 1
        precond-bench run smoke --shard 2/2 --db s2.sqlite   # on machine 2
        precond-bench merge s1.sqlite s2.sqlite --into .precond-bench/results.sqlite

      EXIT CODES: 0 ok, 64 usage error (no shards, a shard that is the target), 65 missing or
      malformed shard or target.
      """,
    valueOptions: ["--into"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    guard !arguments.positionals.isEmpty else {
      throw CommandFailure.usage(
        "\(arguments.command): name at least one shard database\n\n\(spec.usage)")
    }
    let into = try arguments.required("--into")
    for shard in arguments.positionals where !FileManager.default.fileExists(atPath: shard) {
      throw CommandFailure.malformed(StorageError.notFound(path: shard).description)
    }
    let target = try ResultsSupport.openStore(path: into, create: true)
    for shard in arguments.positionals {
      let summary = try ResultsSupport.mapped { try target.merge(from: shard) }
      var line =
        "\(shard): \(summary.runsAdded) run(s) added, \(summary.runsAlreadyPresent) already present"
      if summary.baselinesAdded > 0 { line += ", \(summary.baselinesAdded) baseline(s) added" }
      Console.out(line)
      for name in summary.baselineConflicts {
        Console.error(
          "warning: \(shard): baseline '\(name)' differs from the one in \(into); kept \(into)'s")
      }
    }
    let problems = try ResultsSupport.mapped { try target.integrityCheck() }
    guard problems == ["ok"] else {
      throw CommandFailure.malformed(
        "\(into): integrity check after merging: \(problems.prefix(3).joined(separator: "; "))")
    }
    return .ok
  }
}
