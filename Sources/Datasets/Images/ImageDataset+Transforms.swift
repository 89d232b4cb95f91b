import TensorCore

extension ImageDataset {
  /// Area-average (box filter) downsampling to `size x size` images.
  ///
  /// See `downsampled(toHeight:width:)`.
  public func downsampled(to size: Int) throws -> ImageDataset {
    try downsampled(toHeight: size, width: size)
  }

  /// Area-average (box filter) downsampling by integer factors `fy = height / newHeight`,
  /// `fx = width / newWidth`: each output pixel is the mean of its `fy x fx` block,
  /// `y[n, c, i, j] = mean of x[n, c, fy i ..< fy (i+1), fx j ..< fx (j+1)]`.
  ///
  /// uint8 pixels are rounded to the nearest integer, ties upward
  /// (`(sum + fy fx / 2) / (fy fx)` in integers, as `Scripts/prepare-dataset` does), so the
  /// result is again an 8-bit image; float pixels are averaged in Double and rounded once.
  /// Deterministic for any thread count (each image is computed by one task).
  ///
  /// - Throws: `DatasetError.invalidRequest` when a target extent is not positive or does not
  ///   divide the current one.
  public func downsampled(toHeight newHeight: Int, width newWidth: Int) throws -> ImageDataset {
    guard newHeight >= 1, newWidth >= 1, height % newHeight == 0, width % newWidth == 0 else {
      throw DatasetError.invalidRequest(
        "cannot area-average \(height)x\(width) images to \(newHeight)x\(newWidth): "
          + "the target size must divide the image size")
    }
    let (fy, fx) = (height / newHeight, width / newWidth)
    if fy == 1 && fx == 1 { return self }
    let planes = count * channels
    let inPlane = height * width
    let outPlane = newHeight * newWidth
    let width = self.width
    let imagesPerTask = max(1, 4096 / max(channels, 1))
    let tasks = (count + imagesPerTask - 1) / imagesPerTask
    let newPixels: Pixels
    switch pixels {
    case .uint8(let values):
      let area = fy * fx
      var out = [UInt8](repeating: 0, count: planes * outPlane)
      values.withUnsafeBufferPointer { source in
        out.withUnsafeMutableBufferPointer { target in
          let shared = UncheckedSendable(target)
          ComputeThreads.forEachTask(tasks) { task in
            let first = task * imagesPerTask * channels
            let last = min(planes, first + imagesPerTask * channels)
            for plane in first..<last {
              for i in 0..<newHeight {
                for j in 0..<newWidth {
                  var sum = 0
                  for y in (fy * i)..<(fy * (i + 1)) {
                    let row = plane * inPlane + y * width
                    for x in (fx * j)..<(fx * (j + 1)) { sum += Int(source[row + x]) }
                  }
                  shared.value[plane * outPlane + i * newWidth + j] = UInt8((sum + area / 2) / area)
                }
              }
            }
          }
        }
      }
      newPixels = .uint8(out)
    case .float32(let values):
      let area = Double(fy * fx)
      var out = [Float](repeating: 0, count: planes * outPlane)
      values.withUnsafeBufferPointer { source in
        out.withUnsafeMutableBufferPointer { target in
          let shared = UncheckedSendable(target)
          ComputeThreads.forEachTask(tasks) { task in
            let first = task * imagesPerTask * channels
            let last = min(planes, first + imagesPerTask * channels)
            for plane in first..<last {
              for i in 0..<newHeight {
                for j in 0..<newWidth {
                  var sum = 0.0
                  for y in (fy * i)..<(fy * (i + 1)) {
                    let row = plane * inPlane + y * width
                    for x in (fx * j)..<(fx * (j + 1)) { sum += Double(source[row + x]) }
                  }
                  shared.value[plane * outPlane + i * newWidth + j] = Float(sum / area)
                }
              }
            }
          }
        }
      }
      newPixels = .float32(out)
    }
    return ImageDataset(
      count: count, channels: channels, height: newHeight, width: newWidth, pixels: newPixels,
      labels: labels)
  }

  /// The images whose label is one of `classes`, in their original order, with their original
  /// labels.
  ///
  /// - Throws: `DatasetError.invalidRequest` when the dataset has no labels, or when a requested
  ///   class has no image (a likely typo, which would otherwise give a silently smaller set).
  public func subset(classes: [Int]) throws -> ImageDataset {
    guard let labels else {
      throw DatasetError.invalidRequest(
        "cannot select classes \(classes): the dataset has no labels")
    }
    let wanted = Set(classes)
    let histogram = labelHistogram
    for c in classes.sorted() where c < 0 || c >= histogram.count || histogram[c] == 0 {
      let present = histogram.indices.filter { histogram[$0] > 0 }.map(String.init)
      throw DatasetError.invalidRequest(
        "class \(c) has no images (classes present: \(present.joined(separator: ", ")))")
    }
    let kept = labels.indices.filter { wanted.contains(labels[$0]) }
    let inner = valuesPerImage
    let newPixels: Pixels
    switch pixels {
    case .uint8(let v):
      var out = [UInt8]()
      out.reserveCapacity(kept.count * inner)
      for i in kept { out.append(contentsOf: v[(i * inner)..<((i + 1) * inner)]) }
      newPixels = .uint8(out)
    case .float32(let v):
      var out = [Float]()
      out.reserveCapacity(kept.count * inner)
      for i in kept { out.append(contentsOf: v[(i * inner)..<((i + 1) * inner)]) }
      newPixels = .float32(out)
    }
    return ImageDataset(
      count: kept.count, channels: channels, height: height, width: width, pixels: newPixels,
      labels: kept.map { labels[$0] })
  }
}
