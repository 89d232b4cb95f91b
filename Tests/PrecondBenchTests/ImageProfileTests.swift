import Foundation
import Testing
import TestSupport

/// Every shipped image profile, run end to end on a tiny fixture in its publisher's format
/// (issue 10, item 7): a user with the data must never meet a crash after twenty minutes of
/// teacher training.
///
/// The tiny suite is derived from the SHIPPED suite file, not written by hand: data kind and
/// path, networks, methods and preconditionings, metrics, NFEs, targets and seeds are kept; only
/// step counts, batch sizes, sample counts and the number of seeds shrink. A key combination of a shipped profile
/// that crashes is therefore met here, in seconds.
@Suite("image profiles end to end on tiny fixtures", .serialized)
struct ImageProfileTests {
  static var repositoryRoot: URL {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
  }

  /// The shipped suite `name` as JSON.
  static func shippedSuite(_ name: String) throws -> [String: Any] {
    let url = repositoryRoot.appendingPathComponent("Benchmarks/Suites/\(name).json")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return try #require(object as? [String: Any], "\(url.path) is not a JSON object")
  }

  /// Sets `values` in the object at `key` of `object`, requiring that every key already exists
  /// there (a renamed key in a shipped suite must fail this test, not be silently added).
  static func shrink(_ object: inout [String: Any], _ key: String, _ values: [String: Any]) throws {
    var inner = try #require(object[key] as? [String: Any], "shipped suite has no object '\(key)'")
    for (k, v) in values {
      #expect(inner[k] != nil, "shipped '\(key)' has no '\(k)': update ImageProfileTests")
      inner[k] = v
    }
    object[key] = inner
  }

  /// The tiny variant of a shipped suite: 3 teacher steps, 4 student steps evaluated twice,
  /// 16 samples per evaluation, 2 alignment and gap samples (their teacher solves of 64 Heun
  /// substeps dominate the time otherwise), the first seed, everything else (data kind and path, networks,
  /// methods and preconditionings, grid, metrics, NFEs, targets) as shipped. `dataPath` replaces the data path
  /// when the shipped one cannot be reproduced in a temporary directory (an absolute default).
  static func tinyVariant(of shipped: [String: Any], dataPath: String? = nil) throws -> [String: Any] {
    var suite = shipped
    var problems = try #require(suite["problems"] as? [[String: Any]])
    for i in problems.indices {
      try shrink(&problems[i], "teacher", ["steps": 3, "batchSize": 8])
      if let dataPath {
        var data = try #require(problems[i]["data"] as? [String: Any])
        data["path"] = dataPath
        problems[i]["data"] = data
      }
    }
    suite["problems"] = problems
    try shrink(&suite, "training", ["steps": 4, "batchSize": 8])
    // A 3-step teacher with 4 statistics samples per point can make an analytic arm's first loss
    // huge, and the run would be recorded as diverged at step 1 (docs/harness.md, "Divergence");
    // this test is about running every code path of the profile, so it lets any finite loss through.
    var training = try #require(suite["training"] as? [String: Any])
    training["divergenceFactor"] = 1e300
    suite["training"] = training
    // The convergence rule runs (one round) but accepts what 4 samples per point give.
    try shrink(&suite, "statistics", [
      "lambdaCount": 4, "samplesPerPoint": 4, "batchSize": 8, "tolerance": 1e6, "maxSamplesPerPoint": 4,
    ])
    try shrink(&suite, "evaluation", [
      "every": 2, "samples": 16, "referenceSamples": 16, "alignmentSamples": 2, "gapSamples": 2,
    ])
    // A geometric schedule's curve evaluations use fewer samples than the final one.
    if var evaluation = suite["evaluation"] as? [String: Any], evaluation["curveSamples"] != nil {
      evaluation["curveSamples"] = 8
      suite["evaluation"] = evaluation
    }
    suite["checkpointEvery"] = 4
    // One seed: every cell of a seed takes the same code path; seeds only multiply the time.
    let seeds = try #require(suite["seeds"] as? [Int])
    suite["seeds"] = Array(seeds.prefix(1))
    return suite
  }

  /// Cells of a suite: problems x (preconditionings of every method) x seeds.
  static func cellCount(_ suite: [String: Any]) -> Int {
    let problems = (suite["problems"] as? [Any])?.count ?? 0
    let arms = (suite["methods"] as? [String: Any] ?? [:]).values.reduce(0) { $0 + (($1 as? [Any])?.count ?? 0) }
    let seeds = (suite["seeds"] as? [Any])?.count ?? 0
    return problems * arms * seeds
  }

  /// The data path a shipped suite's first problem reads (nil: the kind's default).
  static func shippedDataPath(_ suite: [String: Any]) -> String? {
    let problems = suite["problems"] as? [[String: Any]]
    return (problems?.first?["data"] as? [String: Any])?["path"] as? String
  }

  /// Deterministic pixel bytes with some structure (smooth gradients plus noise), so that the
  /// metrics see non-degenerate covariances.
  static func pixels(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<count).map { i in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let noise = Int(truncatingIfNeeded: state >> 58)
      return UInt8(truncatingIfNeeded: (i % 61) * 4 + noise)
    }
  }

  // MARK: Publisher formats written in Swift

  /// CIFAR-10 binary batches: records of 1 label byte + 3072 channel-major pixel bytes.
  static func writeCIFAR10(into directory: URL, batches: Int, perBatch: Int) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for b in 1...batches {
      var bytes = [UInt8]()
      let image = pixels(count: perBatch * 3072, seed: UInt64(b))
      for r in 0..<perBatch {
        bytes.append(UInt8((r + b) % 10))
        bytes += image[(r * 3072)..<((r + 1) * 3072)]
      }
      try Data(bytes).write(to: directory.appendingPathComponent("data_batch_\(b).bin"))
    }
    // The test batch sits beside the training batches in the publisher's folder; it is not read.
    try Data([3] + pixels(count: 3072, seed: 99)).write(to: directory.appendingPathComponent("test_batch.bin"))
  }

  /// Fashion-MNIST IDX files (uncompressed): 28x28 images and their labels.
  static func writeIDX(into directory: URL, count: Int) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    func bigEndian(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
    let images = [0, 0, 8, 3] + bigEndian(count) + bigEndian(28) + bigEndian(28) + pixels(count: count * 784, seed: 7)
    let labels = [0, 0, 8, 1] + bigEndian(count) + (0..<count).map { UInt8($0 % 10) }
    try Data(images).write(to: directory.appendingPathComponent("train-images-idx3-ubyte"))
    try Data(labels).write(to: directory.appendingPathComponent("train-labels-idx1-ubyte"))
  }

  /// A uint8 NHWC `.npy`, as `Scripts/prepare-dataset` writes it (used when Python is absent).
  static func writeNpy(to url: URL, count: Int, side: Int) throws {
    var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(count), \(side), \(side), 3), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    let length = header.utf8.count
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
    bytes += Array(header.utf8)
    bytes += pixels(count: count * side * side * 3, seed: 5)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
  }

  // MARK: Publisher formats through Scripts/prepare-dataset

  /// Runs `python3 arguments` in `directory`: exit status and stderr.
  static func python3(_ arguments: [String], in directory: URL? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    if let directory { process.currentDirectoryURL = directory }
    let errors = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    try process.run()
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }

  /// Whether `python3` with NumPy (and Pillow, when `pillow`) runs here.
  static func pythonAvailable(pillow: Bool) -> Bool {
    (try? python3(["-c", pillow ? "import numpy, PIL" : "import numpy"]).0) == 0
  }

  static func python(_ script: String, in directory: URL) throws {
    let (status, errors) = try python3(["-c", script], in: directory)
    try #require(status == 0, "python fixture writer failed: \(errors)")
  }

  static func prepareDataset(_ arguments: [String], in directory: URL) throws {
    let script = repositoryRoot.appendingPathComponent("Scripts/prepare-dataset").path
    let (status, errors) = try python3([script] + arguments, in: directory)
    try #require(status == 0, "Scripts/prepare-dataset \(arguments) failed: \(errors)")
  }

  /// Writes a publisher-format fixture with the Python `writer` and converts it to `out` with
  /// `Scripts/prepare-dataset convert... --out out`; writes the `.npy` directly when python3 with
  /// NumPy (and Pillow, when `pillow`) is missing. Returns how the fixture was made.
  static func convertedFixture(to out: String, in directory: URL, count: Int, pillow: Bool, writer: String, convert: [String]) throws -> String {
    guard pythonAvailable(pillow: pillow) else {
      try writeNpy(to: directory.appendingPathComponent(out), count: count, side: 64)
      return "npy written directly (python3 with numpy\(pillow ? " and Pillow" : "") not found)"
    }
    try python(writer, in: directory)
    try prepareDataset(convert + ["--out", out], in: directory)
    return "\(convert[0]) publisher format through Scripts/prepare-dataset"
  }

  /// FFHQ as EDM's dataset_tool writes it: a folder of 64x64 PNGs in numbered subfolders with a
  /// dataset.json.
  static func writeFFHQ(to out: String, in directory: URL, count: Int) throws -> String {
    try convertedFixture(to: out, in: directory, count: count, pillow: true, writer: """
      import json, os, numpy as np
      from PIL import Image
      rng = np.random.default_rng(0)
      base = np.add.outer(np.arange(64), np.arange(64)).astype(np.int64) * 2
      os.makedirs('ffhq-png/00000', exist_ok=True)
      labels = []
      for i in range(\(count)):
          noise = rng.integers(0, 64, (64, 64, 3))
          image = ((base[:, :, None] + 40 * np.arange(3) + noise + 7 * i) % 256).astype(np.uint8)
          name = f'00000/img{i:08d}.png'
          Image.fromarray(image, 'RGB').save('ffhq-png/' + name)
          labels.append([name, 0])
      json.dump({'labels': labels}, open('ffhq-png/dataset.json', 'w'))
      """, convert: ["ffhq", "ffhq-png", "--resolution", "64"])
  }

  /// ImageNet-64 as its official npz batches, unpacked in a folder as README.md's command takes
  /// it: `data` [N, 3*64*64] channel-major uint8 and 1-based `labels`.
  static func writeImageNet64(to out: String, in directory: URL, count: Int) throws -> String {
    try convertedFixture(to: out, in: directory, count: count, pillow: false, writer: """
      import os, numpy as np
      rng = np.random.default_rng(1)
      half = \(count) // 2
      os.makedirs('Imagenet64_train_npz')
      for b, n in ((1, half), (2, \(count) - half)):
          data = rng.integers(0, 256, (n, 3 * 64 * 64)).astype(np.uint8)
          data[:, :4096] //= 2
          np.savez(f'Imagenet64_train_npz/train_data_batch_{b}.npz', data=data, labels=rng.integers(1, 1001, n))
      """, convert: ["imagenet64", "Imagenet64_train_npz"])
  }

  // MARK: The run

  /// Trains the tiny suite's teacher with `teacher train`, runs the suite in `directory` (its
  /// working directory: data, dataset and teacher caches, checkpoints and the database all stay
  /// in it), then export and report, and checks that `run` reused the teacher and every cell
  /// completed with every metric at every NFE.
  static func runEndToEnd(_ name: String, tiny: [String: Any], in directory: URL) throws {
    let started = Date()
    let file = "\(name)-tiny.json"
    try JSONSerialization.data(withJSONObject: tiny, options: [.prettyPrinted, .sortedKeys])
      .write(to: directory.appendingPathComponent(file))
    let cells = cellCount(tiny)
    #expect(cells > 0)
    // The suite descriptions tell users to train the teacher first; `run` must then reuse it.
    let teacher = try CommandRunner.run(["teacher", "train", file, "--threads", "2", "--quiet"], currentDirectory: directory)
    #expect(teacher.exitCode == 0, "\(name): teacher train exited \(teacher.exitCode)\n\(teacher.stderr)")
    #expect(teacher.stdout.contains("network teacher ready"), "\(name): \(teacher.stdout)")
    let run = try CommandRunner.run(["run", file, "--db", "results.sqlite", "--threads", "2", "--quiet"], currentDirectory: directory)
    #expect(run.exitCode == 0, "\(name): run exited \(run.exitCode)\n\(run.stdout)\n\(run.stderr)")
    #expect(run.stdout.contains("\(cells) completed, 0 diverged, 0 failed"), "\(name): \(run.stdout)\n\(run.stderr)")
    // Caches stayed in the temporary directory, and `run` trained no second teacher.
    let teachers = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(".precond-bench/teachers").path)) ?? []
    let problems = (tiny["problems"] as? [Any])?.count ?? 0
    #expect(teachers.filter { $0.hasSuffix(".ckpt") }.count == problems, "\(name): teacher cache holds \(teachers.sorted())")

    let export = try CommandRunner.run(["export", "--db", "results.sqlite", "--without-timings"], currentDirectory: directory)
    #expect(export.exitCode == 0, "\(name): export: \(export.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any]
    let runs = try #require(json?["runs"] as? [[String: Any]], "\(name): export has no runs")
    #expect(runs.count == cells, "\(name): \(runs.count) runs for \(cells) cells")
    let evaluation = try #require(tiny["evaluation"] as? [String: Any])
    let metrics = try #require(evaluation["metrics"] as? [String])
    let nfes = try #require(evaluation["nfe"] as? [Int])
    let steps = try #require((tiny["training"] as? [String: Any])?["steps"] as? Int)
    let every = try #require(evaluation["every"] as? Int)
    for run in runs {
      let cell = run["cell"] as? [String: Any] ?? [:]
      let label = "\(name) \(cell["method"] ?? "?")/\(cell["preconditioning"] ?? "?") seed \(cell["seed"] ?? "?")"
      #expect(run["status"] as? String == "completed", "\(label): status \(run["status"] ?? "nil") \(run["statusMessage"] ?? "")")
      #expect(!(run["coefficients"] as? [Any] ?? []).isEmpty, "\(label): no coefficient rows")
      #expect(!(run["gaps"] as? [Any] ?? []).isEmpty, "\(label): no consistency gaps (the first seed records them)")
      let evaluations = run["evaluations"] as? [[String: Any]] ?? []
      let evaluatedSteps = Set(evaluations.compactMap { $0["step"] as? Int })
      #expect(evaluatedSteps.isSuperset(of: Set(stride(from: every, through: steps, by: every))),
        "\(label): evaluated at steps \(evaluatedSteps.sorted())")
      let last = evaluations.max { ($0["step"] as? Int ?? 0) < ($1["step"] as? Int ?? 0) } ?? [:]
      let recorded = (last["metrics"] as? [[String: Any]] ?? []).compactMap { m -> String? in
        guard let metric = m["name"] as? String, let nfe = m["nfe"] as? Int, let value = m["value"] as? Double, value.isFinite else { return nil }
        return "\(metric)@\(nfe)"
      }
      // Pretrained-feature distances need weights prepared in .precond-bench/features, which this
      // temporary directory has not (the report says so); the rest must all be there.
      for metric in metrics where metric != "fd-effnet" && metric != "fd-inception" {
        for nfe in nfes {
          #expect(recorded.contains("\(metric)@\(nfe)"), "\(label): no finite \(metric) at NFE \(nfe) (recorded: \(recorded.sorted()))")
        }
      }
    }

    let report = try CommandRunner.run(["report", "--db", "results.sqlite", "--out", "-", "--resamples", "100"], currentDirectory: directory)
    #expect(report.exitCode == 0, "\(name): report: \(report.stderr)")
    #expect(report.stdout.contains(name + "-tiny") && report.stdout.contains("analytic-backward"), "\(name): report:\n\(report.stdout)")
    if metrics.contains("fd-effnet") {
      #expect(report.stdout.contains("`fd-effnet` was requested but not measured"), "\(name): the report does not say fd-effnet is absent")
    }
    let figures = try CommandRunner.run(["report", "--db", "results.sqlite", "--out", "Reports", "--resamples", "100"], currentDirectory: directory)
    #expect(figures.exitCode == 0, "\(name): report with figures: \(figures.stderr)")
    #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("Reports/\(name)-tiny.md").path))
    print(String(format: "%@: %d cells end to end in %.1f s", name, cells, Date().timeIntervalSince(started)))
  }

  /// Writes the fixture of `profile` in its publisher's format under `directory` and returns
  /// the tiny suite plus a note on how the fixture was made.
  static func fixture(for profile: String, in directory: URL) throws -> (suite: [String: Any], note: String) {
    let shipped = try shippedSuite(profile)
    let path = shippedDataPath(shipped)
    switch profile {
    case "cifar10":
      let path = try #require(path)
      #expect(!path.hasPrefix("/"), "the shipped path is relative to the working directory")
      try writeCIFAR10(into: directory.appendingPathComponent(path), batches: 2, perBatch: 24)
      return (try tinyVariant(of: shipped), "CIFAR-10 binary batches")
    case "ffhq64":
      return (try tinyVariant(of: shipped), try writeFFHQ(to: try #require(path), in: directory, count: 48))
    case "imagenet64":
      return (try tinyVariant(of: shipped), try writeImageNet64(to: try #require(path), in: directory, count: 48))
    case "fashion-mnist":
      // The shipped path is the Debian package's absolute default: point at the fixture instead.
      try writeIDX(into: directory.appendingPathComponent("fashion"), count: 48)
      return (try tinyVariant(of: shipped, dataPath: "fashion/train-images-idx3-ubyte"), "IDX files")
    default:
      struct NoFixture: Error { let profile: String }
      throw NoFixture(profile: profile)
    }
  }

  @Test("A shipped image profile, shrunk, runs end to end on a fixture in its publisher's format",
    arguments: ["cifar10", "ffhq64", "imagenet64", "fashion-mnist"])
  func profile(_ name: String) throws {
    let directory = try CommandRunner.temporaryDirectory("profile-\(name)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let (tiny, note) = try Self.fixture(for: name, in: directory)
    print("\(name) fixture: \(note)")
    try Self.runEndToEnd(name, tiny: tiny, in: directory)
  }
}

@Suite("image profiles without their data")
struct ImageProfileMissingDataTests {
  @Test("A shipped image suite run where its data are absent is exit 65 naming the path and how to get the data",
    arguments: [("cifar10", "data/cifar-10-batches-bin", "cifar-10-binary"), ("ffhq64", "data/ffhq64.npy", "prepare-dataset ffhq"),
      ("imagenet64", "data/imagenet64.npy", "prepare-dataset imagenet64")])
  func missingData(suite: String, path: String, advice: String) throws {
    let directory = try CommandRunner.temporaryDirectory("profile-missing-\(suite)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let shipped = ImageProfileTests.repositoryRoot.appendingPathComponent("Benchmarks/Suites/\(suite).json").path
    let result = try CommandRunner.run(["run", shipped, "--db", "m.sqlite", "--quiet"], currentDirectory: directory)
    #expect(result.exitCode == 65, "\(suite): exit \(result.exitCode)\n\(result.stderr)")
    #expect(result.stderr.contains(path) && result.stderr.contains(advice), "\(suite): \(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(".precond-bench/teachers").path),
      "\(suite): nothing may be trained before the data are found")
  }
}
