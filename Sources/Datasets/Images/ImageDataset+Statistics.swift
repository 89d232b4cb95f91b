import TensorCore

/// Per-channel mean and standard deviation of a dataset, in 0-255 pixel units.
public struct ChannelStatistics: Sendable, Equatable, Codable {
  /// The mean of each channel over every image and pixel.
  public let mean: [Double]
  /// The population standard deviation (divisor N) of each channel.
  public let standardDeviation: [Double]
}

extension ImageDataset {
  /// The SHA-256 (lowercase hex) of the decoded pixels in the canonical layout: NCHW, one byte
  /// per uint8 pixel, or the little-endian bytes of each Float32 value.
  ///
  /// Shape and labels are not hashed; combine with `shape` where they matter. For an IDX file
  /// this equals `sha256sum` of the decompressed file without its header
  /// (`zcat F.gz | tail -c +17 | sha256sum`). Computed on every call: keep the result.
  public var contentHash: String {
    var hasher = SHA256()
    switch pixels {
    case .uint8(let values):
      values.withUnsafeBytes { hasher.update($0) }
    case .float32(let values):
      hasher.update(floats: values)
    }
    return SHA256.hexString(hasher.finalize())
  }

  /// The number of images of each class `0...maxLabel`, in class order; `[]` when unlabelled.
  public var labelHistogram: [Int] {
    guard let labels, let largest = labels.max() else { return [] }
    var counts = [Int](repeating: 0, count: largest + 1)
    for label in labels { counts[label] += 1 }
    return counts
  }

  /// Per-channel mean and standard deviation in 0-255 pixel units. Float pixels (model units
  /// `v`) are converted by `127.5 (v + 1)`.
  ///
  /// Accumulated in Double in a fixed order: exact byte histograms for uint8, two passes for
  /// floats.
  public func channelStatistics() -> ChannelStatistics {
    let plane = height * width
    var means = [Double](repeating: 0, count: channels)
    var deviations = [Double](repeating: 0, count: channels)
    let n = Double(count * plane)
    guard count > 0 else {
      return ChannelStatistics(
        mean: means.map { _ in .nan }, standardDeviation: deviations.map { _ in .nan })
    }
    switch pixels {
    case .uint8(let values):
      values.withUnsafeBufferPointer { p in
        for c in 0..<channels {
          var histogram = [Int](repeating: 0, count: 256)
          for image in 0..<count {
            let start = (image * channels + c) * plane
            for i in start..<(start + plane) { histogram[Int(p[i])] += 1 }
          }
          var sum = 0.0
          for (value, k) in histogram.enumerated() { sum += Double(value) * Double(k) }
          let mean = sum / n
          var squares = 0.0
          for (value, k) in histogram.enumerated() {
            let d = Double(value) - mean
            squares += d * d * Double(k)
          }
          means[c] = mean
          deviations[c] = (squares / n).squareRoot()
        }
      }
    case .float32(let values):
      values.withUnsafeBufferPointer { p in
        for c in 0..<channels {
          var sum = 0.0
          for image in 0..<count {
            let start = (image * channels + c) * plane
            for i in start..<(start + plane) { sum += 127.5 * (Double(p[i]) + 1) }
          }
          let mean = sum / n
          var squares = 0.0
          for image in 0..<count {
            let start = (image * channels + c) * plane
            for i in start..<(start + plane) {
              let d = 127.5 * (Double(p[i]) + 1) - mean
              squares += d * d
            }
          }
          means[c] = mean
          deviations[c] = (squares / n).squareRoot()
        }
      }
    }
    return ChannelStatistics(mean: means, standardDeviation: deviations)
  }
}
