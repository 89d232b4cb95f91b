import Datasets
import Foundation
import TestSupport
import Testing

@Suite("DatasetCache: downsampled versions on disk, keyed by content")
struct DatasetCacheTests {
  @Test(
    "first call computes and stores, second reads the file; other sizes and contents get other keys"
  )
  func caching() throws {
    let scratch = try Scratch()
    let cache = DatasetCache(directory: scratch.path("cache"))
    let dataset = ImageDatasetTests.small()
    let path = cache.cachePath(for: dataset, height: 2, width: 2)
    #expect(path.hasPrefix(scratch.path("cache") + "/") && path.hasSuffix(".npy"))
    #expect(!FileManager.default.fileExists(atPath: path))
    let first = try cache.downsampled(dataset, to: 2)
    #expect(first == (try dataset.downsampled(to: 2)))
    #expect(FileManager.default.fileExists(atPath: path))
    #expect(FileManager.default.fileExists(atPath: String(path.dropLast(4)) + ".labels.npy"))
    // Replace the cached pixels: a second call must return the file's content, not recompute.
    var marked = NumpyImages.array(from: first)
    if case .uint8(var v) = marked.elements {
      v[0] = 201
      marked = NumpyArray(shape: marked.shape, elements: .uint8(v))
    }
    try marked.write(to: path)
    let second = try cache.downsampled(dataset, to: 2)
    #expect(second.tensor(images: 0..<1).scalars[0] == Float(201 / 127.5 - 1.0))
    // A corrupt cache file is recomputed and overwritten.
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
    #expect(try cache.downsampled(dataset, to: 2) == first)
    #expect(try NumpyArray(contentsOf: path).shape == [2, 2, 2, 3])
    #expect(cache.cachePath(for: dataset, height: 1, width: 1) != path)
    let other = try dataset.subset(classes: [0])
    #expect(cache.cachePath(for: other, height: 2, width: 2) != path)
    #expect(DatasetCache().directory == ".precond-bench/cache")
  }
}
