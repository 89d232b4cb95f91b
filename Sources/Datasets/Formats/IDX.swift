/// The IDX format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte[.gz]`,
/// `train-labels-idx1-ubyte[.gz]`), raw or gzip-compressed.
///
/// A file is a big-endian header — two zero bytes, a type byte (0x08 = unsigned byte), the
/// number of dimensions — then one big-endian UInt32 extent per dimension and the data in
/// row-major order. gzip is recognised by its magic `1f 8b`, not by the name.
public enum IDX {
  /// Decodes an images file (3 dimensions `[count, height, width]`, unsigned bytes) as an
  /// unlabelled `[count, 1, height, width]` dataset.
  ///
  /// - Throws: `DatasetError` naming `path`: bad gzip, bad magic, an unsupported element type or
  ///   rank, or a data size that does not match the header (offsets in the decompressed data
  ///   when the file is gzip'd).
  public static func decodeImages(_ bytes: UnsafeRawBufferPointer, path: String) throws
    -> ImageDataset
  {
    let (shape, pixels) = try decode(bytes, path: path, expectedRank: 3, what: "images")
    return ImageDataset(
      count: shape[0], channels: 1, height: shape[1], width: shape[2], pixels: .uint8(pixels),
      labels: nil)
  }

  /// Decodes a labels file (1 dimension, unsigned bytes).
  public static func decodeLabels(_ bytes: UnsafeRawBufferPointer, path: String) throws -> [Int] {
    try decode(bytes, path: path, expectedRank: 1, what: "labels").values.map { Int($0) }
  }

  /// Loads an images file and, when it exists, its labels file (`labelsPath(forImages:)`).
  ///
  /// - Throws: as `decodeImages`, plus a label count that differs from the image count.
  public static func load(_ path: String) throws -> ImageDataset {
    let data = try FileIO.read(path, hint: DatasetFormat.idx.missingHint)
    let images = try data.withUnsafeBytes { try decodeImages($0, path: path) }
    guard let labelsPath = labelsPath(forImages: path) else { return images }
    let labelData = try FileIO.read(labelsPath)
    let labels = try labelData.withUnsafeBytes { try decodeLabels($0, path: labelsPath) }
    guard labels.count == images.count else {
      throw DatasetError.malformed(
        labelsPath, "has \(labels.count) labels but \(path) has \(images.count) images")
    }
    return ImageDataset(
      count: images.count, channels: 1, height: images.height, width: images.width,
      pixels: images.pixels, labels: labels)
  }

  /// The labels file next to an images file, if one exists: `images-idx3` becomes
  /// `labels-idx1` (also `images.idx3` -> `labels.idx1`), with or without `.gz`.
  public static func labelsPath(forImages path: String) -> String? {
    let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
    let directory = String(path[..<slash])
    var name = String(path[slash...])
    var replaced = false
    for (from, to) in [("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1")] {
      if let range = name.range(of: from) {
        name.replaceSubrange(range, with: to)
        replaced = true
        break
      }
    }
    guard replaced else { return nil }
    let stem = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
    for candidate in [name, stem, stem + ".gz"]
    where FileIO.kind(of: directory + candidate) == (true, false) {
      return directory + candidate
    }
    return nil
  }

  /// Decompresses if needed, checks the header and returns the shape and the data bytes.
  private static func decode(
    _ bytes: UnsafeRawBufferPointer, path: String, expectedRank: Int, what: String
  ) throws -> (shape: [Int], values: [UInt8]) {
    if Zlib.isGzip(bytes) {
      let inflated = try Zlib.gunzip(bytes, path: path)
      return try inflated.withUnsafeBytes { raw in
        var reader = ByteReader(raw, path: path, decompressed: true)
        return try parse(&reader, expectedRank: expectedRank, what: what)
      }
    }
    var reader = ByteReader(bytes, path: path)
    return try parse(&reader, expectedRank: expectedRank, what: what)
  }

  private static func parse(
    _ reader: inout ByteReader, expectedRank: Int, what: String
  ) throws -> (shape: [Int], values: [UInt8]) {
    let magic = try reader.take(4, for: "the IDX magic number")
    guard magic[0] == 0, magic[1] == 0 else {
      let found = magic.map { String($0, radix: 16) }.joined(separator: " ")
      throw reader.malformed(
        "bad IDX magic: expected 00 00 08 0\(expectedRank) (unsigned-byte \(what)), found \(found)",
        at: 0)
    }
    guard magic[2] == 0x08 else {
      let names: [UInt8: String] = [
        0x09: "int8", 0x0b: "int16", 0x0c: "int32", 0x0d: "float32", 0x0e: "float64",
      ]
      throw reader.unsupported(
        "IDX element type 0x\(String(magic[2], radix: 16)) (\(names[magic[2]] ?? "unknown")) is not "
          + "supported: only 0x08 (unsigned byte)", at: 2)
    }
    guard Int(magic[3]) == expectedRank else {
      throw reader.malformed(
        "IDX \(what) must have \(expectedRank) dimension\(expectedRank == 1 ? "" : "s"), "
          + "the header says \(magic[3]) (is this the right file?)", at: 3)
    }
    var shape: [Int] = []
    for d in 0..<expectedRank { shape.append(try reader.uint32BE("IDX extent \(d)")) }
    let dataStart = reader.offset
    let expected = try checkedProduct(
      shape, or: reader.malformed("IDX shape \(shape) is too large", at: 4))
    guard reader.remaining == expected else {
      throw reader.malformed(
        "IDX size mismatch: the header declares shape \(shape) = \(expected) bytes of data after "
          + "the \(dataStart)-byte header, but the \(reader.decompressed ? "decompressed data has" : "file has") "
          + "\(reader.remaining)", at: dataStart)
    }
    return (shape, Array(try reader.take(expected, for: "IDX data")))
  }
}
