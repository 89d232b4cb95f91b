/// Image datasets stored as `.npy` arrays, as `Scripts/prepare-dataset` writes them.
///
/// Accepted arrays (uint8 pixels 0...255; float32 or float64 values in model units, float64
/// rounded to Float32):
/// - rank 4 `[N, H, W, C]` (NHWC, the layout of PIL, EDM's dataset_tool and the converter),
/// - rank 3 `[N, H, W]` (grayscale),
/// - rank 2 `[N, D]` (vectors, loaded as `[N, D, 1, 1]`).
///
/// Labels live beside the images in `NAME.labels.npy` (one integer per image, rank 1) and are
/// read when present.
public enum NumpyImages {
  /// Converts an array to a dataset (NHWC is transposed to NCHW).
  ///
  /// - Throws: `DatasetError.unsupported` naming `path` for other ranks or integer types.
  public static func dataset(from array: NumpyArray, labels: [Int]? = nil, path: String) throws
    -> ImageDataset
  {
    let s = array.shape
    let (count, height, width, channels): (Int, Int, Int, Int)
    switch s.count {
    case 4: (count, height, width, channels) = (s[0], s[1], s[2], s[3])
    case 3: (count, height, width, channels) = (s[0], s[1], s[2], 1)
    case 2: (count, height, width, channels) = (s[0], 1, 1, s[1])
    default:
      throw DatasetError.unsupported(
        path,
        "a rank-\(s.count) array of shape \(s) is not an image set: expected [N, H, W, C] "
          + "(NHWC), [N, H, W] or [N, D]")
    }
    guard channels >= 1, height >= 1, width >= 1 else {
      throw DatasetError.unsupported(path, "array of shape \(s) has an empty image dimension")
    }
    if let labels, labels.count != count || labels.contains(where: { $0 < 0 }) {
      throw DatasetError.malformed(
        labelsPath(forImages: path),
        "has \(labels.count) labels for \(count) images in \(path) (labels must be >= 0)")
    }
    let pixels: ImageDataset.Pixels
    switch array.elements {
    case .uint8(let v):
      pixels = .uint8(toChannelMajor(v, count: count, plane: height * width, channels: channels))
    case .float32(let v):
      pixels = .float32(toChannelMajor(v, count: count, plane: height * width, channels: channels))
    case .float64(let v):
      pixels = .float32(
        toChannelMajor(v.map { Float($0) }, count: count, plane: height * width, channels: channels)
      )
    case .int32, .int64:
      throw DatasetError.unsupported(
        path,
        "image arrays must be uint8 (pixels) or float32/float64 (model units), not \(array.dtype.rawValue)"
      )
    }
    return ImageDataset(
      count: count, channels: channels, height: height, width: width, pixels: pixels, labels: labels
    )
  }

  /// Loads `path` and, when it exists, `labelsPath(forImages: path)`.
  public static func load(_ path: String) throws -> ImageDataset {
    guard FileIO.kind(of: path).exists else {
      throw DatasetError.notFound(path, hint: DatasetFormat.npy.missingHint)
    }
    let array = try NumpyArray(contentsOf: path)
    let labelsFile = labelsPath(forImages: path)
    var labels: [Int]? = nil
    if FileIO.kind(of: labelsFile) == (true, false) {
      let labelArray = try NumpyArray(contentsOf: labelsFile)
      guard labelArray.shape.count == 1, let values = labelArray.integers() else {
        throw DatasetError.unsupported(
          labelsFile,
          "labels must be a rank-1 integer array, got \(labelArray.dtype.rawValue) \(labelArray.shape)"
        )
      }
      labels = values
    }
    return try dataset(from: array, labels: labels, path: path)
  }

  /// `NAME.labels.npy` for `NAME.npy`.
  public static func labelsPath(forImages path: String) -> String {
    (path.hasSuffix(".npy") ? String(path.dropLast(4)) : path) + ".labels.npy"
  }

  /// The dataset as the array `load` reads back: uint8 or float32 `[N, H, W, C]`.
  public static func array(from dataset: ImageDataset) -> NumpyArray {
    let (n, c, plane) = (dataset.count, dataset.channels, dataset.height * dataset.width)
    let shape = [n, dataset.height, dataset.width, c]
    switch dataset.pixels {
    case .uint8(let v):
      return NumpyArray(
        shape: shape, elements: .uint8(toChannelLast(v, count: n, plane: plane, channels: c)))
    case .float32(let v):
      return NumpyArray(
        shape: shape, elements: .float32(toChannelLast(v, count: n, plane: plane, channels: c)))
    }
  }

  /// Writes the dataset to `path` (NHWC) and its labels, if any, to `NAME.labels.npy` (int64).
  public static func write(_ dataset: ImageDataset, to path: String) throws {
    try array(from: dataset).write(to: path)
    if let labels = dataset.labels {
      try NumpyArray(shape: [labels.count], elements: .int64(labels.map { Int64($0) }))
        .write(to: labelsPath(forImages: path))
    }
  }

  /// `[N, plane, C]` -> `[N, C, plane]`.
  static func toChannelMajor<T>(_ values: [T], count: Int, plane: Int, channels: Int) -> [T] {
    if channels == 1 || plane == 1 { return values }
    var out = values
    for n in 0..<count {
      let base = n * plane * channels
      for p in 0..<plane {
        for c in 0..<channels { out[base + c * plane + p] = values[base + p * channels + c] }
      }
    }
    return out
  }

  /// `[N, C, plane]` -> `[N, plane, C]`.
  static func toChannelLast<T>(_ values: [T], count: Int, plane: Int, channels: Int) -> [T] {
    if channels == 1 || plane == 1 { return values }
    var out = values
    for n in 0..<count {
      let base = n * plane * channels
      for p in 0..<plane {
        for c in 0..<channels { out[base + p * channels + c] = values[base + c * plane + p] }
      }
    }
    return out
  }
}
