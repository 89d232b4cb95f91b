import Foundation
import TestSupport
import Testing

@Suite("precond-bench dataset info")
struct DatasetInfoCommandTests {
  /// Two CIFAR-10 records: labels 3 and 1, every pixel of record r equal to 10 + r (channel 0),
  /// 20 + r (channel 1), 30 + r (channel 2).
  static func cifarBytes() -> [UInt8] {
    var bytes: [UInt8] = []
    for (r, label) in [(0, 3), (1, 1)] {
      bytes.append(UInt8(label))
      for c in 0..<3 { bytes += [UInt8](repeating: UInt8(10 * (c + 1) + r), count: 1024) }
    }
    return bytes
  }

  static func write(_ bytes: [UInt8], _ name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  @Test("--json prints exactly count, shape, labels, mean, std, sha256")
  func json() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try Self.write(Self.cifarBytes(), "data_batch_1.bin", in: directory)
    let result = try CommandRunner.run(["dataset", "info", path, "--json"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(
      Set(object?.keys.map { $0 } ?? []) == ["count", "shape", "labels", "mean", "std", "sha256"])
    #expect(object?["count"] as? Int == 2)
    #expect(object?["shape"] as? [Int] == [2, 3, 32, 32])
    #expect(object?["labels"] as? [Int] == [0, 1, 0, 1])
    #expect(object?["mean"] as? [Double] == [10.5, 20.5, 30.5])
    #expect(object?["std"] as? [Double] == [0.5, 0.5, 0.5])
    let sha = object?["sha256"] as? String ?? ""
    #expect(sha.count == 64 && sha.allSatisfy { $0.isHexDigit })
    // The directory form and an explicit --format give the same answer.
    let again = try CommandRunner.run([
      "dataset", "info", directory.path, "--format", "cifar10", "--json",
    ])
    #expect(again.exitCode == 0 && again.stdout == result.stdout)
  }

  @Test("human output states units and layout")
  func human() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try Self.write(Self.cifarBytes(), "batch.bin", in: directory)
    let result = try CommandRunner.run(["dataset", "info", path])
    #expect(result.exitCode == 0)
    #expect(result.stdout.contains("count:   2 images"))
    #expect(result.stdout.contains("[2, 3, 32, 32] (N, C, H, W"))
    #expect(result.stdout.contains("0-255 pixel units"))
    #expect(result.stdout.contains("0: 0, 1: 1, 2: 0, 3: 1"))
    #expect(result.stdout.contains("sha256:"))
  }

  @Test("malformed or truncated files exit 65 naming the file and the byte offset")
  func malformed() throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let truncated = try Self.write(
      Array(Self.cifarBytes().dropLast(5)), "data_batch_1.bin", in: directory)
    let cifar = try CommandRunner.run(["dataset", "info", truncated])
    #expect(cifar.exitCode == 65)
    #expect(cifar.stderr.contains(truncated) && cifar.stderr.contains("at byte 3073"))
    #expect(cifar.stderr.contains("wrong CIFAR-10 record size"))
    let idx = try Self.write(
      [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3], "x-images-idx3-ubyte",
      in: directory)
    let size = try CommandRunner.run(["dataset", "info", idx, "--json"])
    #expect(size.exitCode == 65)
    #expect(
      size.stderr.contains(idx) && size.stderr.contains("at byte 16")
        && size.stderr.contains("IDX size mismatch"))
    #expect(size.stdout.isEmpty)
    let npy = try Self.write(
      [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 4, 0] + Array("{}  ".utf8), "bad.npy",
      in: directory)
    let header = try CommandRunner.run(["dataset", "info", npy])
    #expect(
      header.exitCode == 65 && header.stderr.contains("bad npy header")
        && header.stderr.contains(npy))
    for (name, descr, order, expected) in [
      ("complex.npy", "<c8", "False", "unsupported npy dtype '<c8'"),
      ("fortran.npy", "|u1", "True", "fortran_order True"),
    ] {
      var text = Array(
        "{'descr': '\(descr)', 'fortran_order': \(order), 'shape': (1, 2, 2), }".utf8)
      while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
      text.append(0x0a)
      let file = try Self.write(
        [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, UInt8(text.count), 0] + text
          + [UInt8](repeating: 0, count: 32), name, in: directory)
      let result = try CommandRunner.run(["dataset", "info", file])
      #expect(
        result.exitCode == 65 && result.stderr.contains(expected) && result.stderr.contains(file))
    }
    let gzip = try Self.write(
      [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff], "bad-images-idx3-ubyte.gz",
      in: directory)
    let badGzip = try CommandRunner.run(["dataset", "info", gzip])
    #expect(badGzip.exitCode == 65 && badGzip.stderr.contains("bad gzip data"))
    #expect(badGzip.stderr.contains(gzip))
  }

  @Test("a missing dataset exits 65 and says where to put it and which script converts it")
  func missing() throws {
    let npy = try CommandRunner.run(["dataset", "info", "/nonexistent/ffhq64.npy"])
    #expect(npy.exitCode == 65)
    #expect(npy.stderr.contains("/nonexistent/ffhq64.npy") && npy.stderr.contains("no such file"))
    #expect(npy.stderr.contains("Scripts/prepare-dataset"))
    let idx = try CommandRunner.run(["dataset", "info", "/nonexistent/train-images-idx3-ubyte.gz"])
    #expect(idx.exitCode == 65 && idx.stderr.contains("dataset-fashion-mnist"))
  }

  @Test("usage errors exit 64: unknown --format lists the valid ones, no PATH, --help exits 0")
  func usage() throws {
    let format = try CommandRunner.run(["dataset", "info", "x.bin", "--format", "png"])
    #expect(format.exitCode == 64 && format.stderr.contains("cifar10, idx, npy"))
    let none = try CommandRunner.run(["dataset", "info"])
    #expect(none.exitCode == 64)
    let help = try CommandRunner.run(["dataset", "info", "--help"])
    #expect(help.exitCode == 0 && help.stdout.contains("--format") && help.stdout.contains("NCHW"))
    let group = try CommandRunner.run(["dataset"])
    #expect(group.exitCode == 64 && group.stderr.contains("dataset info"))
  }

  @Test(
    "the real Fashion-MNIST training images: 60000 x [1, 28, 28], 6000 per class",
    .enabled(
      if: FileManager.default.fileExists(
        atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
      "Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)"
    ))
  func fashionMNIST() throws {
    let result = try CommandRunner.run(
      ["dataset", "info", "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "--json"])
    #expect(result.exitCode == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(object?["count"] as? Int == 60000)
    #expect(object?["shape"] as? [Int] == [60000, 1, 28, 28])
    #expect(object?["labels"] as? [Int] == [Int](repeating: 6000, count: 10))
    #expect(
      object?["sha256"] as? String
        == "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012")
  }
}
