import Foundation
import Testing
import TestSupport

/// One hostile invocation of `precond-bench` and what it must do: exit with `code` (a documented
/// exit code), print exactly one `error:` line on stderr that contains every string of `names`
/// (the file, key or option at fault), finish within the time limit, and leave the workspace
/// exactly as it was (no file created, changed or removed; no row lost from its database).
struct HostileCase: Sendable, CustomTestStringConvertible {
  /// Which input kind this case attacks (suite, teacher, npy, database, ...), for the tally.
  let kind: String
  /// What the input is (a directory, /dev/null, truncated, ...).
  let what: String
  let arguments: [String]
  let code: Int32
  let names: [String]
  /// The working directory, relative to the workspace.
  var directory = "."

  var testDescription: String { "\(kind): \(what): precond-bench \(arguments.joined(separator: " "))" }
}

/// The documented exit codes (README "Commands", ExitCode.swift).
let documentedExitCodes: Set<Int32> = [0, 1, 2, 3, 4, 5, 6, 64, 65]

/// A workspace of hostile files, made once and copied for each case.
enum HostileWorkspace {
  /// The template directory, or the error that prevented making it.
  static let template: Result<URL, any Error> = Result { try make() }

  static func write(_ text: String, _ name: String, in directory: URL) throws {
    let url = directory.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  static func write(bytes: [UInt8], _ name: String, in directory: URL) throws {
    try Data(bytes).write(to: directory.appendingPathComponent(name))
  }

  /// A minimal `.npy` file: header then little-endian payload.
  static func npy(descr: String, shape: [Int], payload: [UInt8]) -> [UInt8] {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    let length = UInt16(header.utf8.count)
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + payload
  }

  static func float32(_ values: [Float]) -> [UInt8] {
    values.flatMap { value -> [UInt8] in
      let bits = value.bitPattern
      return [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
    }
  }

  /// Deterministic junk.
  static let junk: [UInt8] = (0..<512).map { UInt8(truncatingIfNeeded: ($0 * 7919 + 13) ^ ($0 >> 3)) }

  static func make() throws -> URL {
    let root = try CommandRunner.temporaryDirectory("hostile-template")
    func run(_ arguments: [String]) throws {
      let result = try CommandRunner.run(arguments, currentDirectory: root)
      guard result.exitCode == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(arguments): \(result.stderr)"])
      }
    }
    // A results database with runs of suites 'synthetic' and 'smoke', a baseline 'base' of
    // 'synthetic' stored and exported, and a shard of it.
    try run(["synthetic-results", "--db", "results.sqlite"])
    try run(["baseline", "save", "base", "--db", "results.sqlite"])
    try run(["baseline", "export", "base", "--db", "results.sqlite", "--out", "base.json"])
    try run(["synthetic-results", "--db", "results.sqlite", "--suite", "smoke"])
    let database = try Data(contentsOf: root.appendingPathComponent("results.sqlite"))
    let baseline = try String(contentsOf: root.appendingPathComponent("base.json"), encoding: .utf8)

    // Every kind of file as empty, truncated, random bytes and a directory.
    let good: [String: [UInt8]] = [
      "suite.json": Array(tinySuite.utf8),
      "teacher.json": Array(#"{"kind": "gmm", "components": [{"weight": 1, "mean": [1.0, -0.5], "variance": 0.25}]}"#.utf8),
      "baseline.json": Array(baseline.utf8),
      "features.npy": npy(descr: "<f4", shape: [6, 2], payload: float32([1, 2, 3, 5, 4, 1, 0, 2, 7, 1, 2, 2])),
      "stats.npz": Array("PK\u{3}\u{4}".utf8) + junk.prefix(40),
      "images.npy": npy(descr: "|u1", shape: [2, 4, 4, 1], payload: Array(repeating: 7, count: 32)),
      "shard.sqlite": Array(database),
      "teacher.ckpt": Array("PBCKPT".utf8) + junk.prefix(64),
      "data-idx3-ubyte.gz": [0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 28, 0, 0, 0, 28] + junk.prefix(20),
      "data_batch_1.bin": junk + junk,
    ]
    for (name, bytes) in good {
      let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
      let suffix = ext.isEmpty ? "" : "." + ext
      try write(bytes: [], "empty-\(stem)\(suffix)", in: root)
      try write(bytes: Array(bytes.prefix(max(1, bytes.count / 3))), "truncated-\(stem)\(suffix)", in: root)
      try write(bytes: junk, "random-\(stem)\(suffix)", in: root)
      try FileManager.default.createDirectory(at: root.appendingPathComponent("dir-\(stem)\(suffix)"), withIntermediateDirectories: true)
      try write(bytes: bytes, name, in: root)
    }
    try write(bytes: Array(database), "results-copy.sqlite", in: root)
    try write(tinySuite, "suite.json", in: root)
    try write(baseline, "baseline.json", in: root)
    try write(bytes: good["features.npy"]!, "features.npy", in: root)

    // Hostile contents that parse.
    func teacher(_ components: String) -> String { #"{"kind": "gmm", "components": ["# + components + "]}" }
    try write(teacher(#"{"weight": 1, "mean": [1.0, -0.5], "variance": -0.25}"#), "teacher-negative-variance.json", in: root)
    try write(teacher(#"{"weight": -1, "mean": [1.0, -0.5], "variance": 0.25}"#), "teacher-negative-weight.json", in: root)
    try write(teacher(#"{"weight": "nan", "mean": [1.0, -0.5], "variance": 0.25}"#), "teacher-nan-weight.json", in: root)
    try write(teacher(#"{"weight": 1, "mean": [1.0, -0.5], "variance": "inf"}"#), "teacher-inf-variance.json", in: root)
    try write(teacher(#"{"weight": 1, "mean": [1e400, -0.5], "variance": 0.25}"#), "teacher-huge-mean.json", in: root)
    try write(#"{"kind": "empirical", "data": "dir-features.npy"}"#, "teacher-data-directory.json", in: root)
    try write(#"{"kind": "empirical", "data": "/dev/null"}"#, "teacher-data-devnull.json", in: root)
    try write(#"{"kind": "network", "checkpoint": "random-teacher.ckpt"}"#, "teacher-bad-checkpoint.json", in: root)
    try write(bytes: npy(descr: "<f4", shape: [3, 2], payload: float32([1, .nan, 3, 4, 5, 6])), "features-nan.npy", in: root)
    try write(bytes: npy(descr: "<f4", shape: [1, 2], payload: float32([1, 2])), "features-one-row.npy", in: root)
    try write(bytes: npy(descr: "|u1", shape: [0, 4, 4, 1], payload: []), "images-none.npy", in: root)
    try write(bytes: npy(descr: "<f4", shape: [6, 3], payload: float32(Array(repeating: 1, count: 18))), "features-3d.npy", in: root)
    try write(bytes: npy(descr: "<f4", shape: [1_000_000_000, 1_000_000_000], payload: []), "features-huge-shape.npy", in: root)
    for (name, original, replacement) in HostileInputs.suiteEdits {
      try write(tinySuite.replacingOccurrences(of: original, with: replacement), name, in: root)
    }
    // A baseline of another suite than the one asked for is the 'synthetic' one above.
    try write("{\"description\": 3}", "invalid-suites/Benchmarks/Suites/broken.json", in: root)
    try write(tinySuite, "invalid-suites/Benchmarks/Suites/fine.json", in: root)
    return root
  }

  /// A fresh copy of the template for one case.
  static func copy() throws -> URL {
    let template = try template.get()
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: template, to: url)
    return url
  }

  /// Every file and directory below `root` with its size and content hash.
  static func snapshot(_ root: URL) -> [String: String] {
    var entries = [String: String]()
    let base = root.resolvingSymlinksInPath().path
    guard let walker = FileManager.default.enumerator(atPath: base) else { return [:] }
    while let relative = walker.nextObject() as? String {
      let path = base + "/" + relative
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      if isDirectory.boolValue {
        entries[relative] = "directory"
      } else {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        entries[relative] = "\(data.count) bytes, fnv \(String(hash, radix: 16))"
      }
    }
    return entries
  }
}

/// The table: every command against every kind of hostile input.
enum HostileInputs {
  /// Suite files with one absurd value: (file, text in `tinySuite`, replacement).
  static let suiteEdits = [
    ("suite-negative-steps.json", "\"steps\": 60", "\"steps\": -5"),
    ("suite-huge-steps.json", "\"steps\": 60", "\"steps\": 1e30"),
    ("suite-zero-batch.json", "\"batchSize\": 16", "\"batchSize\": 0"),
    ("suite-nan-grid.json", "\"gridCount\": 6", "\"gridCount\": \"nan\""),
    ("suite-negative-seed.json", "\"seeds\": [1]", "\"seeds\": [-1]"),
    ("suite-nan-threshold.json", "\"threshold\": 0.5", "\"threshold\": \"nan\""),
    ("suite-huge-count.json", "\"count\": 512", "\"count\": 10000000000"),
    ("suite-huge-batch.json", "\"batchSize\": 16", "\"batchSize\": 100000000"),
    ("suite-huge-grid.json", "\"gridCount\": 6", "\"gridCount\": 1000000000"),
    ("suite-huge-width.json", "\"hiddenWidths\": [16]", "\"hiddenWidths\": [100000000]"),
  ]

  static func files(_ kind: String, _ arguments: (String) -> [String], code: Int32 = 65, stem: String, ext: String,
    extra: [(String, String, Int32)] = []) -> [HostileCase]
  {
    var cases = [HostileCase]()
    let forms = [("empty", "empty-\(stem).\(ext)"), ("truncated", "truncated-\(stem).\(ext)"),
      ("random bytes", "random-\(stem).\(ext)"), ("a directory", "dir-\(stem).\(ext)"), ("/dev/null", "/dev/null"),
      ("missing", "missing/none.\(ext)")]
    // `extra` adds inputs, or changes the expected code of a form with the same path.
    for (what, path) in forms + extra.filter({ e in !forms.contains { $0.1 == e.1 } }).map({ ($0.0, $0.1) }) {
      let expected = extra.first { $0.1 == path }?.2 ?? code
      cases.append(HostileCase(kind: kind, what: what, arguments: arguments(path), code: expected, names: [path]))
    }
    return cases
  }

  static let all: [HostileCase] = {
    var cases = [HostileCase]()
    // Suites: run, teacher train.
    cases += files("suite (run)", { ["run", $0, "--db", "new.sqlite"] }, stem: "suite", ext: "json")
    for (name, _, replacement) in suiteEdits {
      let key = String(replacement.split(separator: "\"")[0])
      cases.append(HostileCase(kind: "suite (run)", what: replacement, arguments: ["run", name, "--db", "new.sqlite"], code: 65,
        names: [name, key]))
    }
    cases += files("suite (teacher train)", { ["teacher", "train", $0, "--cache", "cache"] }, stem: "suite", ext: "json")
    // Teacher JSON: coefficients and gap.
    cases += files("teacher (coefficients)", { ["coefficients", "--precond", "ctm", "--teacher", $0, "--t", "1", "--s", "0.5"] },
      stem: "teacher", ext: "json",
      extra: [("negative variance", "teacher-negative-variance.json", 65), ("negative weight", "teacher-negative-weight.json", 65),
        ("NaN weight", "teacher-nan-weight.json", 65), ("inf variance", "teacher-inf-variance.json", 65),
        ("1e400 mean", "teacher-huge-mean.json", 65), ("empirical data is a directory", "teacher-data-directory.json", 65),
        ("empirical data is /dev/null", "teacher-data-devnull.json", 65), ("random checkpoint", "teacher-bad-checkpoint.json", 65)])
    cases += files("teacher (gap)", { ["gap", "--precond", "ctm", "--teacher", $0, "--t", "1", "--s", "0.5"] }, stem: "teacher", ext: "json")
    for (key, variance) in [("variance", "teacher-negative-variance.json"), ("weight", "teacher-negative-weight.json")] {
      cases.append(HostileCase(kind: "teacher key", what: "names \(key)",
        arguments: ["gap", "--precond", "ctm", "--teacher", variance, "--t", "1", "--s", "0.5"], code: 65,
        names: [variance, "components[0].\(key)"]))
    }
    // Features for fd: either argument.
    cases += files("npy (fd, first)", { ["fd", $0, "features.npy"] }, stem: "features", ext: "npy",
      extra: [("NaN", "features-nan.npy", 65), ("one row", "features-one-row.npy", 65), ("huge shape", "features-huge-shape.npy", 65),
        ("other dimension", "features-3d.npy", 65)])
    cases += files("npy (fd, second)", { ["fd", "features.npy", $0] }, stem: "features", ext: "npy")
    cases += files("npz (fd)", { ["fd", "features.npy", $0] }, stem: "stats", ext: "npz")
    // Datasets.
    cases += files("dataset (npy)", { ["dataset", "info", $0, "--format", "npy"] }, stem: "images", ext: "npy",
      extra: [("0 images", "images-none.npy", 65)])
    cases += files("dataset (idx)", { ["dataset", "info", $0, "--format", "idx"] }, stem: "data-idx3-ubyte", ext: "gz")
    cases += files("dataset (cifar10)", { ["dataset", "info", $0, "--format", "cifar10"] }, stem: "data_batch_1", ext: "bin")
    // Images and weights for features.
    cases += files("dataset (features)", { ["features", "--network", "effnet-lite0", "--weights", "stats.npz", $0, "--out", "f.npy"] },
      stem: "images", ext: "npy")
    cases += files("weights (features)", { ["features", "--network", "effnet-lite0", "--weights", $0, "images.npy", "--out", "f.npy"] },
      stem: "stats", ext: "npz")
    // Teacher checkpoints.
    cases += files("checkpoint (teacher info)", { ["teacher", "info", $0] }, stem: "teacher", ext: "ckpt")
    // Baseline files.
    cases += files("baseline (check)", { ["check", "--baseline", $0, "--db", "results.sqlite", "synthetic"] }, stem: "baseline", ext: "json",
      extra: [("missing", "missing/none.json", 5)])
    cases += files("baseline (import)", { ["baseline", "import", $0, "--name", "imported", "--db", "results.sqlite"] },
      stem: "baseline", ext: "json", extra: [("missing", "missing/none.json", 5)])
    // Databases given by --db, read by every result command and written by run.
    for command in [["export"], ["report", "--out", "-"], ["baseline", "list"], ["compare", "--baseline", "base.json"],
      ["check", "--baseline", "base.json"], ["baseline", "save", "b2"], ["synthetic-results"],
      ["samples", "1", "--nfe", "1", "--count", "1", "--out", "samples.npy"],
      ["metric", "import", "1", "--name", "fid", "--nfe", "1", "--value", "1", "--source", "test"]]
    {
      let creates = command == ["synthetic-results"]
      // A command that writes results may create a missing database or fill an empty file.
      cases += files("database (\(command.joined(separator: " ")))", { command + ["--db", $0] }, stem: "shard", ext: "sqlite")
        .filter { !(creates && ($0.what == "missing" || $0.what == "empty")) }
    }
    cases += [
      HostileCase(kind: "database (run)", what: "a directory", arguments: ["run", "suite.json", "--db", "dir-shard.sqlite"], code: 65,
        names: ["dir-shard.sqlite"]),
      HostileCase(kind: "database (run)", what: "/dev/null", arguments: ["run", "suite.json", "--db", "/dev/null"], code: 65, names: ["/dev/null"]),
      HostileCase(kind: "database (run)", what: "in /proc", arguments: ["run", "suite.json", "--db", "/proc/precond-bench.sqlite"], code: 65,
        names: ["/proc/precond-bench.sqlite"]),
      HostileCase(kind: "database (run)", what: "below a file", arguments: ["run", "suite.json", "--db", "suite.json/x.sqlite"], code: 65,
        names: ["suite.json/x.sqlite"]),
      HostileCase(kind: "database (run)", what: "random bytes", arguments: ["run", "suite.json", "--db", "random-shard.sqlite"], code: 65,
        names: ["random-shard.sqlite"]),
    ]
    // Shards for merge, into a new target and into an existing one (which must not change).
    cases += files("shard (merge into new)", { ["merge", $0, "--into", "merged/new.sqlite"] }, stem: "shard", ext: "sqlite",
      extra: [("plain text", "suite.json", 65)])
    cases += files("shard (merge into existing)", { ["merge", "shard.sqlite", $0, "--into", "results-copy.sqlite"] },
      stem: "shard", ext: "sqlite")
    cases += [
      HostileCase(kind: "shard (merge)", what: "the target itself", arguments: ["merge", "results.sqlite", "--into", "results.sqlite"],
        code: 64, names: ["results.sqlite"]),
      HostileCase(kind: "shard (merge)", what: "target in /proc", arguments: ["merge", "shard.sqlite", "--into", "/proc/merged.sqlite"],
        code: 65, names: ["/proc/merged.sqlite"]),
    ]
    // Baselines of another suite.
    for command in ["check", "compare"] {
      cases.append(HostileCase(kind: "baseline of another suite", what: command,
        arguments: [command, "--baseline", "base.json", "smoke", "--db", "results.sqlite"], code: 6, names: ["synthetic", "smoke"]))
    }
    // Absurd and non-finite numbers.
    let jump = ["--precond", "ctm", "--teacher", "teacher.json"]
    for (option, value) in [("--grid", "100000"), ("--grid", "-5"), ("--grid", "nan"), ("--grid", "1"), ("--samples", "1000000000000"),
      ("--samples", "0"), ("--lambda-count", "99999999"), ("--sigma-data", "-1"), ("--sigma-data", "nan"), ("--sigma-data", "inf")]
    {
      let where_ = option == "--grid" ? [] : ["--t", "1", "--s", "0.5"]
      cases.append(HostileCase(kind: "numbers (coefficients)", what: "\(option) \(value)",
        arguments: ["coefficients"] + jump + where_ + [option, value], code: 64, names: [option]))
    }
    for (option, value) in [("--grid", "100000"), ("--grid", "65"), ("--substeps", "0"), ("--substeps", "1e9"), ("--samples", "-3")] {
      let where_ = option == "--grid" ? [] : ["--t", "1", "--s", "0.5"]
      cases.append(HostileCase(kind: "numbers (gap)", what: "\(option) \(value)", arguments: ["gap"] + jump + where_ + [option, value],
        code: 64, names: [option]))
    }
    for (t, s) in [("nan", "0.5"), ("inf", "0.5"), ("1", "-1"), ("1e300", "1"), ("0.5", "1")] {
      cases.append(HostileCase(kind: "numbers (coefficients)", what: "--t \(t) --s \(s)",
        arguments: ["coefficients"] + jump + ["--t", t, "--s", s], code: 64, names: []))
    }
    for value in ["0", "-3", "1e9", "nan", "99999999999999999999", "2000"] {
      cases.append(HostileCase(kind: "numbers (--threads)", what: value, arguments: ["version", "--threads", value], code: 64,
        names: ["--threads"]))
    }
    for (option, value) in [("--shard", "0/0"), ("--shard", "3/2"), ("--shard", "-1/2")] {
      cases.append(HostileCase(kind: "numbers (run)", what: "\(option) \(value)", arguments: ["run", "suite.json", option, value],
        code: 64, names: [option]))
    }
    for (option, value) in [("--level", "nan"), ("--level", "2"), ("--relative-tolerance", "-1"), ("--minimum-seeds", "0")] {
      cases.append(HostileCase(kind: "numbers (check)", what: "\(option) \(value)",
        arguments: ["check", "--baseline", "base.json", "--db", "results.sqlite", option, value], code: 64, names: [option]))
    }
    cases.append(HostileCase(kind: "numbers (report)", what: "--resamples -1",
      arguments: ["report", "--db", "results.sqlite", "--out", "-", "--resamples", "-1"], code: 64, names: ["--resamples"]))
    // Invalid suite files found by `suites`.
    cases.append(HostileCase(kind: "suite (suites)", what: "an invalid file", arguments: ["suites", "--no-estimate"], code: 65,
      names: ["broken.json", "description"], directory: "invalid-suites"))
    return cases
  }()
}

@Suite("every command survives hostile input (issue 14)")
struct HostileInputTests {
  @Test("documented exit code, one error line naming the file or key, no crash or hang, nothing left behind",
    arguments: HostileInputs.all)
  func hostile(_ hostile: HostileCase) throws {
    let workspace = try HostileWorkspace.copy()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let before = HostileWorkspace.snapshot(workspace)
    let result = try CommandRunner.run(hostile.arguments, currentDirectory: workspace.appendingPathComponent(hostile.directory),
      timeout: 60)
    #expect(!result.timedOut, "did not finish within 60 s")
    #expect(result.exitCode < 128, "crashed (signal \(result.exitCode - 128)): \(result.stderr.prefix(600))")
    #expect(documentedExitCodes.contains(result.exitCode), "undocumented exit code \(result.exitCode)")
    #expect(result.exitCode == hostile.code, "exit \(result.exitCode), expected \(hostile.code): \(result.stderr.prefix(600))")
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
    let errors = lines.filter { $0.hasPrefix("error: ") }
    #expect(errors.count == 1, "expected one 'error:' line on stderr, got: \(result.stderr.prefix(600))")
    if hostile.code != 64 {
      // Not a usage error: nothing but the error line (and notes) on stderr, no usage text.
      let other = lines.filter { !$0.hasPrefix("error: ") && !$0.hasPrefix("note: ") && !$0.hasPrefix("warning: ") }
      #expect(other.isEmpty, "more than one line on stderr: \(result.stderr.prefix(600))")
    }
    let error = errors.first.map(String.init) ?? ""
    for name in hostile.names {
      #expect(error.contains(name), "the error does not name '\(name)': \(error)")
    }
    #expect(!error.contains("You don’t have permission") && !error.contains("internal error"), "\(error)")
    let after = HostileWorkspace.snapshot(workspace)
    let created = Set(after.keys).subtracting(before.keys).sorted()
    let removed = Set(before.keys).subtracting(after.keys).sorted()
    let changed = before.keys.filter { after[$0] != nil && after[$0] != before[$0] }.sorted()
    #expect(created.isEmpty && removed.isEmpty && changed.isEmpty,
      "workspace changed: created \(created), removed \(removed), changed \(changed)")
  }

  @Test("the table covers every input kind with each hostile form")
  func coverage() {
    let kinds = Dictionary(grouping: HostileInputs.all, by: \.kind).mapValues(\.count)
    for kind in ["suite (run)", "teacher (coefficients)", "npy (fd, first)", "npz (fd)", "dataset (npy)", "dataset (idx)",
      "dataset (cifar10)", "checkpoint (teacher info)", "baseline (check)", "database (export)", "database (run)",
      "shard (merge into new)", "baseline of another suite", "numbers (--threads)", "numbers (gap)"]
    {
      #expect((kinds[kind] ?? 0) > 0, "no case for \(kind)")
    }
    for what in ["empty", "truncated", "random bytes", "a directory", "/dev/null", "missing"] {
      #expect(HostileInputs.all.filter { $0.what == what }.count >= 10, "few cases of \(what)")
    }
    #expect(HostileInputs.all.count >= 150, "\(HostileInputs.all.count) cases")
  }

  @Test("--threads above the cores is capped with a note, and results do not change")
  func threadsCapped() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try #"{"kind": "gmm", "components": [{"weight": 1, "mean": [1.0, -0.5], "variance": 0.25}]}"#
      .write(to: directory.appendingPathComponent("t.json"), atomically: true, encoding: .utf8)
    let arguments = ["gap", "--precond", "ctm", "--teacher", "t.json", "--grid", "4", "--samples", "64", "--json"]
    let one = try CommandRunner.run(arguments + ["--threads", "1"], currentDirectory: directory, timeout: 60)
    let many = try CommandRunner.run(arguments + ["--threads", "1000"], currentDirectory: directory, timeout: 60)
    #expect(!many.timedOut && many.exitCode == 0, "\(many.stderr)")
    #expect(many.stderr.contains("note: --threads 1000 is more than the"), "\(many.stderr)")
    #expect(one.stdout == many.stdout)
  }

  @Test("teacher weights that do not sum to 1 are normalised with a note naming the key")
  func weightsNormalisedWithNote() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    func teacher(_ weight: String) -> String {
      #"{"kind": "gmm", "components": [{"weight": W, "mean": [1.0, -0.5], "variance": 0.25}, {"weight": W, "mean": [-1, 0.5], "variance": 0.25}]}"#
        .replacingOccurrences(of: "W", with: weight)
    }
    try teacher("0.3").write(to: directory.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
    try teacher("0.5").write(to: directory.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
    let arguments = ["gap", "--precond", "ctm", "--t", "10", "--s", "0.5", "--samples", "64", "--json", "--teacher"]
    let a = try CommandRunner.run(arguments + ["a.json"], currentDirectory: directory)
    let b = try CommandRunner.run(arguments + ["b.json"], currentDirectory: directory)
    #expect(a.exitCode == 0 && b.exitCode == 0)
    #expect(a.stderr.contains("note: a.json: key 'components[].weight': the weights sum to 0.6"), "\(a.stderr)")
    #expect(!b.stderr.contains("note:"))
    #expect(a.stdout == b.stdout)
  }

  @Test("a refused baseline of another suite records nothing: the report still compares with nothing")
  func wrongSuiteNotRecorded() throws {
    let workspace = try HostileWorkspace.copy()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let check = try CommandRunner.run(["check", "--baseline", "base.json", "smoke", "--db", "results.sqlite"], currentDirectory: workspace)
    #expect(check.exitCode == 6)
    #expect(check.stderr.contains("is of suite 'synthetic', not of the requested suite 'smoke'"), "\(check.stderr)")
    #expect(check.stdout.isEmpty)
    let report = try CommandRunner.run(["report", "smoke", "--db", "results.sqlite", "--out", "-", "--resamples", "50"],
      currentDirectory: workspace)
    #expect(report.exitCode == 0, "\(report.stderr)")
    #expect(report.stdout.contains("# PrecondBench report"))
    #expect(!report.stdout.contains("against baseline `base`"), "the refused comparison was recorded")
  }
}
