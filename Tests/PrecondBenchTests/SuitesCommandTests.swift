import Foundation
import Testing
import TestSupport

@Suite("suites: whether each suite's data are present")
struct SuitesCommandTests {
  /// A workspace with a synthetic suite, a CIFAR-10 suite whose directory exists and two image
  /// suites whose files do not (the shipped suite files, with paths inside the workspace).
  static func workspace() throws -> URL {
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() }
    let shipped = root.appendingPathComponent("Benchmarks/Suites")
    let directory = try CommandRunner.temporaryDirectory()
    let suites = directory.appendingPathComponent("Benchmarks/Suites")
    try FileManager.default.createDirectory(at: suites, withIntermediateDirectories: true)
    try tinySuite.write(to: suites.appendingPathComponent("synthetic.json"), atomically: true, encoding: .utf8)
    for name in ["cifar10", "ffhq64"] {
      try FileManager.default.copyItem(
        at: shipped.appendingPathComponent("\(name).json"), to: suites.appendingPathComponent("\(name).json"))
    }
    let fashion = try String(contentsOf: shipped.appendingPathComponent("fashion-mnist.json"), encoding: .utf8)
      .replacingOccurrences(of: #""kind": "fashion-mnist","#, with: #""kind": "fashion-mnist", "path": "nowhere/train-images-idx3-ubyte.gz","#)
    try fashion.write(to: suites.appendingPathComponent("fashion.json"), atomically: true, encoding: .utf8)
    let cifar = directory.appendingPathComponent("data/cifar-10-batches-bin")
    try FileManager.default.createDirectory(at: cifar, withIntermediateDirectories: true)
    try Data([0]).write(to: cifar.appendingPathComponent("data_batch_1.bin"))
    return directory
  }

  @Test("text and --json say synthetic, present, or missing with the path and what to install")
  func dataStatus() throws {
    let directory = try Self.workspace()
    defer { try? FileManager.default.removeItem(at: directory) }
    let text = try CommandRunner.run(["suites", "--no-estimate"], currentDirectory: directory)
    #expect(text.exitCode == 0, "\(text.stderr)")
    let blocks = Dictionary(
      uniqueKeysWithValues: text.stdout.components(separatedBy: "\n\n").dropFirst().map {
        (String($0.prefix { $0 != ":" }), $0)
      })
    #expect(blocks["synthetic"]?.contains("\n  data: synthetic") == true, "\(text.stdout)")
    #expect(blocks["cifar10"]?.contains("\n  data: present") == true, "\(text.stdout)")
    #expect(
      blocks["fashion"]?.contains(
        "\n  data: missing — nowhere/train-images-idx3-ubyte.gz (install dataset-fashion-mnist") == true,
      "\(text.stdout)")
    #expect(blocks["ffhq64"]?.contains("data: missing — data/ffhq64.npy (") == true, "\(text.stdout)")
    #expect(blocks["ffhq64"]?.contains("Scripts/prepare-dataset") == true)

    let json = try CommandRunner.run(["suites", "--no-estimate", "--json"], currentDirectory: directory)
    #expect(json.exitCode == 0, "\(json.stderr)")
    let entries = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
    var data: [String: [String: Any]] = [:]
    for entry in entries {
      if let name = entry["name"] as? String, let value = entry["data"] as? [String: Any] { data[name] = value }
    }
    #expect(data["synthetic"]?["status"] as? String == "synthetic")
    #expect(data["cifar10"]?["status"] as? String == "present")
    #expect(data["ffhq64"]?["status"] as? String == "missing")
    let missing = try #require(data["fashion"]?["missing"] as? [[String: Any]])
    #expect(missing.count == 1)
    #expect(missing.first?["problem"] as? String == "fashion14")
    #expect(missing.first?["path"] as? String == "nowhere/train-images-idx3-ubyte.gz")
    #expect((missing.first?["remedy"] as? String)?.contains("dataset-fashion-mnist") == true)
    #expect((data["cifar10"]?["missing"] as? [Any])?.isEmpty == true)

    // An empty CIFAR-10 directory is missing data.
    try FileManager.default.removeItem(at: directory.appendingPathComponent("data/cifar-10-batches-bin/data_batch_1.bin"))
    let empty = try CommandRunner.run(["suites", "--no-estimate"], currentDirectory: directory)
    #expect(empty.stdout.contains("data: missing — data/cifar-10-batches-bin (unpack cifar-10-binary.tar.gz"), "\(empty.stdout)")
  }
}
