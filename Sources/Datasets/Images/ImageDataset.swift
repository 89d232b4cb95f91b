import TensorCore

/// A decoded image dataset: `count` images of `channels x height x width`, optional integer
/// labels, and the pixels in one canonical layout.
///
/// **Layout.** Pixels are stored channel-major, NCHW: index
/// `((n * channels + c) * height + y) * width + x`, whatever the file stored (CIFAR-10 is
/// already NCHW, IDX is N x 1 x H x W, `.npy` images are NHWC and are transposed on load).
/// `shape` is `[count, channels, height, width]`.
///
/// **Values.** `uint8` pixels are 0...255 and map to model units by `p / 127.5 - 1`. `float32`
/// pixels are already in model units ([-1, 1] for images) and pass through unchanged.
public struct ImageDataset: Sendable, Equatable {
  /// The stored pixel values, NCHW.
  public enum Pixels: Sendable, Equatable {
    /// 8-bit pixels, 0...255.
    case uint8([UInt8])
    /// Values already in model units.
    case float32([Float])

    /// The number of values.
    public var count: Int {
      switch self {
      case .uint8(let v): v.count
      case .float32(let v): v.count
      }
    }
  }

  /// Number of images.
  public let count: Int
  /// Channels per image (1 for grayscale, 3 for RGB).
  public let channels: Int
  /// Image height in pixels.
  public let height: Int
  /// Image width in pixels.
  public let width: Int
  /// The pixels, NCHW.
  public let pixels: Pixels
  /// One class label (>= 0) per image, or nil for an unlabelled dataset.
  public let labels: [Int]?

  /// Creates a dataset; the pixel and label counts must match the shape.
  public init(count: Int, channels: Int, height: Int, width: Int, pixels: Pixels, labels: [Int]?) {
    precondition(
      count >= 0 && channels >= 1 && height >= 1 && width >= 1
        && pixels.count == count * channels * height * width,
      "ImageDataset: shape [\(count), \(channels), \(height), \(width)] needs "
        + "\(count * channels * height * width) pixel values, got \(pixels.count)")
    precondition(
      labels.map { $0.count == count && $0.allSatisfy { $0 >= 0 } } ?? true,
      "ImageDataset: \(labels?.count ?? 0) labels for \(count) images (labels must be >= 0)")
    self.count = count
    self.channels = channels
    self.height = height
    self.width = width
    self.pixels = pixels
    self.labels = labels
  }

  /// `[count, channels, height, width]`.
  public var shape: [Int] { [count, channels, height, width] }

  /// Values per image: `channels * height * width`.
  public var valuesPerImage: Int { channels * height * width }

  /// All images as a tensor in model units.
  ///
  /// - Returns: `[count, channels, height, width]`; uint8 pixels become `p / 127.5 - 1`
  ///   (computed in Double, rounded once), float pixels are copied.
  public func tensor() -> Tensor { tensor(images: 0..<count) }

  /// Images `range` as a tensor in model units: `[range.count, channels, height, width]`.
  public func tensor(images range: Range<Int>) -> Tensor {
    precondition(
      range.lowerBound >= 0 && range.upperBound <= count,
      "ImageDataset.tensor: images \(range) out of bounds for \(count) images")
    let inner = valuesPerImage
    let lower = range.lowerBound * inner
    let upper = range.upperBound * inner
    switch pixels {
    case .uint8(let values):
      let table = ImageDataset.modelUnits
      return Tensor(shape: [range.count, channels, height, width]) { out in
        values.withUnsafeBufferPointer { p in
          for i in lower..<upper { out[i - lower] = table[Int(p[i])] }
        }
      }
    case .float32(let values):
      return Tensor(
        shape: [range.count, channels, height, width], scalars: Array(values[lower..<upper]))
    }
  }

  /// `p / 127.5 - 1` for every byte value, computed in Double and rounded once.
  static let modelUnits: [Float] = (0..<256).map { Float(Double($0) / 127.5 - 1) }

  /// The same dataset restricted to images `range` (labels follow).
  public func images(_ range: Range<Int>) -> ImageDataset {
    precondition(
      range.lowerBound >= 0 && range.upperBound <= count,
      "ImageDataset.images: range \(range) out of bounds for \(count) images")
    let inner = valuesPerImage
    let slice = (range.lowerBound * inner)..<(range.upperBound * inner)
    let newPixels: Pixels
    switch pixels {
    case .uint8(let v): newPixels = .uint8(Array(v[slice]))
    case .float32(let v): newPixels = .float32(Array(v[slice]))
    }
    return ImageDataset(
      count: range.count, channels: channels, height: height, width: width, pixels: newPixels,
      labels: labels.map { Array($0[range]) })
  }
}
