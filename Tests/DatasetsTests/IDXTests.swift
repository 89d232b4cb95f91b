import Datasets
import TensorCore
import TestSupport
import Testing

@Suite("IDX (MNIST, Fashion-MNIST)")
struct IDXTests {
  let pixels = (0..<18).map(UInt8.init)

  @Test("raw images with their labels file beside them load as [N, 1, H, W]")
  func rawWithLabels() throws {
    let scratch = try Scratch()
    let images = try scratch.write(
      "train-images-idx3-ubyte", idxFile(shape: [2, 3, 3], data: pixels))
    try scratch.write("train-labels-idx1-ubyte", idxFile(shape: [2], data: [7, 2]))
    let dataset = try ImageDataset.load(path: images)
    #expect(dataset.shape == [2, 1, 3, 3])
    #expect(dataset.pixels == .uint8(pixels))
    #expect(dataset.labels == [7, 2])
    #expect(IDX.labelsPath(forImages: images) == scratch.path("train-labels-idx1-ubyte"))
  }

  @Test(
    "gzip'd files (Python's gzip, and hand-made stored blocks) are detected by magic and inflated")
  func gzip() throws {
    let scratch = try Scratch()
    let images = try scratch.write("t10k-images-idx3-ubyte.gz", Fixtures.idxImagesGzip)
    try scratch.write("t10k-labels-idx1-ubyte.gz", gzipStored(idxFile(shape: [2], data: [0, 9])))
    let dataset = try ImageDataset.load(path: images)
    #expect(dataset.pixels == .uint8(pixels))
    #expect(dataset.labels == [0, 9])
    // A gzip'd file under a raw name is still inflated; an unlabelled set has no labels.
    let renamed = try scratch.write(
      "other-idx3-ubyte", gzipStored(idxFile(shape: [2, 3, 3], data: pixels)))
    let unlabelled = try ImageDataset.load(path: renamed, format: .idx)
    #expect(unlabelled.pixels == .uint8(pixels) && unlabelled.labels == nil)
    // The content hash is sha256 of the decompressed file without its 16-byte header.
    #expect(dataset.contentHash == SHA256.hex(pixels))
  }

  @Test(
    "bad magic, wrong type or rank, size mismatch, label count mismatch are errors with offsets")
  func errors() throws {
    let scratch = try Scratch()
    let magic = try scratch.write(
      "a-idx3-ubyte", [1, 2] + idxFile(shape: [2, 3, 3], data: pixels).dropFirst(2))
    expectDatasetError(
      .malformed, path: magic, offset: 0, mentioning: ["bad IDX magic", "00 00 08 03"]
    ) {
      _ = try ImageDataset.load(path: magic)
    }
    let floats = try scratch.write(
      "b-idx3-ubyte", idxFile(shape: [1, 1, 1], data: [0, 0, 0, 0], type: 0x0d))
    expectDatasetError(.unsupported, path: floats, offset: 2, mentioning: ["0xd", "float32"]) {
      _ = try ImageDataset.load(path: floats)
    }
    let rank = try scratch.write("c-idx3-ubyte", idxFile(shape: [18], data: pixels))
    expectDatasetError(.malformed, path: rank, offset: 3, mentioning: ["3 dimensions", "says 1"]) {
      _ = try ImageDataset.load(path: rank)
    }
    let short = try scratch.write("d-idx3-ubyte", idxFile(shape: [3, 3, 3], data: pixels))
    expectDatasetError(
      .malformed, path: short, offset: 16,
      mentioning: ["IDX size mismatch", "27 bytes", "file has 18"]
    ) {
      _ = try ImageDataset.load(path: short)
    }
    let gzShort = try scratch.write(
      "e-idx3-ubyte.gz", gzipStored(idxFile(shape: [3, 3, 3], data: pixels)))
    expectDatasetError(
      .malformed, path: gzShort, offset: 16,
      mentioning: ["of the decompressed data", "decompressed data has 18"]
    ) {
      _ = try ImageDataset.load(path: gzShort)
    }
    let header = try scratch.write("f-idx3-ubyte", [0, 0, 8, 3, 0, 0])
    expectDatasetError(.malformed, path: header, offset: 4, mentioning: ["truncated"]) {
      _ = try ImageDataset.load(path: header)
    }
    let images = try scratch.write("g-images-idx3-ubyte", idxFile(shape: [2, 3, 3], data: pixels))
    let labels = try scratch.write("g-labels-idx1-ubyte", idxFile(shape: [3], data: [1, 2, 3]))
    expectDatasetError(.malformed, path: labels, mentioning: ["3 labels", "2 images"]) {
      _ = try ImageDataset.load(path: images)
    }
  }

  @Test("corrupt and truncated gzip streams are errors naming the file")
  func badGzip() throws {
    let scratch = try Scratch()
    let good = Fixtures.idxImagesGzip
    let truncated = try scratch.write("t-idx3-ubyte.gz", Array(good.prefix(good.count - 12)))
    expectDatasetError(.malformed, path: truncated, mentioning: ["truncated gzip stream"]) {
      _ = try ImageDataset.load(path: truncated)
    }
    var flipped = good
    flipped[flipped.count - 6] ^= 0x55  // inside the CRC-32 trailer
    let crc = try scratch.write("c-idx3-ubyte.gz", flipped)
    expectDatasetError(
      .malformed, path: crc, mentioning: ["bad gzip data", "incorrect data check"]
    ) {
      _ = try ImageDataset.load(path: crc)
    }
    var method = good
    method[2] = 7  // compression method other than deflate
    let header = try scratch.write("h-idx3-ubyte.gz", method)
    expectDatasetError(
      .malformed, path: header, mentioning: ["bad gzip data", "unknown compression method"]
    ) {
      _ = try ImageDataset.load(path: header)
    }
    let trailing = try scratch.write("j-idx3-ubyte.gz", good + [1, 2, 3])
    expectDatasetError(
      .malformed, path: trailing, offset: good.count, mentioning: ["trailing data"]
    ) {
      _ = try ImageDataset.load(path: trailing)
    }
  }
}
