import Datasets
import TestSupport
import Testing

@Suite("NumpyArchive: .npz reading and writing")
struct NumpyArchiveTests {
  @Test("reads numpy.savez (stored, zip64 local headers) and numpy.savez_compressed (deflate)")
  func readsNumpyArchives() throws {
    for fixture in [Fixtures.npzStored, Fixtures.npzCompressed] {
      let archive = try NumpyArchive(decoding: fixture, path: "stats.npz")
      #expect(try archive.array(named: "mu") == NumpyArray(shape: [2], elements: .float64([1, 2])))
      #expect(
        try archive.array(named: "sigma")
          == NumpyArray(shape: [2, 2], elements: .float64([2, 0.5, 0.5, 1])))
    }
    let compressed = try NumpyArchive(decoding: Fixtures.npzCompressed, path: "c.npz")
    #expect(compressed.names == ["mu", "sigma", "pixels"])
    #expect(
      compressed["pixels"]
        == NumpyArray(shape: [4, 4], elements: .uint8([UInt8](repeating: 0, count: 16))))
  }

  @Test(
    "written archives read back, stored and compressed, and their CRCs match a reference CRC-32")
  func roundTrip() throws {
    let scratch = try Scratch()
    let archive = NumpyArchive(members: [
      .init(name: "mu", array: NumpyArray(shape: [3], elements: .float64([1, 2, 3]))),
      .init(name: "features", array: NumpyArray(randomTensor([20, 8], seed: 3))),
      .init(
        name: "images",
        array: NumpyArray(shape: [2, 2, 2, 1], elements: .uint8([1, 2, 3, 4, 5, 6, 7, 8]))),
    ])
    for compressed in [false, true] {
      let path = scratch.path(compressed ? "c.npz" : "s.npz")
      try archive.write(to: path, compressed: compressed)
      let back = try NumpyArchive(contentsOf: path)
      #expect(back.members == archive.members)
      #expect(back.path == path)
    }
    // CRC of the first member, read from the local header (offset 14), against a bitwise CRC.
    let bytes = try archive.encoded(compressed: false)
    let stored = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[14 + $1]) << (8 * UInt32($1)) }
    #expect(stored == referenceCRC32(archive.members[0].array.encoded()))
  }

  @Test("a missing key names the keys the archive has")
  func missingKey() throws {
    let archive = try NumpyArchive(decoding: Fixtures.npzStored, path: "ref.npz")
    expectDatasetError(.malformed, path: "ref.npz", mentioning: ["no array 'arr_0'", "mu, sigma"]) {
      _ = try archive.array(named: "arr_0")
    }
  }

  @Test("bad zips, truncation, corrupt deflate data and CRC mismatches are errors with offsets")
  func errors() throws {
    expectDatasetError(.malformed, path: "n.npz", mentioning: ["not a zip archive"]) {
      _ = try NumpyArchive(decoding: [UInt8](repeating: 7, count: 100), path: "n.npz")
    }
    expectDatasetError(.malformed, path: "e.npz", offset: 0, mentioning: ["not a zip archive"]) {
      _ = try NumpyArchive(decoding: [1, 2, 3], path: "e.npz")
    }
    // Cut off the end: no end record.
    let stored = Fixtures.npzStored
    expectDatasetError(.malformed, path: "t.npz", mentioning: ["no end of central directory"]) {
      _ = try NumpyArchive(decoding: Array(stored.prefix(stored.count - 30)), path: "t.npz")
    }
    // Drop bytes from the middle: the central directory offset points past the end.
    expectDatasetError(.malformed, path: "m.npz", mentioning: ["truncated archive"]) {
      _ = try NumpyArchive(decoding: Array(stored.prefix(100) + stored.suffix(150)), path: "m.npz")
    }
    // Flip a data byte of the first stored member ("mu.npy" data starts after the 30-byte local
    // header, the 6-byte name and the 20-byte zip64 extra field).
    var flipped = stored
    flipped[30 + 6 + 20 + 140] ^= 0xff
    expectDatasetError(
      .malformed, path: "crc.npz", offset: 56, mentioning: ["CRC-32 mismatch", "mu.npy"]
    ) {
      _ = try NumpyArchive(decoding: flipped, path: "crc.npz")
    }
    // Corrupt the deflate stream of the first compressed member.
    var corrupt = Fixtures.npzCompressed
    for i in 56..<72 { corrupt[i] = 0xff }
    expectDatasetError(.malformed, path: "d.npz", mentioning: ["deflate"]) {
      _ = try NumpyArchive(decoding: corrupt, path: "d.npz")
    }
    // An unsupported compression method (bzip2 = 12) in the central directory.
    var method = stored
    let central = centralDirectoryOffset(method)
    method[central + 10] = 12
    expectDatasetError(
      .unsupported, path: "b.npz", offset: central, mentioning: ["compression method 12"]
    ) {
      _ = try NumpyArchive(decoding: method, path: "b.npz")
    }
  }

  private func centralDirectoryOffset(_ zip: [UInt8]) -> Int {
    let end = zip.count - 22
    return (0..<4).reduce(0) { $0 | Int(zip[end + 16 + $1]) << (8 * $1) }
  }
}
