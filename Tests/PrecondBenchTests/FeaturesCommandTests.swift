import Datasets
import Foundation
import Metrics
import TestSupport
import Testing

@Suite("precond-bench features")
struct FeaturesCommandTests {
  @Test("Writes [N, 1280] float32 features of an .npy dataset and of .npz samples that fd reads; same bits at 1 and 2 threads")
  func writesFeatures() throws {
    let directory = try CommandRunner.temporaryDirectory()
    let weights = directory.appendingPathComponent("effnet.npz").path
    try FormulaWeights.write(.effnetLite0, to: weights)
    // Three 8x8 RGB images as uint8 NHWC, once as a dataset (.npy) and once as samples (.npz).
    let pixels: [UInt8] = (0..<576).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i * 37 + i / 7) }
    let array = NumpyArray(shape: [3, 8, 8, 3], elements: .uint8(pixels))
    let dataset = directory.appendingPathComponent("images.npy").path
    try array.write(to: dataset)
    let samples = directory.appendingPathComponent("samples.npz").path
    try NumpyArchive(members: [.init(name: "arr_0", array: array)]).write(to: samples, compressed: false)
    var outputs = [[Float]]()
    for (input, threads) in [(dataset, "1"), (samples, "2")] {
      let out = directory.appendingPathComponent("f\(threads).npy").path
      let result = try CommandRunner.run(
        ["features", "--network", "effnet-lite0", "--weights", weights, input, "--out", out, "--threads", threads, "--json"])
      #expect(result.exitCode == 0, "\(result.stderr)")
      let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
      #expect(report["metric"] as? String == "fd-effnet" && report["count"] as? Int == 3, "\(result.stdout)")
      let features = try NumpyArray(contentsOf: out)
      #expect(features.shape == [3, 1280])
      outputs.append(features.floats())
    }
    #expect(outputs[0] == outputs[1])
    let fd = try CommandRunner.run(
      ["fd", directory.appendingPathComponent("f1.npy").path, directory.appendingPathComponent("f2.npy").path, "--json"])
    #expect(fd.exitCode == 0, "\(fd.stderr)")
    let distance = (try JSONSerialization.jsonObject(with: Data(fd.stdout.utf8)) as? [String: Any])?["fd"] as? Double
    #expect(distance != nil && distance! < 1e-9, "\(fd.stdout)")
  }

  @Test("Usage errors are 64; missing or misshaped weights and bad input are 65 naming the file and key; nothing is written")
  func errors() throws {
    let directory = try CommandRunner.temporaryDirectory()
    let out = directory.appendingPathComponent("f.npy").path
    let images = directory.appendingPathComponent("images.npy").path
    try NumpyArray(shape: [2, 4, 4, 1], elements: .uint8(Array(repeating: 9, count: 32))).write(to: images)
    let help = try CommandRunner.run(["features", "--help"])
    #expect(help.exitCode == 0 && help.stdout.contains("--network"))
    let unknown = try CommandRunner.run(["features", "--network", "vgg", images, "--out", out])
    #expect(unknown.exitCode == 64 && unknown.stderr.contains("effnet-lite0"), "\(unknown.stderr)")
    let notNpy = try CommandRunner.run(["features", "--network", "effnet-lite0", images, "--out", directory.appendingPathComponent("f.csv").path])
    #expect(notNpy.exitCode == 64)
    let missing = directory.appendingPathComponent("none.npz").path
    let noWeights = try CommandRunner.run(["features", "--network", "effnet-lite0", "--weights", missing, images, "--out", out])
    #expect(noWeights.exitCode == 65 && noWeights.stderr.contains(missing) && noWeights.stderr.contains("prepare-features"), "\(noWeights.stderr)")
    let weights = directory.appendingPathComponent("bad.npz").path
    try FormulaWeights.write(.effnetLite0, to: weights, reshape: ("_blocks.2._depthwise_conv.weight", [144, 1, 5, 5]))
    let misshaped = try CommandRunner.run(["features", "--network", "effnet-lite0", "--weights", weights, images, "--out", out])
    #expect(misshaped.exitCode == 65 && misshaped.stderr.contains(weights) && misshaped.stderr.contains("'_blocks.2._depthwise_conv.weight'"), "\(misshaped.stderr)")
    try FormulaWeights.write(.effnetLite0, to: weights)
    let noInput = try CommandRunner.run(["features", "--network", "effnet-lite0", "--weights", weights, missing, "--out", out])
    #expect(noInput.exitCode == 65 && noInput.stderr.contains(missing), "\(noInput.stderr)")
    let noArr = directory.appendingPathComponent("other.npz").path
    try NumpyArchive(members: [.init(name: "x", array: NumpyArray(shape: [1], elements: .uint8([1])))]).write(to: noArr, compressed: false)
    let wrongKey = try CommandRunner.run(["features", "--network", "effnet-lite0", "--weights", weights, noArr, "--out", out])
    #expect(wrongKey.exitCode == 65 && wrongKey.stderr.contains("arr_0"), "\(wrongKey.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  /// A one-cell suite on 64 random 8x8 grayscale images (exact teacher, tiny U-Net, 4 steps,
  /// evaluations at steps 2 and 4) that requests fd-effnet.
  static let tinySuite = """
    {"description": "fd-effnet end to end",
     "problems": [{"name": "tiny8", "data": {"kind": "npy", "path": "tiny.npy", "resolution": 8}, "teacher": {"kind": "exact"}}],
     "methods": {"ctm": ["ctm"]}, "reference": "ctm",
     "student": {"network": {"kind": "unet", "baseWidth": 8, "embeddingFeatures": 16, "conditioningWidth": 16, "groups": 4},
                 "initialization": "random"},
     "training": {"steps": 4, "batchSize": 8, "gridCount": 6, "learningRate": 0.0005, "targetEMARate": 0.95,
                  "evaluationEMARate": 0.95, "denoisingLoss": "off"},
     "statistics": {"lambdaCount": 8, "samplesPerPoint": 16},
     "evaluation": {"every": 2, "nfe": [1], "samples": 16, "referenceSamples": 16, "metrics": ["fd-pixels", "fd-effnet"],
                    "alignmentSamples": 4, "gapGrid": 0, "gapSamples": 16},
     "targets": [{"metric": "fd-pixels", "nfe": 1, "threshold": 0.5}],
     "seeds": [1], "checkpointEvery": 4}
    """

  @Test("A suite requesting fd-effnet (or fd-inception) measures it at the final evaluation only, when the weights are prepared; the report says when they were absent")
  func suiteEvaluation() throws {
    let directory = try CommandRunner.temporaryDirectory()
    let pixels: [UInt8] = (0..<(64 * 64)).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
    try NumpyArray(shape: [64, 8, 8, 1], elements: .uint8(pixels)).write(to: directory.appendingPathComponent("tiny.npy").path)
    try Data(Self.tinySuite.utf8).write(to: directory.appendingPathComponent("tiny.json"))
    let features = directory.appendingPathComponent(".precond-bench/features")
    try FileManager.default.createDirectory(at: features, withIntermediateDirectories: true)
    try FormulaWeights.write(.effnetLite0, to: features.appendingPathComponent("effnet-lite0.npz").path)
    for (database, prepared) in [("with.sqlite", true), ("without.sqlite", false)] {
      if !prepared { try FileManager.default.removeItem(at: features.appendingPathComponent("effnet-lite0.npz")) }
      let run = try CommandRunner.run(["run", "tiny.json", "--db", database, "--quiet"], currentDirectory: directory)
      #expect(run.exitCode == 0, "\(run.stderr)")
      let export = try CommandRunner.run(["export", "tiny", "--db", database, "--format", "csv"], currentDirectory: directory)
      let rows = export.stdout.split(separator: "\n").filter { $0.contains(",fd-effnet,") }
      // Evaluations at steps 2 and 4: fd-effnet only at the last, and only with the weights.
      #expect(rows.count == (prepared ? 1 : 0), "\(export.stdout)")
      #expect(rows.allSatisfy { $0.contains(",completed,4,") }, "\(rows)")
      let report = try CommandRunner.run(["report", "tiny", "--db", database, "--out", "-"], currentDirectory: directory)
      let note = prepared ? "**`fd-effnet`** is the Fréchet distance on EfficientNet-Lite0" : "**`fd-effnet` was requested but not measured**"
      #expect(report.stdout.contains(note), "\(report.stdout.prefix(2000))")
      // With the weights, the answer section carries the final fd-effnet of every arm.
      let headline = report.stdout.components(separatedBy: "## Environment")[0]
      #expect(headline.contains("- Trained features at the final evaluation") == prepared, "\(headline)")
      if prepared { #expect(headline.contains("fd-effnet (NFE 1): `ctm` "), "\(headline)") }
    }
    // fd-inception the same way, named fd-inception for weights that are not pytorch-fid's file.
    try FormulaWeights.write(.inception, to: features.appendingPathComponent("inception.npz").path)
    let inceptionSuite = Self.tinySuite.replacingOccurrences(of: "\"fd-effnet\"]", with: "\"fd-inception\"]")
    try Data(inceptionSuite.utf8).write(to: directory.appendingPathComponent("tiny.json"))
    let run = try CommandRunner.run(["run", "tiny.json", "--db", "inception.sqlite", "--quiet"], currentDirectory: directory)
    #expect(run.exitCode == 0, "\(run.stderr)")
    let export = try CommandRunner.run(["export", "tiny", "--db", "inception.sqlite", "--format", "csv"], currentDirectory: directory)
    let rows = export.stdout.split(separator: "\n").filter { $0.contains(",fd-inception,") }
    #expect(rows.count == 1 && rows[0].contains(",completed,4,"), "\(export.stdout)")
    let report = try CommandRunner.run(["report", "tiny", "--db", "inception.sqlite", "--out", "-"], currentDirectory: directory)
    #expect(report.stdout.contains("with weights that are not its standard file"), "\(report.stdout.prefix(2000))")
  }
}
