/// CIFAR-10 binary batches (`cifar-10-batches-bin/*.bin`): records of 1 label byte (0...9)
/// followed by 3072 pixel bytes, channel-major (1024 red, 1024 green, 1024 blue, each 32x32
/// row-major), 10000 records per shipped batch.
public enum CIFAR10 {
  /// Bytes per record: 1 label + 3 x 32 x 32 pixels.
  public static let recordSize = 1 + 3 * 32 * 32
  /// Number of classes (labels are 0...9).
  public static let classCount = 10

  /// Decodes one batch file's bytes; `path` names it in errors.
  ///
  /// - Throws: `DatasetError.malformed` for an empty file, a size that is not a whole number of
  ///   records (with the offset of the incomplete record) or a label outside 0...9.
  public static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> ImageDataset {
    guard !bytes.isEmpty else {
      throw DatasetError.malformed(
        path, at: 0, "empty file: expected CIFAR-10 records of \(recordSize) bytes")
    }
    let records = bytes.count / recordSize
    guard bytes.count % recordSize == 0 else {
      throw DatasetError.malformed(
        path, at: records * recordSize,
        "wrong CIFAR-10 record size: \(bytes.count) bytes is \(records) records of \(recordSize) "
          + "bytes (1 label + 3072 pixels) plus \(bytes.count % recordSize) bytes of an incomplete record"
      )
    }
    var labels = [Int](repeating: 0, count: records)
    var pixels = [UInt8](repeating: 0, count: records * (recordSize - 1))
    try pixels.withUnsafeMutableBytes { out in
      for r in 0..<records {
        let label = Int(bytes[r * recordSize])
        guard label < classCount else {
          throw DatasetError.malformed(
            path, at: r * recordSize,
            "label \(label) of record \(r) is outside 0...\(classCount - 1)")
        }
        labels[r] = label
        let image = recordSize - 1
        UnsafeMutableRawBufferPointer(rebasing: out[(r * image)..<((r + 1) * image)]).copyMemory(
          from: UnsafeRawBufferPointer(
            rebasing: bytes[(r * recordSize + 1)..<((r + 1) * recordSize)]))
      }
    }
    return ImageDataset(
      count: records, channels: 3, height: 32, width: 32, pixels: .uint8(pixels), labels: labels)
  }

  /// Loads a batch file, or a directory of them.
  ///
  /// A directory loads its training batches `data_batch_*.bin` in name order (the shipped
  /// `cifar-10-batches-bin` gives the 50000 training images); when it has none, every `*.bin`
  /// in name order. Pass `test_batch.bin` itself for the test set.
  public static func load(_ path: String) throws -> ImageDataset {
    let (exists, isDirectory) = FileIO.kind(of: path)
    guard exists else { throw DatasetError.notFound(path, hint: DatasetFormat.cifar10.missingHint) }
    let files = isDirectory ? try batchFiles(in: path) : [path]
    var parts: [ImageDataset] = []
    for file in files {
      let data = try FileIO.read(file, hint: DatasetFormat.cifar10.missingHint)
      parts.append(try data.withUnsafeBytes { try decode($0, path: file) })
    }
    return try ImageDataset.concatenating(parts, path: path)
  }

  /// The batch files a directory holds, as `load` reads them.
  public static func batchFiles(in directory: String) throws -> [String] {
    let names = try FileIO.listDirectory(directory).filter { $0.hasSuffix(".bin") }
    let training = names.filter { $0.hasPrefix("data_batch_") }
    let chosen = training.isEmpty ? names : training
    guard !chosen.isEmpty else {
      throw DatasetError.notFound(
        FileIO.join(directory, "data_batch_1.bin"),
        hint: "The directory has no CIFAR-10 .bin batches. " + DatasetFormat.cifar10.missingHint)
    }
    return chosen.map { FileIO.join(directory, $0) }
  }
}

extension ImageDataset {
  /// The images of `parts` one after the other; shapes and the presence of labels must agree.
  static func concatenating(_ parts: [ImageDataset], path: String) throws -> ImageDataset {
    guard let first = parts.first else {
      throw DatasetError.invalidRequest("no images to load", path: path)
    }
    if parts.count == 1 { return first }
    var bytes: [UInt8] = []
    var floats: [Float] = []
    var labels: [Int]? = first.labels == nil ? nil : []
    for part in parts {
      guard part.shape.dropFirst() == first.shape.dropFirst(),
        (part.labels == nil) == (labels == nil)
      else {
        throw DatasetError.malformed(
          path,
          "parts disagree: images \(Array(part.shape.dropFirst())) vs \(Array(first.shape.dropFirst()))"
        )
      }
      switch part.pixels {
      case .uint8(let v): bytes += v
      case .float32(let v): floats += v
      }
      labels? += part.labels ?? []
    }
    guard bytes.isEmpty || floats.isEmpty else {
      throw DatasetError.malformed(path, "parts mix uint8 and float pixels")
    }
    return ImageDataset(
      count: parts.reduce(0) { $0 + $1.count }, channels: first.channels, height: first.height,
      width: first.width, pixels: floats.isEmpty ? .uint8(bytes) : .float32(floats), labels: labels)
  }
}
