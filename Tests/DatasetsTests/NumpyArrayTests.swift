import Datasets
import TestSupport
import Testing

@Suite("NumpyArray: .npy reading and writing")
struct NumpyArrayTests {
  @Test("reads the files numpy.save writes (float32, uint8 NHWC, float64, int64)")
  func readsNumpyFiles() throws {
    let f32 = try NumpyArray(decoding: Fixtures.npyFloat32, path: "f32.npy")
    #expect(f32.shape == [2, 3])
    #expect(f32.elements == .float32([-1, -0.5, 0, 0.5, 1, 1.5]))
    let u8 = try NumpyArray(decoding: Fixtures.npyUInt8NHWC, path: "u8.npy")
    #expect(u8.shape == [2, 2, 2, 3])
    #expect(u8.elements == .uint8((0..<24).map(UInt8.init)))
    let f64 = try NumpyArray(decoding: Fixtures.npyFloat64, path: "f64.npy")
    #expect(f64.elements == .float64([1.5, -2.25, 1e300]))
    let i64 = try NumpyArray(decoding: Fixtures.npyInt64, path: "i64.npy")
    #expect(i64.elements == .int64([3, -1, 7]))
    #expect(i64.integers() == [3, -1, 7])
  }

  @Test("encodes byte for byte as numpy.save does")
  func encodesLikeNumpy() throws {
    for fixture in [
      Fixtures.npyFloat32, Fixtures.npyUInt8NHWC, Fixtures.npyFloat64, Fixtures.npyInt64,
    ] {
      let array = try NumpyArray(decoding: fixture, path: "fixture.npy")
      #expect(array.encoded() == fixture, "re-encoding \(array.dtype) \(array.shape)")
    }
  }

  @Test("write then read returns the same array, for every dtype and for 0-d and empty shapes")
  func roundTrip() throws {
    let scratch = try Scratch()
    let arrays = [
      NumpyArray(shape: [3, 2], elements: .float32([1, -2, 3.5, .infinity, 0, -0.25])),
      NumpyArray(shape: [2, 2], elements: .float64([1e-300, -2, .pi, 4])),
      NumpyArray(shape: [4], elements: .uint8([0, 1, 254, 255])),
      NumpyArray(shape: [2], elements: .int32([-7, 1 << 30])),
      NumpyArray(shape: [], elements: .float64([42])),
      NumpyArray(shape: [0, 5], elements: .float32([])),
      NumpyArray(randomTensor([3, 4, 5], seed: 1)),
    ]
    for (i, array) in arrays.enumerated() {
      let path = scratch.path("a\(i).npy")
      try array.write(to: path)
      #expect(try NumpyArray(contentsOf: path) == array)
    }
  }

  @Test("a version 2.0 header (4-byte length) is read")
  func version2() throws {
    var bytes = npyFile(
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0x80, 0x3f])
    // Rewrite the prefix as version 2: 4-byte header length.
    let length = Int(bytes[8]) | Int(bytes[9]) << 8
    bytes = Array(bytes[0..<6]) + [2, 0] + littleEndian32(UInt32(length)) + Array(bytes[10...])
    let array = try NumpyArray(decoding: bytes, path: "v2.npy")
    #expect(array.elements == .float32([1]))
  }

  @Test("header variants: double quotes, Python 2 long suffix, key order, 1-d fortran order")
  func headerVariants() throws {
    let header = "{\"shape\": (2L,), \"fortran_order\": True, \"descr\": \"|u1\"}"
    let array = try NumpyArray(decoding: npyFile(header: header, data: [7, 9]), path: "v.npy")
    #expect(array.shape == [2] && array.elements == .uint8([7, 9]))
  }

  @Test("malformed and unsupported files are errors naming the file and the offset")
  func errors() throws {
    let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
    expectDatasetError(.malformed, path: "m.npy", offset: 0, mentioning: ["bad npy magic"]) {
      _ = try NumpyArray(decoding: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x58, 1, 0, 0, 0], path: "m.npy")
    }
    expectDatasetError(
      .malformed, path: "t.npy", mentioning: ["truncated", "needs 8 bytes", "only 4 remain"]
    ) {
      _ = try NumpyArray(decoding: npyFile(header: good, data: [0, 0, 0, 0]), path: "t.npy")
    }
    expectDatasetError(.malformed, path: "t.npy", offset: 6, mentioning: ["truncated"]) {
      _ = try NumpyArray(decoding: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], path: "t.npy")
    }
    expectDatasetError(.malformed, path: "x.npy", mentioning: ["4 unexpected bytes"]) {
      _ = try NumpyArray(
        decoding: npyFile(header: good, data: [UInt8](repeating: 0, count: 12)), path: "x.npy")
    }
    expectDatasetError(
      .unsupported, path: "c.npy", offset: 10, mentioning: ["unsupported npy dtype '<c8'", "<f4"]
    ) {
      _ = try NumpyArray(
        decoding: npyFile(
          header: "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", data: []),
        path: "c.npy")
    }
    expectDatasetError(.unsupported, path: "b.npy", mentioning: ["'>f4'", "big-endian"]) {
      _ = try NumpyArray(
        decoding: npyFile(
          header: "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]),
        path: "b.npy")
    }
    expectDatasetError(.unsupported, path: "f.npy", offset: 10, mentioning: ["fortran_order True"])
    {
      _ = try NumpyArray(
        decoding: npyFile(
          header: "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2), }", data: [1, 2, 3, 4]),
        path: "f.npy")
    }
    expectDatasetError(
      .malformed, path: "h.npy", offset: 10 + 9, mentioning: ["bad npy header", "expected ':'"]
    ) {
      _ = try NumpyArray(decoding: npyFile(header: "{'descr' '<f4'}", data: []), path: "h.npy")
    }
    expectDatasetError(
      .malformed, path: "k.npy", mentioning: ["bad npy header", "missing or non-tuple 'shape'"]
    ) {
      _ = try NumpyArray(
        decoding: npyFile(header: "{'descr': '<f4', 'fortran_order': False}", data: []),
        path: "k.npy")
    }
    expectDatasetError(.malformed, path: "u.npy", mentioning: ["unexpected key 'bogus'"]) {
      _ = try NumpyArray(decoding: npyFile(header: "{'bogus': 1}", data: []), path: "u.npy")
    }
    expectDatasetError(.unsupported, path: "s.npy", mentioning: ["structured"]) {
      _ = try NumpyArray(
        decoding: npyFile(
          header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", data: []),
        path: "s.npy")
    }
    expectDatasetError(.unsupported, path: "v.npy", offset: 6, mentioning: ["npy format version 9"])
    {
      _ = try NumpyArray(decoding: npyFile(header: good, data: [], major: 9), path: "v.npy")
    }
    let scratch = try Scratch()
    expectDatasetError(.notFound, path: scratch.path("none.npy"), mentioning: ["no such file"]) {
      _ = try NumpyArray(contentsOf: scratch.path("none.npy"))
    }
  }
}
