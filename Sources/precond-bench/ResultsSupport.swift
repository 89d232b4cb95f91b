import Foundation
import Harness
import Storage

/// What the result commands share: finding and opening the database, choosing the suite,
/// finding a baseline, and turning storage and record errors into exit codes.
enum ResultsSupport {
  /// The `--db` help line.
  static let databaseOptionHelp =
    "--db PATH     results database (default: $PRECOND_BENCH_DB, else .precond-bench/results.sqlite)"

  /// The database path from `--db`, `PRECOND_BENCH_DB` or the default.
  static func databasePath(_ arguments: ParsedArguments) -> String {
    DatabaseLocation.resolve(
      option: arguments.value("--db"), environment: ProcessInfo.processInfo.environment)
  }

  /// Opens the database (creating it with `create`), mapping failures to exit codes.
  static func openStore(_ arguments: ParsedArguments, create: Bool = false) throws -> ResultStore {
    try openStore(path: databasePath(arguments), create: create)
  }

  /// Opens the database at `path`.
  static func openStore(path: String, create: Bool = false) throws -> ResultStore {
    do {
      return try ResultStore(path: path, create: create)
    } catch {
      throw failure(error)
    }
  }

  /// The exit code and message of an error from Storage or Harness records.
  static func failure(_ error: any Error) -> CommandFailure {
    switch error {
    case let failure as CommandFailure: return failure
    case let error as StorageError:
      switch error {
      case .notFound, .corrupt, .schemaTooNew, .malformedRow, .foreignDatabase:
        return .malformed(error.description)
      case .invalidMerge: return .usage(error.description)
      }
    case let error as SQLiteError:
      if error.isCorruption {
        return .malformed(StorageError.corrupt(path: error.path, detail: error.message).description)
      }
      if error.cannotOpen {
        return .malformed(
          error.description + ". Choose a --db path (or PRECOND_BENCH_DB) that is a writable file")
      }
      if error.isBusy {
        return CommandFailure(
          code: .internalError,
          message: error.description + ". Another process held the database locked too long; retry")
      }
      return CommandFailure(code: .internalError, message: error.description)
    case let error as ResultSinkError: return .usage(error.description)
    default: return commandFailure(for: error)
    }
  }

  /// Runs `body`, mapping Storage and record errors to exit codes.
  static func mapped<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch {
      throw failure(error)
    }
  }

  /// The results of the suite named by positional `index`, or of the only suite in the database.
  static func suiteResults(_ store: ResultStore, name: String?, command: String) throws
    -> SuiteResults
  {
    try mapped {
      let names = try store.suiteNames()
      let chosen: String
      if let name {
        chosen = name
      } else if names.count == 1, let only = names.first {
        chosen = only
      } else if names.isEmpty {
        throw CommandFailure.malformed(
          "\(store.path): no suite has been run into this database yet")
      } else {
        throw CommandFailure.usage(
          "\(command): the database holds several suites; name one (\(names.joined(separator: ", ")))"
        )
      }
      guard let results = try store.results(suite: chosen) else {
        let known = names.isEmpty ? "none" : names.joined(separator: ", ")
        throw CommandFailure.malformed(
          "\(store.path): no results for suite '\(chosen)' (suites here: \(known))")
      }
      return results
    }
  }

  /// The baseline named by `reference`: a file path (contains `/` or ends in `.json`), else a
  /// baseline stored in the database, else `Baselines/NAME.json`. Exit 5 when none exists, 65
  /// when the file is malformed.
  static func baseline(_ reference: String, databasePath: String) throws -> (
    BaselineRecord, source: String
  ) {
    let looksLikePath = reference.contains("/") || reference.hasSuffix(".json")
    let file = looksLikePath ? reference : "Baselines/\(reference).json"
    if !looksLikePath && FileManager.default.fileExists(atPath: databasePath) {
      let store = try openStore(path: databasePath)
      if let stored = try mapped({ try store.baseline(named: reference) }) {
        return (stored, "baseline '\(reference)' stored in \(databasePath)")
      }
    }
    guard FileManager.default.fileExists(atPath: file) else {
      let where_ =
        looksLikePath
        ? "no file \(file)" : "no baseline '\(reference)' in \(databasePath) and no file \(file)"
      throw CommandFailure(
        code: .baselineNotFound,
        message: "baseline not found: \(where_). Make one with `precond-bench baseline save NAME` "
          + "(and `baseline export NAME` to write Baselines/NAME.json)")
    }
    // Read as a stream: String(contentsOfFile:) maps the file, which fails on devices such as
    // /dev/null with an errno Foundation words as a permission error.
    var isDirectory: ObjCBool = false
    _ = FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory)
    guard !isDirectory.boolValue else {
      throw CommandFailure.malformed("\(file): is a directory, not a baseline file")
    }
    guard let data = FileManager.default.contents(atPath: file) else {
      throw CommandFailure.malformed("\(file): cannot be read (check its permissions)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw CommandFailure.malformed("\(file): is not UTF-8 text, so not a baseline file")
    }
    return (try mapped { try BaselineRecord(fileText: text, file: file) }, file)
  }

  /// The cell label `problem/method/preconditioning/seedN` of a run (`SuiteCell.label`).
  static func label(_ cell: CellRecord) -> String {
    "\(cell.dataset)/\(cell.method)/\(cell.preconditioning)/seed\(cell.seed)"
  }

  /// The run a RUN-OR-CELL argument names: a run id, or a cell label
  /// `problem/method/preconditioning/seedN` (its latest completed run, in any suite of the
  /// database). Exit 64 when it is neither, 65 when the database has no such run or cell, or the
  /// cell has no completed run.
  static func resolveRun(_ text: String, store: ResultStore, command: String) throws -> RunResult {
    try mapped {
      if let id = Int64(text) {
        guard let run = try store.run(id: RunID(id)) else {
          throw CommandFailure.malformed("\(store.path): no run \(id) (list runs with `precond-bench export`)")
        }
        return run
      }
      let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 4, parts[3].hasPrefix("seed"), let seed = Int(parts[3].dropFirst(4)) else {
        throw CommandFailure.usage(
          "\(command): '\(text)' is neither a run id nor a cell label problem/method/preconditioning/seedN "
            + "(e.g. blobs/ctm/analytic/seed1)")
      }
      let runs = try store.runs(problem: parts[0], method: parts[1], preconditioning: parts[2], seed: seed)
      guard !runs.isEmpty else {
        throw CommandFailure.malformed(
          "\(store.path): no run of cell \(text) (problem \(parts[0]), method \(parts[1]), preconditioning \(parts[2]), seed \(seed))")
      }
      guard let latest = runs.last(where: { $0.run.status == .completed }) else {
        let statuses = runs.map { "run \($0.run.id) \($0.run.status.rawValue)" }.joined(separator: ", ")
        throw CommandFailure.malformed("\(store.path): cell \(text) has no completed run (\(statuses))")
      }
      return latest
    }
  }

  /// Writes `text` to `path` atomically, creating the directory.
  static func write(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    do {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
      throw CommandFailure(
        code: .internalError, message: "\(path): cannot be written (\(error.localizedDescription))")
    }
  }

  /// Parses the comparison policy options shared by `compare` and `check`.
  static func policy(_ arguments: ParsedArguments) throws -> ComparisonPolicy {
    let defaults = ComparisonPolicy()
    let level = try arguments.real("--level") ?? defaults.significanceLevel
    guard level > 0 && level < 1 else {
      throw CommandFailure.usage("\(arguments.command): --level must be in (0, 1)")
    }
    var tolerances = [Double]()
    for (option, fallback) in [
      ("--relative-tolerance", defaults.relativeTolerance), ("--absolute-tolerance", defaults.absoluteTolerance),
      ("--timing-tolerance", defaults.timingRelativeTolerance),
    ] {
      let value = try arguments.real(option) ?? fallback
      guard value >= 0 else { throw CommandFailure.usage("\(arguments.command): \(option) must be >= 0, got \(value)") }
      tolerances.append(value)
    }
    let (relative, absolute, timing) = (tolerances[0], tolerances[1], tolerances[2])
    return ComparisonPolicy(
      significanceLevel: level,
      minimumSeeds: try arguments.integer("--minimum-seeds", atLeast: 1) ?? defaults.minimumSeeds,
      relativeTolerance: relative, absoluteTolerance: absolute, timingRelativeTolerance: timing,
      higherIsBetter: arguments.values("--higher-is-better"))
  }

  /// The comparison options' help text.
  static let policyHelp = """
      --level P                 Mann-Whitney U test level (default 0.1: the smallest at which 3 seeds
                                against 3 can be significant)
      --relative-tolerance R    relative tolerance on medians (default 0.05)
      --absolute-tolerance A    absolute tolerance on medians (default 0)
      --timing-tolerance R      relative tolerance on wall times (default 0.25)
      --minimum-seeds N         seeds per side needed for a verdict beyond tolerance (default 3)
      --higher-is-better NAME   a metric whose larger values are better (repeatable; default: none)
    """

  /// The option names of the policy.
  static let policyOptions = [
    "--level", "--relative-tolerance", "--absolute-tolerance", "--timing-tolerance",
    "--minimum-seeds",
    "--higher-is-better",
  ]
}
