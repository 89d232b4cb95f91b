import Foundation
import Harness
import TensorCore

/// `precond-bench suites`: the shipped suites with their size and estimated cost here.
enum SuitesCommand: Subcommand {
  static let spec = CommandSpec(
    name: "suites", summary: "List the benchmark suites with their estimated cost on this machine.",
    usage: """
      USAGE: precond-bench suites [--no-estimate] [--json]

      Lists Benchmarks/Suites/*.json: problems, cells (problem x method x preconditioning x seed), and
      an estimate of the run time on this machine at the current --threads, measured from a few timed
      training steps of stand-in networks (about a second per problem; --no-estimate skips it).
      Teacher time counts network teachers and fitted initial networks as if not yet cached.
      Each suite says whether its data are here: "data: synthetic" (generated), "data: present"
      (every image problem's path exists) or "data: missing" with the path and what to install.
      Every suite file is validated: an invalid one is listed with its error (naming the file and
      key) and the command exits 65.

      EXIT CODES: 0 every suite is valid, 64 usage error, 65 a suite file is invalid (or none found).

      EXAMPLE:
        precond-bench suites --threads 2
      """,
    flags: ["--no-estimate", "--json"])

  struct Entry: Encodable {
    let name: String
    let description: String
    let problems: [String]
    let cells: Int
    let estimatedMinutes: Double?
    let estimatedTeacherMinutes: Double?
    /// Whether the data are on this machine (nil for an invalid suite).
    let data: DataEntry?
    let error: String?
  }

  /// `status` is `synthetic`, `present` or `missing`; `missing` lists the absent problems' data.
  struct DataEntry: Encodable {
    let status: String
    let missing: [DataAvailability.MissingData]

    init(_ availability: DataAvailability) {
      status = availability.status
      missing = availability.missing
    }

    /// `present`, `synthetic`, or `missing — PATH (REMEDY)` for each absent dataset.
    var text: String {
      guard !missing.isEmpty else { return status }
      return "missing — " + missing.map { "\($0.path) (\($0.remedy))" }.joined(separator: "; ")
    }
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(0...0, spec.usage)
    let names = SuiteCatalog.names()
    guard !names.isEmpty else {
      throw CommandFailure.malformed("no suites in \(SuiteCatalog.directory): run precond-bench from the repository root")
    }
    var entries = [Entry]()
    for name in names {
      do {
        let suite = try SuiteCatalog.load(name)
        let estimate = arguments.flag("--no-estimate") ? nil : CostEstimate.measure(suite)
        entries.append(Entry(name: name, description: suite.description, problems: suite.problems.map { $0.name }, cells: suite.cells.count,
          estimatedMinutes: estimate.map { $0.distillationSeconds / 60 }, estimatedTeacherMinutes: estimate.map { $0.teacherSeconds / 60 },
          data: DataEntry(DataAvailability.of(suite)), error: nil))
      } catch {
        entries.append(Entry(name: name, description: "", problems: [], cells: 0, estimatedMinutes: nil, estimatedTeacherMinutes: nil,
          data: nil, error: "\(error)"))
      }
    }
    let invalid = entries.filter { $0.error != nil }
    let status: ExitCode = invalid.isEmpty ? .ok : .malformedInput
    defer {
      for entry in invalid { Console.error("error: \(entry.error ?? entry.name)") }
    }
    if arguments.flag("--json") {
      Console.out(try Console.json(entries))
      return status
    }
    Console.out("Suites in \(SuiteCatalog.directory) (estimates at \(ComputeThreads.count) thread(s)):")
    for e in entries {
      if let error = e.error {
        Console.out("\n\(e.name): INVALID: \(error)")
        continue
      }
      var cost = ""
      if let minutes = e.estimatedMinutes, let teacher = e.estimatedTeacherMinutes {
        cost = String(format: ", ~%.1f min distillation", minutes) + (teacher > 0 ? String(format: " + ~%.1f min teachers (once, cached)", teacher) : "")
      }
      Console.out("\n\(e.name): \(e.cells) cells, problems \(e.problems.joined(separator: ", "))\(cost)")
      Console.out("  " + e.description)
      if let data = e.data { Console.out("  data: " + data.text) }
    }
    return status
  }
}
