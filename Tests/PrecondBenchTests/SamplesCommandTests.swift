import Datasets
import Foundation
import TestSupport
import Testing

/// A tiny image suite: 32 random 8x8 RGB images in an `.npy` file, the exact (empirical)
/// teacher, a small U-Net student from random weights, 20 steps.
let tinyImageSuite = """
  {
    "description": "tiny image suite for samples",
    "problems": [{"name": "pixels", "data": {"kind": "npy", "path": "images.npy", "resolution": 8},
                  "teacher": {"kind": "exact"}}],
    "methods": {"ctm": ["ctm"]},
    "reference": "ctm",
    "student": {"network": {"kind": "unet", "baseWidth": 8, "embeddingFeatures": 8, "conditioningWidth": 16, "groups": 4},
                "initialization": "random", "fit": {"steps": 10, "batchSize": 16, "learningRate": 0.002}},
    "training": {"steps": 20, "batchSize": 8, "gridCount": 6, "learningRate": 0.001, "divergenceFactor": 1e300},
    "statistics": {"lambdaCount": 12, "samplesPerPoint": 64},
    "evaluation": {"every": 10, "nfe": [1, 2], "samples": 16, "referenceSamples": 32, "metrics": ["sw2"]},
    "targets": [{"metric": "sw2", "nfe": 2, "threshold": 0.5}],
    "seeds": [1],
    "checkpointEvery": 10
  }
  """

@Suite("samples: deterministic samples of a kept student", .serialized)
struct SamplesCommandTests {
  /// A workspace where the tiny image suite ran into `results.sqlite` (run 1).
  static func imageWorkspace() throws -> URL {
    let directory = try CommandRunner.temporaryDirectory("samples")
    var pixels = [UInt8]()
    var state: UInt32 = 12345
    for _ in 0..<(32 * 8 * 8 * 3) {
      state = state &* 1_664_525 &+ 1_013_904_223
      pixels.append(UInt8(state >> 24))
    }
    try NumpyArray(shape: [32, 8, 8, 3], elements: .uint8(pixels)).write(to: directory.appendingPathComponent("images.npy").path)
    try tinyImageSuite.write(to: directory.appendingPathComponent("img.json"), atomically: true, encoding: .utf8)
    let run = try CommandRunner.run(["run", "img.json", "--db", "results.sqlite", "--quiet"], currentDirectory: directory)
    #expect(run.exitCode == 0, "\(run.stderr)")
    return directory
  }

  static func bytes(_ url: URL) -> [UInt8] { Array(FileManager.default.contents(atPath: url.path) ?? Data()) }

  @Test("npz, npy and PNG: readable, consistent with each other, bit-identical for 1 and 2 threads and across invocations")
  func images() throws {
    let directory = try Self.imageWorkspace()
    defer { try? FileManager.default.removeItem(at: directory) }
    func samples(_ target: String, _ extra: [String] = [], run: String = "1") throws -> CommandResult {
      try CommandRunner.run(["samples", run, "--nfe", "2", "--count", "300", "--out", target, "--db", "results.sqlite"] + extra,
        currentDirectory: directory)
    }
    for (target, extra) in [("a.npz", ["--threads", "1"]), ("b.npz", ["--threads", "2"]), ("c.npz", [])] {
      let result = try samples(target, extra)
      #expect(result.exitCode == 0, "\(result.stderr)")
      #expect(result.stdout.contains("300 samples of run 1"))
    }
    let a = Self.bytes(directory.appendingPathComponent("a.npz"))
    #expect(!a.isEmpty)
    #expect(a == Self.bytes(directory.appendingPathComponent("b.npz")), "1 and 2 threads differ")
    #expect(a == Self.bytes(directory.appendingPathComponent("c.npz")), "two invocations differ")
    // The cell label names the same (latest completed) run.
    #expect(try samples("label.npz", run: "pixels/ctm/ctm/seed1").exitCode == 0)
    #expect(a == Self.bytes(directory.appendingPathComponent("label.npz")))
    // Another seed, other samples.
    #expect(try samples("seed7.npz", ["--seed", "7"]).exitCode == 0)
    #expect(a != Self.bytes(directory.appendingPathComponent("seed7.npz")))

    // The npz, read back by the package's reader: uint8 NHWC arr_0.
    let archive = try NumpyArchive(contentsOf: directory.appendingPathComponent("a.npz").path)
    #expect(archive.names == ["arr_0"])
    let images = try archive.array(named: "arr_0")
    #expect(images.shape == [300, 8, 8, 3] && images.dtype == .uint8)
    guard case .uint8(let pixels) = images.elements else { Issue.record("arr_0 is not uint8"); return }
    #expect(Set(pixels).count > 10, "the images are flat")

    // The npy: float32 NCHW raw samples whose mapping is the npz.
    #expect(try samples("raw.npy", ["--threads", "2"]).exitCode == 0)
    let raw = try NumpyArray(contentsOf: directory.appendingPathComponent("raw.npy").path)
    #expect(raw.shape == [300, 3, 8, 8] && raw.dtype == .float32)
    let values = raw.floats()
    for (n, c, y, x) in [(0, 0, 0, 0), (1, 2, 3, 1), (299, 1, 7, 5)] {
      let value = values[((n * 3 + c) * 8 + y) * 8 + x]
      let expected = UInt8(min(max((value * 127.5 + 127.5).rounded(), 0), 255))
      #expect(pixels[((n * 8 + y) * 8 + x) * 3 + c] == expected)
    }

    // PNG folders: one file per sample, RGB 8x8, identical for 1 and 2 threads.
    #expect(try samples("png1/", ["--threads", "1"]).exitCode == 0)
    #expect(try samples("png2", ["--threads", "2"]).exitCode == 0)
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("png1").path).sorted()
    #expect(names.count == 300 && names.first == "000000.png" && names.last == "000299.png")
    for name in ["000000.png", "000150.png", "000299.png"] {
      let png = Self.bytes(directory.appendingPathComponent("png1/\(name)"))
      #expect(png == Self.bytes(directory.appendingPathComponent("png2/\(name)")))
      #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
      #expect(String(decoding: png[12..<16], as: UTF8.self) == "IHDR")
      #expect(Array(png[16..<24]) == [0, 0, 0, 8, 0, 0, 0, 8] && png[24] == 8 && png[25] == 2)
    }
    #expect(!(try FileManager.default.contentsOfDirectory(atPath: directory.path)).contains { $0.contains(".tmp-") })
    // Decoded by Pillow (what pytorch-fid uses), the PNGs are the npz's images.
    if ImageProfileTests.pythonAvailable(pillow: true) {
      let script = """
        import numpy as np, PIL.Image as I
        a = np.load('a.npz')['arr_0']
        for i in (0, 150, 299):
            p = np.asarray(I.open('png1/%06d.png' % i))
            assert p.shape == (8, 8, 3) and p.dtype == np.uint8, p.shape
            assert (p == a[i]).all(), i
        """
      let (status, stderr) = try ImageProfileTests.python3(["-c", script], in: directory)
      #expect(status == 0, "\(stderr)")
    }
  }

  @Test("2-D runs write .npy only; bad runs, cells, counts and outputs are usage (64) or input (65) errors naming them")
  func errors() throws {
    let directory = try RunCommandTests.workspace()
    defer { try? FileManager.default.removeItem(at: directory) }
    let run = try CommandRunner.run(["run", "tiny.json", "--db", "r.sqlite", "--quiet"], currentDirectory: directory)
    #expect(run.exitCode == 0, "\(run.stderr)")
    func samples(_ arguments: [String], db: String = "r.sqlite") throws -> CommandResult {
      try CommandRunner.run(["samples"] + arguments + ["--db", db], currentDirectory: directory)
    }
    try FileManager.default.createDirectory(at: directory.appendingPathComponent("dir.npy"), withIntermediateDirectories: true)
    let ok = try samples(["blobs/ctm/analytic/seed1", "--nfe", "1", "--count", "5", "--out", "points.npy"])
    #expect(ok.exitCode == 0, "\(ok.stderr)")
    let points = try NumpyArray(contentsOf: directory.appendingPathComponent("points.npy").path)
    #expect(points.shape == [5, 2] && points.dtype == .float32 && points.floats().allSatisfy(\.isFinite))

    let cases: [([String], Int32, [String])] = [
      (["1", "--nfe", "1", "--count", "5", "--out", "points.npz"], 64, [".npy"]),
      (["1", "--nfe", "1", "--count", "5", "--out", "pngs/"], 64, [".npy"]),
      (["99", "--nfe", "1", "--count", "5", "--out", "x.npy"], 65, ["99"]),
      (["blobs/ctm/ctm/seed9", "--nfe", "1", "--count", "5", "--out", "x.npy"], 65, ["blobs/ctm/ctm/seed9"]),
      (["nonsense", "--nfe", "1", "--count", "5", "--out", "x.npy"], 64, ["nonsense"]),
      (["1", "--nfe", "1", "--count", "0", "--out", "x.npy"], 64, ["--count"]),
      (["1", "--nfe", "0", "--count", "5", "--out", "x.npy"], 64, ["--nfe"]),
      (["1", "--nfe", "1", "--count", "5", "--out", "x.png"], 64, ["x.png"]),
      (["1", "--nfe", "1", "--count", "5", "--out", "/proc/precond-bench/x.npy"], 65, ["/proc/precond-bench/x.npy"]),
      (["1", "--nfe", "1", "--count", "5", "--out", "tiny.json/x.npy"], 65, ["tiny.json/x.npy"]),
      (["1", "--nfe", "1", "--count", "5", "--out", "dir.npy"], 65, ["dir.npy", "is a directory"]),
      (["1", "--nfe", "1", "--count", "5", "--out", "x.npy", "--seed", "-1"], 64, ["--seed"]),
      (["1", "--nfe", "1", "--count", "5", "--out", "x.npy", "--students", "elsewhere"], 65, ["elsewhere/"]),
    ]
    for (arguments, code, names) in cases {
      let result = try samples(arguments)
      #expect(result.exitCode == code, "\(arguments): \(result.stderr)")
      for name in names { #expect(result.stderr.contains(name), "\(arguments): \(result.stderr)") }
    }
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.npy").path))
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("pngs").path))

    // A run that did not complete, and completed runs without a kept student.
    let synthetic = try CommandRunner.run(["synthetic-results", "--db", "s.sqlite", "--scenario", "diverged"], currentDirectory: directory)
    #expect(synthetic.exitCode == 0, "\(synthetic.stderr)")
    let export = try CommandRunner.run(["export", "--db", "s.sqlite"], currentDirectory: directory)
    let object = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any]
    let runs = (object?["runs"] as? [[String: Any]]) ?? []
    let diverged = try #require(runs.first { $0["status"] as? String == "diverged" }?["run"] as? [String: Any])
    let completed = try #require(runs.first { $0["status"] as? String == "completed" }?["run"] as? [String: Any])
    let notCompleted = try samples(["\(diverged["id"] ?? 0)", "--nfe", "1", "--count", "5", "--out", "x.npy"], db: "s.sqlite")
    #expect(notCompleted.exitCode == 65 && notCompleted.stderr.contains("diverged, not completed"), "\(notCompleted.stderr)")
    let noStudent = try samples(["\(completed["id"] ?? 0)", "--nfe", "1", "--count", "5", "--out", "x.npy"], db: "s.sqlite")
    #expect(noStudent.exitCode == 65 && noStudent.stderr.contains("no kept student .precond-bench/students/"), "\(noStudent.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.npy").path))
  }
}
