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
      opened (and migrated to the current schema) but their results are not changed. Every shard
      is checked before PATH is touched; if PATH was created by this command and merging fails,
      it is removed again (an existing PATH keeps every shard merged before the failure).

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
    let intoResolved = URL(fileURLWithPath: into).resolvingSymlinksInPath().path
    for shard in arguments.positionals {
      try validateShard(shard, into: intoResolved)
    }
    let created = !FileManager.default.fileExists(atPath: into)
    let createdDirectory = firstMissingAncestor(of: into)
    do {
      return try merge(arguments.positionals, into: into)
    } catch {
      if created {
        // Leave nothing behind: the database (and SQLite's side files) did not exist before,
        // nor did the directories made for it.
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: into + suffix) }
        if let createdDirectory { try? FileManager.default.removeItem(atPath: createdDirectory) }
      }
      throw error
    }
  }

  /// The outermost directory above `path` that does not exist yet (creating the database
  /// creates it), if any.
  static func firstMissingAncestor(of path: String) -> String? {
    var missing: String? = nil
    var directory = URL(fileURLWithPath: path).deletingLastPathComponent()
    while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.path) {
      missing = directory.path
      directory = directory.deletingLastPathComponent()
    }
    return missing
  }

  /// Checks a shard before the target is created: it exists, is a regular non-empty file that
  /// opens as a results database, and is not the target. (Opening migrates it, as merging would.)
  static func validateShard(_ shard: String, into intoResolved: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: shard, isDirectory: &isDirectory) else {
      throw CommandFailure.malformed(StorageError.notFound(path: shard).description)
    }
    guard URL(fileURLWithPath: shard).resolvingSymlinksInPath().path != intoResolved else {
      throw CommandFailure.usage("\(shard): cannot merge a database into itself")
    }
    guard !isDirectory.boolValue else {
      throw CommandFailure.malformed("\(shard): is a directory, not a shard database")
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: shard)[.size] as? Int) ?? 0
    guard size > 0 else {
      throw CommandFailure.malformed("\(shard): is empty (or not a regular file), not a shard database")
    }
    _ = try ResultsSupport.openStore(path: shard)
  }

  static func merge(_ shards: [String], into: String) throws -> ExitCode {
    let target = try ResultsSupport.openStore(path: into, create: true)
    for shard in shards {
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
