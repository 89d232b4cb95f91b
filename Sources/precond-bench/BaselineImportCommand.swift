import CanonicalJSON
import Foundation
import Harness
import Storage

/// `precond-bench baseline import PATH [--name NAME]`: stores a baseline file in the database.
enum BaselineImportCommand: Subcommand {
  static let spec = CommandSpec(
    name: "baseline import",
    summary: "Store a baseline file (Baselines/NAME.json) in the database.",
    usage: """
      USAGE: precond-bench baseline import PATH [--name NAME] [--db PATH] [--replace]

      Reads a baseline file strictly (unknown keys and wrong types are errors naming the key) and
      stores it under its own name or NAME. The database is created if missing.

      OPTIONS:
        --name NAME   store under NAME instead of the file's "name"
        \(ResultsSupport.databaseOptionHelp)
        --replace     overwrite an existing baseline of that name

      EXIT CODES: 0 ok, 5 no such file, 64 usage error (or the name exists without --replace),
      65 malformed baseline file or database.
      """,
    valueOptions: ["--name", "--db"], flags: ["--replace"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...1, spec.usage)
    let path = arguments.positionals[0]
    guard FileManager.default.fileExists(atPath: path) else {
      throw CommandFailure(code: .baselineNotFound, message: "\(path): no such baseline file")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CommandFailure.malformed("\(path): cannot be read")
    }
    var baseline = try ResultsSupport.mapped {
      try BaselineRecord(
        json: try JSONValue.parse(
          bytes: Array(data), file: path, remedy: BaselineRecord.remedy(name: "NAME")),
        file: path, remedy: BaselineRecord.remedy(name: "NAME"))
    }
    if let name = arguments.value("--name") { baseline.name = name }
    let store = try ResultsSupport.openStore(arguments, create: true)
    let replaced = try ResultsSupport.mapped {
      try store.saveBaseline(baseline, replacing: arguments.flag("--replace"))
    }
    Console.out(
      "\(replaced ? "replaced" : "imported") baseline '\(baseline.name)' (suite \(baseline.suite)) into \(store.path)"
    )
    return .ok
  }
}
