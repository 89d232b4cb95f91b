import TensorCore

/// An on-disk cache of downsampled datasets, keyed by content.
///
/// A downsampled dataset is stored as `DIRECTORY/KEY.npy` (NHWC, as `NumpyImages` writes it)
/// with `KEY.labels.npy` beside it, where `KEY` is the SHA-256 of the source's content hash,
/// its shape, its pixel type, whether it has labels, the target size and the algorithm version.
/// So a changed source, size or algorithm never reuses a stale file. An unreadable or
/// mismatching cache file is recomputed and overwritten: the cache holds derived data only.
public struct DatasetCache: Sendable {
  /// The default cache directory, relative to the working directory.
  public static let defaultDirectory = ".precond-bench/cache"
  /// Bumped whenever `downsampled(toHeight:width:)` changes its output.
  static let algorithmVersion = 1

  /// Where the cache files live.
  public let directory: String

  /// A cache in `directory` (created on first write).
  public init(directory: String = DatasetCache.defaultDirectory) {
    self.directory = directory
  }

  /// `dataset.downsampled(to: size)`, from the cache when present.
  public func downsampled(_ dataset: ImageDataset, to size: Int) throws -> ImageDataset {
    try downsampled(dataset, toHeight: size, width: size)
  }

  /// `dataset.downsampled(toHeight:width:)`, read from the cache when present, otherwise
  /// computed and stored.
  ///
  /// - Throws: what `downsampled(toHeight:width:)` throws, or `DatasetError.unwritable` when the
  ///   cache directory cannot be written.
  public func downsampled(_ dataset: ImageDataset, toHeight height: Int, width: Int) throws
    -> ImageDataset
  {
    if height == dataset.height && width == dataset.width { return dataset }
    let path = cachePath(for: dataset, height: height, width: width)
    if FileIO.kind(of: path) == (true, false),
      let cached = try? NumpyImages.load(path),
      cached.shape == [dataset.count, dataset.channels, height, width],
      (cached.labels == nil) == (dataset.labels == nil),
      cached.pixels.isUInt8 == dataset.pixels.isUInt8
    {
      return cached
    }
    let result = try dataset.downsampled(toHeight: height, width: width)
    try NumpyImages.write(result, to: path)
    return result
  }

  /// The file a downsampled version of `dataset` is cached in.
  public func cachePath(for dataset: ImageDataset, height: Int, width: Int) -> String {
    var hasher = SHA256()
    hasher.update(
      string:
        "precond-bench area-average v\(DatasetCache.algorithmVersion) source \(dataset.contentHash) "
        + "shape \(dataset.shape) \(dataset.pixels.isUInt8 ? "uint8" : "float32") "
        + "labels \(dataset.labels.map(DatasetCache.labelsHash) ?? "none") "
        + "to \(height)x\(width)")
    return FileIO.join(directory, SHA256.hexString(hasher.finalize()) + ".npy")
  }

  /// SHA-256 of the labels as little-endian Int64s.
  static func labelsHash(_ labels: [Int]) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(labels.count * 8)
    for label in labels { appendLittleEndian(UInt64(bitPattern: Int64(label)), to: &bytes) }
    return SHA256.hex(bytes)
  }
}

extension ImageDataset.Pixels {
  /// Whether the pixels are 8-bit.
  var isUInt8: Bool {
    switch self {
    case .uint8: true
    case .float32: false
    }
  }
}
