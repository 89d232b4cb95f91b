import Datasets
import TensorCore
import TestSupport
import Testing

@Suite("ImageDataset: tensors, transforms, statistics, loading")
struct ImageDatasetTests {
  /// 2 RGB images of 4x4, pixel value `(n * 48 + c * 16 + y * 4 + x) * 5 % 256`, labels 1, 0.
  static func small() -> ImageDataset {
    ImageDataset(
      count: 2, channels: 3, height: 4, width: 4,
      pixels: .uint8((0..<96).map { UInt8($0 * 5 % 256) }), labels: [1, 0])
  }

  @Test("tensor() is [N, C, H, W] with p / 127.5 - 1, rounded once")
  func tensorScaling() {
    let dataset = ImageDataset(
      count: 1, channels: 1, height: 1, width: 4, pixels: .uint8([0, 127, 128, 255]), labels: nil)
    let tensor = dataset.tensor()
    #expect(tensor.shape == [1, 1, 1, 4])
    #expect(tensor.scalars == [-1, Float(127 / 127.5 - 1.0), Float(128 / 127.5 - 1.0), 1])
    let part = ImageDatasetTests.small().tensor(images: 1..<2)
    #expect(
      part.shape == [1, 3, 4, 4] && part.scalars[0] == Float(Double(48 * 5 % 256) / 127.5 - 1))
    let floats = ImageDataset(
      count: 1, channels: 1, height: 1, width: 2, pixels: .float32([0.25, -3]), labels: nil)
    #expect(floats.tensor().scalars == [0.25, -3])
  }

  @Test(
    "area-average downsampling: integer rounding for uint8, matches 2x2 average pooling for floats")
  func downsampling() throws {
    let small = ImageDatasetTests.small()
    let half = try small.downsampled(to: 2)
    #expect(half.shape == [2, 3, 2, 2] && half.labels == [1, 0])
    guard case .uint8(let source) = small.pixels, case .uint8(let result) = half.pixels else {
      Issue.record("expected uint8 pixels")
      return
    }
    for plane in 0..<6 {
      for i in 0..<2 {
        for j in 0..<2 {
          var sum = 0
          for y in (2 * i)..<(2 * i + 2) {
            for x in (2 * j)..<(2 * j + 2) { sum += Int(source[plane * 16 + y * 4 + x]) }
          }
          #expect(result[plane * 4 + i * 2 + j] == UInt8((sum + 2) / 4))
        }
      }
    }
    let whole = try small.downsampled(toHeight: 1, width: 2)
    #expect(whole.shape == [2, 3, 1, 2])
    let tensor = randomTensor([3, 2, 8, 8], seed: 11)
    let floats = ImageDataset(
      count: 3, channels: 2, height: 8, width: 8, pixels: .float32(tensor.scalars), labels: nil)
    expectClose(
      try floats.downsampled(to: 4).tensor(), Resampling.averagePool2x2(tensor), relative: 1e-6,
      absolute: 1e-7)
    // Thread count does not change the result.
    let one = try ComputeThreads.withCount(1) { try floats.downsampled(to: 2) }
    let two = try ComputeThreads.withCount(2) { try floats.downsampled(to: 2) }
    #expect(one == two)
    expectDatasetError(.invalidRequest, mentioning: ["4x4", "to 3x3", "must divide"]) {
      _ = try small.downsampled(to: 3)
    }
  }

  @Test("subset(classes:) keeps order and labels; unlabelled sets and absent classes are errors")
  func subset() throws {
    let pixels = (0..<6).map(UInt8.init)
    let dataset = ImageDataset(
      count: 6, channels: 1, height: 1, width: 1, pixels: .uint8(pixels),
      labels: [2, 0, 1, 2, 0, 2])
    let picked = try dataset.subset(classes: [2, 0])
    #expect(picked.pixels == .uint8([0, 1, 3, 4, 5]))
    #expect(picked.labels == [2, 0, 2, 0, 2])
    #expect(picked.labelHistogram == [2, 0, 3])
    expectDatasetError(.invalidRequest, mentioning: ["class 7 has no images", "0, 1, 2"]) {
      _ = try dataset.subset(classes: [0, 7])
    }
    let unlabelled = ImageDataset(
      count: 1, channels: 1, height: 1, width: 1, pixels: .uint8([0]), labels: nil)
    expectDatasetError(.invalidRequest, mentioning: ["no labels"]) {
      _ = try unlabelled.subset(classes: [0])
    }
  }

  @Test("contentHash is SHA-256 of the NCHW bytes (or little-endian floats); statistics are exact")
  func hashAndStatistics() {
    let small = ImageDatasetTests.small()
    guard case .uint8(let bytes) = small.pixels else { return }
    #expect(small.contentHash == SHA256.hex(bytes))
    var changed = bytes
    changed[95] ^= 1
    let other = ImageDataset(
      count: 2, channels: 3, height: 4, width: 4, pixels: .uint8(changed), labels: nil)
    #expect(other.contentHash != small.contentHash)
    let floats = ImageDataset(
      count: 1, channels: 1, height: 1, width: 2, pixels: .float32([1, -1]), labels: nil)
    #expect(floats.contentHash == SHA256.hex([0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xbf]))

    let two = ImageDataset(
      count: 2, channels: 2, height: 1, width: 2,
      pixels: .uint8([0, 10, 100, 100, 20, 30, 100, 100]), labels: [3, 3])
    let statistics = two.channelStatistics()
    #expect(statistics.mean == [15, 100])
    expectClose(statistics.standardDeviation[0], (125.0 / 1).squareRoot())
    #expect(statistics.standardDeviation[1] == 0)
    #expect(two.labelHistogram == [0, 0, 0, 2])
    let model = floats.channelStatistics()
    #expect(model.mean == [127.5] && model.standardDeviation == [127.5])
  }

  @Test(
    "npy images: NHWC is transposed to NCHW, labels come from NAME.labels.npy, write reads back")
  func numpyImages() throws {
    let scratch = try Scratch()
    let path = try scratch.write("images.npy", Fixtures.npyUInt8NHWC)
    let dataset = try ImageDataset.load(path: path)
    #expect(dataset.shape == [2, 3, 2, 2] && dataset.labels == nil)
    // NHWC value at (n, y, x, c) is n*12 + y*6 + x*3 + c; NCHW puts channel planes first.
    #expect(
      dataset.pixels
        == .uint8([
          0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11, 12, 15, 18, 21, 13, 16, 19, 22, 14, 17, 20, 23,
        ]))
    try NumpyArray(shape: [2], elements: .int64([4, 1])).write(
      to: scratch.path("images.labels.npy"))
    #expect(try ImageDataset.load(path: path).labels == [4, 1])
    let small = ImageDatasetTests.small()
    try NumpyImages.write(small, to: scratch.path("small.npy"))
    #expect(try ImageDataset.load(path: scratch.path("small.npy")) == small)
    let features = try scratch.write("features.npy", Fixtures.npyFloat32)
    let vectors = try ImageDataset.load(path: features)
    #expect(
      vectors.shape == [2, 3, 1, 1] && vectors.pixels == .float32([-1, -0.5, 0, 0.5, 1, 1.5]))
    let labelsOnly = try scratch.write("labels.npy", Fixtures.npyInt64)
    expectDatasetError(.unsupported, path: labelsOnly, mentioning: ["rank-1 array"]) {
      _ = try ImageDataset.load(path: labelsOnly)
    }
    try NumpyArray(shape: [3], elements: .int64([0, 1, 2])).write(
      to: scratch.path("images.labels.npy"))
    expectDatasetError(
      .malformed, path: scratch.path("images.labels.npy"), mentioning: ["3 labels for 2 images"]
    ) {
      _ = try ImageDataset.load(path: path)
    }
  }

  @Test("format detection from names and magic bytes; missing data says where to put it")
  func detectionAndMissingData() throws {
    let scratch = try Scratch()
    #expect(try DatasetFormat.detect(path: "/x/data_batch_1.bin") == .cifar10)
    #expect(try DatasetFormat.detect(path: "/x/train-images-idx3-ubyte.gz") == .idx)
    #expect(try DatasetFormat.detect(path: "/x/train-images.idx3-ubyte") == .idx)
    #expect(try DatasetFormat.detect(path: "/x/ffhq64.npy") == .npy)
    let npy = try scratch.write("mystery1", Fixtures.npyFloat32)
    let gz = try scratch.write("mystery2", Fixtures.idxImagesGzip)
    let text = try scratch.write("mystery3", Array("hello".utf8))
    #expect(try DatasetFormat.detect(path: npy) == .npy)
    #expect(try DatasetFormat.detect(path: gz) == .idx)
    expectDatasetError(.invalidRequest, path: text, mentioning: ["--format cifar10|idx|npy"]) {
      _ = try DatasetFormat.detect(path: text)
    }
    let missingNpy = scratch.path("ffhq64.npy")
    expectDatasetError(
      .notFound, path: missingNpy, mentioning: ["no such file", "Scripts/prepare-dataset ffhq"]
    ) {
      _ = try ImageDataset.load(path: missingNpy)
    }
    let missingIDX = scratch.path("train-images-idx3-ubyte.gz")
    expectDatasetError(
      .notFound, path: missingIDX,
      mentioning: ["dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist/"]
    ) {
      _ = try ImageDataset.load(path: missingIDX)
    }
    expectDatasetError(.notFound, mentioning: ["cifar-10-batches-bin", "Scripts/prepare-dataset"]) {
      _ = try ImageDataset.load(path: scratch.path("no-such-thing"))
    }
  }
}
