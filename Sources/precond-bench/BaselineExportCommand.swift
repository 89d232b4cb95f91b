import Foundation
import Harness
import Storage

/// `precond-bench baseline export NAME [--out PATH|-]`: writes Baselines/NAME.json.
enum BaselineExportCommand: Subcommand {
  static let spec = CommandSpec(
    name: "baseline export",
    summary: "Write a stored baseline to Baselines/NAME.json (sorted keys, stable numbers).",
    usage: """
      USAGE: precond-bench baseline export NAME [--db PATH] [--out PATH|-]

      Writes the baseline as JSON with sorted keys, two-space indentation and numbers in shortest
      round-trip form, so that a refreshed baseline reviews as a small diff. Importing the file
      and exporting it again gives the same bytes.

      OPTIONS:
        \(ResultsSupport.databaseOptionHelp)
        --out PATH    where to write (default: Baselines/NAME.json); '-' prints it

      EXIT CODES: 0 ok, 5 no such baseline, 64 usage error, 65 missing or malformed database.
      """,
    valueOptions: ["--db", "--out"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...1, spec.usage)
    let name = arguments.positionals[0]
    let store = try ResultsSupport.openStore(arguments)
    guard let baseline = try ResultsSupport.mapped({ try store.baseline(named: name) }) else {
      throw CommandFailure(
        code: .baselineNotFound,
        message: "no baseline '\(name)' in \(store.path) (see `precond-bench baseline list`)")
    }
    let out = arguments.value("--out") ?? "Baselines/\(name).json"
    if out == "-" {
      FileHandle.standardOutput.write(Data(baseline.fileText.utf8))
    } else {
      try ResultsSupport.write(baseline.fileText, to: out)
      Console.error("wrote \(out)")
    }
    return .ok
  }
}
