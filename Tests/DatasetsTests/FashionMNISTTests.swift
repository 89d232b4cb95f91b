import Datasets
import Foundation
import TestSupport
import Testing

/// The real Fashion-MNIST files of the Debian package `dataset-fashion-mnist`.
let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"
let fashionMNISTInstalled = FileManager.default.fileExists(
  atPath: fashionMNISTDirectory + "/train-images-idx3-ubyte.gz")

@Suite("Fashion-MNIST (the installed Debian package)")
struct FashionMNISTTests {
  @Test(
    "train and test sets load with labels: 60000 and 10000 images of [1, 28, 28], balanced classes",
    .enabled(
      if: fashionMNISTInstalled,
      "Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)"
    ))
  func realFiles() throws {
    let train = try ImageDataset.load(path: fashionMNISTDirectory + "/train-images-idx3-ubyte.gz")
    #expect(train.shape == [60000, 1, 28, 28])
    #expect(train.labelHistogram == [Int](repeating: 6000, count: 10))
    let statistics = train.channelStatistics()
    expectClose(statistics.mean[0], 72.94035223214286, relative: 1e-12)
    expectClose(statistics.standardDeviation[0], 90.02118235130524, relative: 1e-12)
    #expect(train.contentHash == "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012")
    let test = try ImageDataset.load(path: fashionMNISTDirectory + "/t10k-images-idx3-ubyte.gz")
    #expect(test.shape == [10000, 1, 28, 28])
    #expect(test.labelHistogram == [Int](repeating: 1000, count: 10))
    let small = try test.subset(classes: [0, 7]).downsampled(to: 14)
    #expect(small.shape == [2000, 1, 14, 14])
  }
}
