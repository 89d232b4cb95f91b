extension NumpyArchive {
  /// Reads an `.npz` file.
  ///
  /// The zip structure is parsed from the end of central directory record (zip64 included, as
  /// `numpy.savez` forces zip64 local headers), member sizes are taken from the central
  /// directory, stored and deflated members are accepted, and every member's CRC-32 and size are
  /// verified. Members whose names do not end in `.npy` are skipped.
  ///
  /// - Throws: `DatasetError` naming `path` and the byte offset: not a zip, truncated or
  ///   inconsistent records, unsupported compression or encryption, CRC mismatch, bad npy member.
  public init(contentsOf path: String) throws {
    let data = try FileIO.read(path)
    self = try data.withUnsafeBytes { try NumpyArchive(zip: $0, path: path) }
  }

  /// Decodes the bytes of an `.npz` file; `path` names it in errors.
  public init(decoding bytes: [UInt8], path: String) throws {
    self = try bytes.withUnsafeBytes { try NumpyArchive(zip: $0, path: path) }
  }

  private struct Entry {
    var name: String
    var method: Int
    var flags: Int
    var crc: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
    var centralOffset: Int
  }

  private init(zip bytes: UnsafeRawBufferPointer, path: String) throws {
    var reader = ByteReader(bytes, path: path)
    let entries = try NumpyArchive.centralDirectory(&reader)
    var members: [Member] = []
    for entry in entries where entry.name.hasSuffix(".npy") {
      let contents = try NumpyArchive.contents(of: entry, in: &reader)
      let name = String(entry.name.dropLast(4))
      guard !members.contains(where: { $0.name == name }) else {
        throw reader.malformed("duplicate member '\(entry.name)'", at: entry.centralOffset)
      }
      let array = try contents.withUnsafeBytes { raw in
        // Offsets inside a deflated member count from the start of its decompressed bytes.
        var member = ByteReader(
          raw, path: "\(path) (member \(entry.name))", decompressed: entry.method == 8)
        return try NumpyArray(reading: &member, toEnd: true)
      }
      members.append(Member(name: name, array: array))
    }
    self.init(members: members, path: path)
  }

  /// Finds the end of central directory record (and its zip64 form) and reads every entry.
  private static func centralDirectory(_ reader: inout ByteReader) throws -> [Entry] {
    let bytes = reader.bytes
    guard bytes.count >= 22 else {
      throw reader.malformed(
        "not a zip archive: \(bytes.count) bytes is shorter than an end record", at: 0)
    }
    // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
    var endOffset: Int? = nil
    var candidate = bytes.count - 22
    let lowest = max(0, bytes.count - 22 - 65535)
    while candidate >= lowest {
      if bytes[candidate] == 0x50 && bytes[candidate + 1] == 0x4b && bytes[candidate + 2] == 0x05
        && bytes[candidate + 3] == 0x06
      {
        endOffset = candidate
        break
      }
      candidate -= 1
    }
    guard let endOffset else {
      throw reader.malformed(
        "not a zip archive: no end of central directory record (PK\\5\\6) in the last "
          + "\(bytes.count - lowest) bytes", at: lowest)
    }
    try reader.seek(to: endOffset + 4, for: "end record")
    let diskNumber = try reader.uint16LE("disk number")
    let directoryDisk = try reader.uint16LE("central directory disk")
    _ = try reader.uint16LE("entries on this disk")
    var entryCount = try reader.uint16LE("entry count")
    var directorySize = Int(try reader.uint32LE("central directory size"))
    var directoryOffset = Int(try reader.uint32LE("central directory offset"))
    guard diskNumber == 0, directoryDisk == 0 else {
      throw reader.unsupported("multi-disk (split) zip archives are not supported", at: endOffset)
    }
    // zip64: a locator sits just before the end record and points at the zip64 end record.
    if endOffset >= 20 {
      try reader.seek(to: endOffset - 20, for: "zip64 locator")
      if try reader.uint32LE("zip64 locator signature") == 0x0706_4b50 {
        _ = try reader.uint32LE("zip64 disk")
        let zip64End = try reader.uint64LE("zip64 end record offset")
        try reader.seek(to: zip64End, for: "the zip64 end record offset")
        guard try reader.uint32LE("zip64 end record signature") == 0x0606_4b50 else {
          throw reader.malformed("bad zip64 end of central directory signature", at: zip64End)
        }
        _ = try reader.take(8 + 2 + 2 + 4 + 4 + 8, for: "zip64 end record")
        entryCount = try reader.uint64LE("zip64 entry count")
        directorySize = try reader.uint64LE("zip64 central directory size")
        directoryOffset = try reader.uint64LE("zip64 central directory offset")
      }
    }
    guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
      throw reader.malformed(
        "central directory (\(directorySize) bytes at byte \(directoryOffset)) lies past the end of "
          + "the file (\(bytes.count) bytes): truncated archive", at: endOffset)
    }
    try reader.seek(to: directoryOffset, for: "central directory offset")
    var entries: [Entry] = []
    for _ in 0..<entryCount {
      entries.append(try centralEntry(&reader))
    }
    return entries
  }

  /// One central directory file header (46 bytes, name, extra field, comment).
  private static func centralEntry(_ reader: inout ByteReader) throws -> Entry {
    let start = reader.offset
    guard try reader.uint32LE("central directory signature") == 0x0201_4b50 else {
      throw reader.malformed(
        "bad central directory file header signature (expected PK\\1\\2)", at: start)
    }
    _ = try reader.take(4, for: "central directory versions")
    let flags = try reader.uint16LE("general purpose flags")
    let method = try reader.uint16LE("compression method")
    _ = try reader.take(4, for: "modification time")
    let crc = try reader.uint32LE("CRC-32")
    var compressedSize = Int(try reader.uint32LE("compressed size"))
    var uncompressedSize = Int(try reader.uint32LE("uncompressed size"))
    let nameLength = try reader.uint16LE("file name length")
    let extraLength = try reader.uint16LE("extra field length")
    let commentLength = try reader.uint16LE("comment length")
    _ = try reader.take(2 + 2 + 4, for: "central directory attributes")
    var localHeaderOffset = Int(try reader.uint32LE("local header offset"))
    let name = String(decoding: try reader.take(nameLength, for: "file name"), as: UTF8.self)
    let extraStart = reader.offset
    var extra = ByteReader(
      try reader.take(extraLength, for: "extra field"), path: reader.path, base: extraStart)
    _ = try reader.take(commentLength, for: "file comment")
    // The zip64 extended information field (id 1) holds, in order, whichever of these the
    // header marks with 0xffffffff.
    while extra.remaining >= 4 {
      let id = try extra.uint16LE("extra field id")
      let size = try extra.uint16LE("extra field size")
      var field = ByteReader(
        try extra.take(size, for: "extra field"), path: reader.path, base: extra.offset - size)
      guard id == 1 else { continue }
      if uncompressedSize == 0xffff_ffff {
        uncompressedSize = try field.uint64LE("zip64 uncompressed size")
      }
      if compressedSize == 0xffff_ffff {
        compressedSize = try field.uint64LE("zip64 compressed size")
      }
      if localHeaderOffset == 0xffff_ffff {
        localHeaderOffset = try field.uint64LE("zip64 local header offset")
      }
    }
    return Entry(
      name: name, method: method, flags: flags, crc: crc, compressedSize: compressedSize,
      uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset, centralOffset: start
    )
  }

  /// The uncompressed bytes of one member, CRC-checked.
  private static func contents(of entry: Entry, in reader: inout ByteReader) throws -> [UInt8] {
    let path = reader.path
    guard entry.flags & 1 == 0 else {
      throw reader.unsupported("member '\(entry.name)' is encrypted", at: entry.centralOffset)
    }
    try reader.seek(to: entry.localHeaderOffset, for: "local header offset of '\(entry.name)'")
    let localStart = reader.offset
    guard try reader.uint32LE("local file header signature") == 0x0403_4b50 else {
      throw reader.malformed(
        "bad local file header signature for member '\(entry.name)' (expected PK\\3\\4)",
        at: localStart)
    }
    _ = try reader.take(22, for: "local file header")
    let nameLength = try reader.uint16LE("local file name length")
    let extraLength = try reader.uint16LE("local extra field length")
    _ = try reader.take(nameLength + extraLength, for: "local file name and extra field")
    let dataStart = reader.offset
    let stored = try reader.take(entry.compressedSize, for: "the data of member '\(entry.name)'")
    let contents: [UInt8]
    switch entry.method {
    case 0:
      guard entry.compressedSize == entry.uncompressedSize else {
        throw reader.malformed(
          "stored member '\(entry.name)' has compressed size \(entry.compressedSize) but "
            + "uncompressed size \(entry.uncompressedSize)", at: entry.centralOffset)
      }
      contents = Array(stored)
    case 8:
      contents = try Zlib.inflateRaw(
        stored, expectedSize: entry.uncompressedSize, path: path, base: dataStart)
    default:
      throw reader.unsupported(
        "member '\(entry.name)' uses compression method \(entry.method) "
          + "(supported: 0 stored, 8 deflate)", at: entry.centralOffset)
    }
    let crc = contents.withUnsafeBytes { Zlib.crc32($0) }
    guard crc == entry.crc else {
      throw reader.malformed(
        "CRC-32 mismatch for member '\(entry.name)': the archive says "
          + "\(hex32(entry.crc)), the data has \(hex32(crc))", at: dataStart)
    }
    return contents
  }

  private static func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
  }
}
