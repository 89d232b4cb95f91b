extension NumpyArchive {
  /// The bytes of an `.npz` file holding the members as `NAME.npy`, stored (like `numpy.savez`)
  /// or deflated (like `numpy.savez_compressed`). Timestamps are fixed at 1980-01-01 00:00 so
  /// that equal arrays give equal files.
  ///
  /// - Throws: `DatasetError.invalidRequest` when a member or the archive exceeds the 4 GiB
  ///   limit of a zip without zip64 records.
  public func encoded(compressed: Bool) throws -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    let limit = 0xffff_ffff
    for member in members {
      let name = Array((member.name + ".npy").utf8)
      let contents = member.array.encoded()
      let crc = contents.withUnsafeBytes { Zlib.crc32($0) }
      let data = compressed ? Zlib.deflateRaw(contents) : contents
      guard contents.count < limit, data.count < limit, out.count < limit, name.count <= 0xffff
      else {
        throw DatasetError.invalidRequest(
          "member '\(member.name)' (\(contents.count) bytes) does not fit a zip archive without zip64",
          path: path)
      }
      let method: UInt16 = compressed ? 8 : 0
      let offset = out.count
      // Local file header.
      appendLittleEndian(UInt32(0x0403_4b50), to: &out)
      appendCommonFields(
        to: &out, method: method, crc: crc, compressedSize: data.count,
        uncompressedSize: contents.count, nameLength: name.count)
      out += name
      out += data
      // Central directory file header.
      appendLittleEndian(UInt32(0x0201_4b50), to: &central)
      appendLittleEndian(UInt16(20), to: &central)  // version made by: 2.0, MS-DOS attributes
      appendCommonFields(
        to: &central, method: method, crc: crc, compressedSize: data.count,
        uncompressedSize: contents.count, nameLength: name.count)
      appendLittleEndian(UInt16(0), to: &central)  // comment length
      appendLittleEndian(UInt16(0), to: &central)  // disk number start
      appendLittleEndian(UInt16(0), to: &central)  // internal attributes
      appendLittleEndian(UInt32(0), to: &central)  // external attributes
      appendLittleEndian(UInt32(offset), to: &central)
      central += name
    }
    guard members.count <= 0xffff, out.count + central.count < limit else {
      throw DatasetError.invalidRequest("archive too large for a zip without zip64", path: path)
    }
    let directoryOffset = out.count
    out += central
    // End of central directory record.
    appendLittleEndian(UInt32(0x0605_4b50), to: &out)
    appendLittleEndian(UInt16(0), to: &out)
    appendLittleEndian(UInt16(0), to: &out)
    appendLittleEndian(UInt16(members.count), to: &out)
    appendLittleEndian(UInt16(members.count), to: &out)
    appendLittleEndian(UInt32(central.count), to: &out)
    appendLittleEndian(UInt32(directoryOffset), to: &out)
    appendLittleEndian(UInt16(0), to: &out)
    return out
  }

  /// Writes the archive to `path` (atomically, creating parent directories).
  public func write(to path: String, compressed: Bool) throws {
    try FileIO.write(try encoded(compressed: compressed), to: path)
  }

  /// The fields shared by local and central headers, from "version needed" to "extra length".
  private func appendCommonFields(
    to out: inout [UInt8], method: UInt16, crc: UInt32, compressedSize: Int, uncompressedSize: Int,
    nameLength: Int
  ) {
    appendLittleEndian(UInt16(20), to: &out)  // version needed to extract: 2.0
    appendLittleEndian(UInt16(0), to: &out)  // flags
    appendLittleEndian(method, to: &out)
    appendLittleEndian(UInt16(0), to: &out)  // time 00:00:00
    appendLittleEndian(UInt16(0x21), to: &out)  // date 1980-01-01
    appendLittleEndian(crc, to: &out)
    appendLittleEndian(UInt32(compressedSize), to: &out)
    appendLittleEndian(UInt32(uncompressedSize), to: &out)
    appendLittleEndian(UInt16(nameLength), to: &out)
    appendLittleEndian(UInt16(0), to: &out)  // extra field length
  }
}
