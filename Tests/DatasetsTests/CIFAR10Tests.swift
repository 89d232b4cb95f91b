import Datasets
import TestSupport
import Testing

@Suite("CIFAR-10 binary batches")
struct CIFAR10Tests {
  @Test("records decode to NCHW pixels and labels; a directory loads data_batch_* in order")
  func loads() throws {
    let scratch = try Scratch()
    try scratch.write("cifar-10-batches-bin/data_batch_2.bin", cifarRecord(label: 3, seed: 2))
    try scratch.write(
      "cifar-10-batches-bin/data_batch_1.bin",
      cifarRecord(label: 0, seed: 0) + cifarRecord(label: 9, seed: 1))
    try scratch.write("cifar-10-batches-bin/test_batch.bin", cifarRecord(label: 5, seed: 7))
    try scratch.write("cifar-10-batches-bin/batches.meta.txt", Array("airplane\n".utf8))
    let dataset = try ImageDataset.load(path: scratch.path("cifar-10-batches-bin"))
    #expect(dataset.shape == [3, 3, 32, 32])
    #expect(dataset.labels == [0, 9, 3])
    guard case .uint8(let pixels) = dataset.pixels else {
      Issue.record("expected uint8 pixels")
      return
    }
    #expect(Array(pixels[0..<3072]) == Array(cifarRecord(label: 0, seed: 0).dropFirst()))
    #expect(Array(pixels[6144..<9216]) == Array(cifarRecord(label: 3, seed: 2).dropFirst()))
    // Channel-major: the green plane of image 1 starts 1024 bytes into its 3072.
    #expect(pixels[3072 + 1024] == UInt8((1 + 1024) % 256))
    let test = try ImageDataset.load(path: scratch.path("cifar-10-batches-bin/test_batch.bin"))
    #expect(test.labels == [5] && test.count == 1)
    #expect(try DatasetFormat.detect(path: scratch.path("cifar-10-batches-bin")) == .cifar10)
  }

  @Test("a wrong record size, a bad label or an empty directory are errors naming the file")
  func errors() throws {
    let scratch = try Scratch()
    let partial = try scratch.write("partial.bin", cifarRecord(label: 1, seed: 0) + [2, 3, 4])
    expectDatasetError(
      .malformed, path: partial, offset: 3073,
      mentioning: ["wrong CIFAR-10 record size", "3 bytes of an incomplete record"]
    ) {
      _ = try ImageDataset.load(path: partial)
    }
    let label = try scratch.write(
      "label.bin", cifarRecord(label: 1, seed: 0) + cifarRecord(label: 10, seed: 0))
    expectDatasetError(.malformed, path: label, offset: 3073, mentioning: ["label 10 of record 1"])
    {
      _ = try ImageDataset.load(path: label)
    }
    let empty = try scratch.write("empty.bin", [])
    expectDatasetError(.malformed, path: empty, offset: 0, mentioning: ["empty file"]) {
      _ = try ImageDataset.load(path: empty)
    }
    try scratch.write("nothing/readme.txt", [1])
    expectDatasetError(
      .notFound, mentioning: ["no CIFAR-10 .bin batches", "cifar-10-binary.tar.gz"]
    ) {
      _ = try ImageDataset.load(path: scratch.path("nothing"))
    }
  }
}
