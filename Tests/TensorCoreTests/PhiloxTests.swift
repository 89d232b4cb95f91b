import Testing
import TensorCore
import TestSupport

@Suite("Philox4x32-10 and keyed streams")
struct PhiloxTests {
  @Test("Random123 known-answer vectors")
  func knownAnswers() {
    let cases: [(SIMD4<UInt32>, SIMD2<UInt32>, SIMD4<UInt32>)] = [
      (SIMD4(0, 0, 0, 0), SIMD2(0, 0), SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
      (SIMD4(repeating: 0xffff_ffff), SIMD2(repeating: 0xffff_ffff),
       SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
      (SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), SIMD2(0xa409_3822, 0x299f_31d0),
       SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
    ]
    for (counter, key, expected) in cases {
      #expect(Philox4x32.generate(counter: counter, key: key) == expected)
    }
  }

  @Test("A sample's draws do not depend on which other samples are drawn")
  func perSampleIndependence() {
    let stream = RandomStream(seed: 42, purpose: .trainingNoise, step: 7)
    let batch8 = stream.normalTensor(shape: [8, 5])
    let batch3 = stream.normalTensor(shape: [3, 5], firstSample: 5)
    #expect(Array(batch8.scalars[25..<40]) == batch3.scalars)
    #expect(stream.normal(sample: 2, count: 5) == stream.normal(sample: 2, count: 9).prefix(5).map { $0 })
    let other = RandomStream(seed: 42, purpose: .samplingNoise, step: 7)
    #expect(other.normal(sample: 0, count: 4) != stream.normal(sample: 0, count: 4))
  }

  @Test("Normal draws have mean 0 and variance 1; uniforms are in (0, 1)")
  func moments() {
    let stream = RandomStream(seed: 1, purpose: .testing)
    let draws = stream.normal(sample: 0, count: 200_000)
    let mean = draws.reduce(0, +) / Double(draws.count)
    let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)
    expectClose(mean, 0, absolute: 0.01)
    expectClose(variance, 1, relative: 0.01)
    let u = stream.uniform(sample: 1, count: 100_000)
    #expect(u.allSatisfy { $0 > 0 && $0 < 1 })
    expectClose(u.reduce(0, +) / Double(u.count), 0.5, absolute: 0.005)
    var histogram = [Int](repeating: 0, count: 5)
    for s in 0..<5000 { histogram[stream.integer(below: 5, sample: s)] += 1 }
    #expect(histogram.allSatisfy { abs($0 - 1000) < 120 }, "histogram \(histogram)")
  }
}

@Suite("SHA-256")
struct SHA256Tests {
  @Test("FIPS 180-4 examples")
  func examples() {
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
      == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }
}
