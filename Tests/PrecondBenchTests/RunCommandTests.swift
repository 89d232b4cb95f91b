import Foundation
import Testing
import TestSupport

/// A tiny suite for end-to-end runs: one 2-D problem, two preconditionings, one seed, few steps.
/// The mixture is moved off the origin: on zero-mean data `analytic` is ill-conditioned and
/// diverges (docs/math.md section 5), and these tests are about the command line, not that.
/// The tiny suite's data.
let tinyData = #"{"kind": "mixture", "dimension": 2, "components": 3, "radius": 1.0, "variance": 0.05, "offset": 2.0, "mixtureSeed": 3, "count": 512}"#

let tinySuite = """
  {
    "description": "tiny end-to-end suite",
    "problems": [{"name": "blobs", "data": \(tinyData),
                  "teacher": {"kind": "exact"}}],
    "methods": {"ctm": ["ctm", "analytic"]},
    "reference": "ctm",
    "student": {"network": {"kind": "mlp", "hiddenWidths": [16], "embeddingFeatures": 8, "conditioningWidth": 8},
                "initialization": "teacher", "fit": {"steps": 50, "batchSize": 64, "learningRate": 0.002}},
    "training": {"steps": 60, "batchSize": 16, "gridCount": 6, "learningRate": 0.001},
    "statistics": {"lambdaCount": 12, "samplesPerPoint": 64},
    "evaluation": {"every": 20, "nfe": [1, 2], "samples": 64, "metrics": ["sw2", "alignment"], "alignmentSamples": 16},
    "targets": [{"metric": "sw2", "nfe": 2, "threshold": 0.5}],
    "seeds": [1],
    "checkpointEvery": 20
  }
  """

@Suite("run, coefficients and gap end to end", .serialized)
struct RunCommandTests {
  static func workspace() throws -> URL {
    let directory = try CommandRunner.temporaryDirectory()
    try tinySuite.write(to: directory.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    try #"{"kind": "gmm", "components": [{"weight": 1, "mean": [1.0, -0.5], "variance": 0.25}]}"#
      .write(to: directory.appendingPathComponent("teacher.json"), atomically: true, encoding: .utf8)
    return directory
  }

  @Test("run records every cell; the same run with 1 and 2 threads exports identical numbers")
  func runAndDeterminism() throws {
    let directory = try Self.workspace()
    defer { try? FileManager.default.removeItem(at: directory) }
    for threads in ["1", "2"] {
      let result = try CommandRunner.run(["run", "tiny.json", "--db", "t\(threads).sqlite", "--threads", threads], currentDirectory: directory)
      #expect(result.exitCode == 0, "\(result.stderr)")
      #expect(result.stdout.contains("2 completed"))
    }
    let a = try CommandRunner.run(["export", "--db", "t1.sqlite", "--without-timings"], currentDirectory: directory)
    let b = try CommandRunner.run(["export", "--db", "t2.sqlite", "--without-timings"], currentDirectory: directory)
    #expect(a.exitCode == 0 && !a.stdout.isEmpty, "\(a.stderr)")
    #expect(a.stdout == b.stdout)
  }

  @Test("SIGKILL mid-suite loses nothing stored, and --resume finishes with the numbers of an uninterrupted run")
  func killAndResume() throws {
    let directory = try Self.workspace()
    defer { try? FileManager.default.removeItem(at: directory) }
    // Long enough that the kill lands mid-run (600 steps took under 2 s on an idle machine once
    // the statistics were shared per teacher).
    try tinySuite.replacingOccurrences(of: "\"steps\": 60", with: "\"steps\": 4000")
      .write(to: directory.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    let straight = try CommandRunner.run(["run", "tiny.json", "--db", "straight.sqlite"], currentDirectory: directory)
    #expect(straight.exitCode == 0, "\(straight.stderr)")
    // Start a run and kill it once its database has at least one evaluation.
    let process = Process()
    process.executableURL = CommandRunner.productsDirectory.appendingPathComponent("precond-bench")
    process.arguments = ["run", "tiny.json", "--db", "killed.sqlite", "--quiet"]
    process.currentDirectoryURL = directory
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    var evaluations = 0
    while Date() < deadline && process.isRunning {
      let probe = try? CommandRunner.run(["export", "--db", "killed.sqlite", "--format", "csv", "--without-timings"], currentDirectory: directory)
      evaluations = probe.map { $0.stdout.split(separator: "\n").count } ?? 0
      if evaluations >= 12 { break }
      Thread.sleep(forTimeInterval: 0.05)
    }
    #expect(process.isRunning, "the run finished before it could be killed")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let integrity = try CommandRunner.run(["export", "--db", "killed.sqlite", "--without-timings"], currentDirectory: directory)
    #expect(integrity.exitCode == 0, "database unreadable after SIGKILL: \(integrity.stderr)")
    #expect(integrity.stdout.contains("\"status\": \"interrupted\""), "the killed run is not marked interrupted")
    #expect(!integrity.stdout.contains("\"status\": \"running\""))
    let resumed = try CommandRunner.run(["run", "tiny.json", "--db", "killed.sqlite", "--resume"], currentDirectory: directory)
    #expect(resumed.exitCode == 0, "\(resumed.stderr)")
    let a = try CommandRunner.run(["export", "--db", "straight.sqlite", "--without-timings"], currentDirectory: directory)
    let b = try CommandRunner.run(["export", "--db", "killed.sqlite", "--without-timings"], currentDirectory: directory)
    #expect(a.stdout == b.stdout, "resumed results differ from an uninterrupted run")
  }

  @Test("A missing dataset is exit 65 with where to put it; a malformed suite is exit 65 naming file and key; bad usage is 64")
  func badInput() throws {
    let directory = try Self.workspace()
    defer { try? FileManager.default.removeItem(at: directory) }
    // Image data needs a U-Net student (an MLP on images is a suite error of its own).
    let missing = tinySuite.replacingOccurrences(of: tinyData,
      with: #"{"kind": "cifar10", "path": "nowhere/cifar-10-batches-bin", "resolution": 16}"#)
      .replacingOccurrences(of: #"{"kind": "mlp", "hiddenWidths": [16], "embeddingFeatures": 8, "conditioningWidth": 8}"#,
        with: #"{"kind": "unet", "baseWidth": 8, "groups": 4}"#)
    #expect(missing.contains("\"unet\""), "the tiny suite's student literal drifted")
    #expect(missing != tinySuite, "the tiny suite's data literal drifted")
    try missing.write(to: directory.appendingPathComponent("missing.json"), atomically: true, encoding: .utf8)
    let result = try CommandRunner.run(["run", "missing.json", "--db", "m.sqlite"], currentDirectory: directory)
    #expect(result.exitCode == 65)
    #expect(result.stderr.contains("nowhere/cifar-10-batches-bin") && result.stderr.contains("cifar-10-binary"), "\(result.stderr)")
    try tinySuite.replacingOccurrences(of: "\"seeds\": [1]", with: "\"seeds\": [1], \"sedes\": 2")
      .write(to: directory.appendingPathComponent("typo.json"), atomically: true, encoding: .utf8)
    let typo = try CommandRunner.run(["run", "typo.json", "--db", "m.sqlite"], currentDirectory: directory)
    #expect(typo.exitCode == 65 && typo.stderr.contains("typo.json") && typo.stderr.contains("sedes"), "\(typo.stderr)")
    let noSuite = try CommandRunner.run(["run", "no-such-suite", "--db", "m.sqlite"], currentDirectory: directory)
    #expect(noSuite.exitCode == 65 && noSuite.stderr.contains("no suite named"))
    let shard = try CommandRunner.run(["run", "tiny.json", "--shard", "3/2"], currentDirectory: directory)
    #expect(shard.exitCode == 64)
  }

  @Test("coefficients and gap print the documented JSON envelopes")
  func coefficientsAndGap() throws {
    let directory = try Self.workspace()
    defer { try? FileManager.default.removeItem(at: directory) }
    let c = try CommandRunner.run(["coefficients", "--precond", "analytic", "--teacher", "teacher.json", "--grid", "4",
      "--lambda-count", "30", "--samples", "256", "--json"], currentDirectory: directory)
    #expect(c.exitCode == 0, "\(c.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any]
    #expect(json?["precond"] as? String == "analytic" && json?["sigmaData"] as? Double == 0.5)
    let rows = json?["rows"] as? [[String: Any]] ?? []
    #expect(rows.count == 6 && rows.allSatisfy { $0["A"] != nil && $0["B"] != nil && $0["alpha"] != nil && $0["beta"] != nil && $0["l"] != nil })
    let g = try CommandRunner.run(["gap", "--precond", "ctm", "--teacher", "teacher.json", "--t", "10", "--s", "0.5", "--samples", "128", "--json"],
      currentDirectory: directory)
    #expect(g.exitCode == 0, "\(g.stderr)")
    let gap = try JSONSerialization.jsonObject(with: Data(g.stdout.utf8)) as? [String: Any]
    let gapRows = gap?["rows"] as? [[String: Any]] ?? []
    #expect(gapRows.count == 1 && (gapRows.first?["gap"] as? Double ?? 0) > 0 && gapRows.first?["jumpError"] != nil)
    let edm = try CommandRunner.run(["coefficients", "--precond", "edm", "--teacher", "teacher.json", "--t", "1", "--s", "0.5"], currentDirectory: directory)
    #expect(edm.exitCode == 64 && edm.stderr.contains("tMin"))
  }
}
