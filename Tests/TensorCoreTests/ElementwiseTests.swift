#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Testing
import TensorCore
import TestSupport

/// Distance in units in the last place between two finite floats of the same sign.
func ulpDistance(_ a: Float, _ b: Float) -> Int {
  if a == b { return 0 }
  func ordered(_ x: Float) -> Int {
    let bits = Int(x.bitPattern & 0x7fff_ffff)
    return x.sign == .minus ? -bits : bits
  }
  return abs(ordered(a) - ordered(b))
}

@Suite("Eight-lane elementwise kernels against their scalar references")
struct ElementwiseTests {
  @Test("VectorMath.exp is within 2 ulp of expf on its normal range, and has expf's limits")
  func exponential() {
    var worst = 0
    var worstInput: Float = 0
    // Every 97th float bit pattern of [-87.3, 88.7], both signs, plus a dense sweep near 0.
    var inputs: [Float] = []
    var bits: UInt32 = 0
    while bits < 0x42b1_7218 {
      let x = Float(bitPattern: bits)
      inputs.append(x)
      if x <= 87.33 { inputs.append(-x) }
      bits &+= 9_973
    }
    for i in -20_000...20_000 { inputs.append(Float(i) * 1e-4) }
    for start in stride(from: 0, to: inputs.count, by: 8) {
      var v = SIMD8<Float>(repeating: 0)
      for lane in 0..<8 where start + lane < inputs.count { v[lane] = inputs[start + lane] }
      let fast = VectorMath.exp(v)
      for lane in 0..<8 where start + lane < inputs.count {
        let x = inputs[start + lane]
        guard x >= -87.33654, x <= 88.72283 else { continue }
        let distance = ulpDistance(fast[lane], expf(x))
        if distance > worst {
          worst = distance
          worstInput = x
        }
      }
    }
    #expect(worst <= 2, "worst error \(worst) ulp at x = \(worstInput)")
    let limits = VectorMath.exp(SIMD8<Float>(88.73, 1000, .infinity, -87.34, -1000, -.infinity, .nan, 0))
    #expect(limits[0] == .infinity && limits[1] == .infinity && limits[2] == .infinity)
    #expect(limits[3] == 0 && limits[4] == 0 && limits[5] == 0)
    #expect(limits[6].isNaN && limits[7] == 1)
  }

  @Test("SiLU's eight-lane forward and backward are within a few ulp of the scalar reference",
    arguments: [[1], [7], [3, 5], [256, 512], [2, 3, 70_000]])
  func silu(shape: [Int]) {
    let x = RandomStream(seed: 21, purpose: .testing).uniformTensor(shape: shape, low: -12, high: 12)
    let g = randomTensor(shape, seed: 22)
    let fast = SiLU.forward(x)
    let slow = SiLU.referenceForward(x)
    let fastBackward = SiLU.backward(x, upstream: g)
    let slowBackward = SiLU.referenceBackward(x, upstream: g)
    var worstForward = 0
    var worstBackward = 0
    for i in 0..<x.count {
      // Relative to the larger of the value and a floor, since silu passes through zero.
      func error(_ a: Float, _ b: Float) -> Double {
        Double(abs(a - b)) / max(Double(abs(b)), 1e-6) / Double(Float.ulpOfOne)
      }
      worstForward = max(worstForward, Int(error(fast.scalars[i], slow.scalars[i]).rounded(.up)))
      // silu' = s (1 + x (1 - s)) cancels near x = -1.28, so measure against the size of its terms.
      let v = x.scalars[i]
      let sigma = SiLU.sigmoid(v)
      let scale = Double(abs(g.scalars[i])) * Double(sigma) * (1 + Double(abs(v)) * Double(1 - sigma))
      let backwardError = Double(abs(fastBackward.scalars[i] - slowBackward.scalars[i])) / max(scale, 1e-30)
      worstBackward = max(worstBackward, Int((backwardError / Double(Float.ulpOfOne)).rounded(.up)))
    }
    #expect(worstForward <= 4, "forward: \(worstForward) ulp")
    #expect(worstBackward <= 8, "backward: \(worstBackward) ulp")
    // Same bits whatever the thread count (large tensors are split over the pool).
    for threads in 2...4 {
      let (many, manyBackward) = ComputeThreads.withCount(threads) {
        (SiLU.forward(x), SiLU.backward(x, upstream: g))
      }
      expectBitIdentical(many, fast, "threads \(threads)")
      expectBitIdentical(manyBackward, fastBackward, "backward threads \(threads)")
    }
  }

  @Test("Broadcasting, summed(toShape:) and group normalisation split over the pool: explicit loops' bits, for 1 to 4 threads")
  func poolSplits() {
    // 75,264 elements: three broadcast blocks; 64 (sample, group)s of 1,176 in 5 tasks; sums
    // over the last axis, over all but one axis, and keeping the last axis.
    let a = randomTensor([16, 24, 14, 14], seed: 31)
    let scale = randomTensor([16, 24, 1, 1], seed: 32)
    let bias = randomTensor([24, 1, 1], seed: 33)
    let other = randomTensor([16, 24, 14, 14], seed: 34)
    func run() -> [Tensor] {
      let (normalized, inverseStd) = GroupNormalization.forward(a, groups: 4)
      let backward = GroupNormalization.backward(normalized: normalized, inverseStd: inverseStd, groups: 4, upstream: other)
      return [a * scale, a + bias, a - other, normalized, Tensor(inverseStd), backward,
              a.summed(toShape: [16, 24, 1, 1]), a.summed(toShape: [24, 1, 1]), a.summed(toShape: [1, 1, 14])]
    }
    let one = ComputeThreads.withCount(1) { run() }
    let plane = 14 * 14
    let scaled = (0..<a.count).map { a.scalars[$0] * scale.scalars[$0 / plane] }
    let shifted = (0..<a.count).map { a.scalars[$0] + bias.scalars[($0 / plane) % 24] }
    let difference = (0..<a.count).map { a.scalars[$0] - other.scalars[$0] }
    expectBitIdentical(one[0], Tensor(shape: a.shape, scalars: scaled), "a * scale")
    expectBitIdentical(one[1], Tensor(shape: a.shape, scalars: shifted), "a + bias")
    expectBitIdentical(one[2], Tensor(shape: a.shape, scalars: difference), "a - other")
    // Sums in increasing flat index order, as the one-thread definition says.
    var perMap = [Float](repeating: 0, count: 16 * 24)
    var perChannel = [Float](repeating: 0, count: 24)
    var perColumn = [Float](repeating: 0, count: 14)
    for i in 0..<a.count {
      perMap[i / plane] += a.scalars[i]
      perChannel[(i / plane) % 24] += a.scalars[i]
      perColumn[i % 14] += a.scalars[i]
    }
    expectBitIdentical(one[6], Tensor(shape: [16, 24, 1, 1], scalars: perMap), "sum to [16, 24, 1, 1]")
    expectBitIdentical(one[7], Tensor(shape: [24, 1, 1], scalars: perChannel), "sum to [24, 1, 1]")
    expectBitIdentical(one[8], Tensor(shape: [1, 1, 14], scalars: perColumn), "sum to [1, 1, 14]")
    for threads in 2...4 {
      let many = ComputeThreads.withCount(threads) { run() }
      for (index, (x, y)) in zip(many, one).enumerated() { expectBitIdentical(x, y, "result \(index), threads \(threads)") }
    }
  }

  @Test("summed(toShape:) over trailing axes is the chain in increasing flat index, rows interleaved or not",
    arguments: [
      ([2, 10, 3, 3], [10, 1, 1]), ([5, 3, 4, 4], [1, 3, 1, 1]), ([4, 16, 2, 4], [4, 16, 1, 1]),
      ([3, 9, 8], [1, 9, 1]), ([7, 2, 5], [7, 1, 1]), ([6, 13, 3, 3], [13, 1, 1]), ([4, 8, 16], [1, 1, 1]),
    ])
  func summedOverTrailingAxes(shape: [Int], target: [Int]) {
    let a = randomTensor(shape, seed: 35)
    // Stride of each axis of `shape` in the (right-aligned) target; 0 where the target has 1.
    let aligned = [Int](repeating: 1, count: shape.count - target.count) + target
    var strides = [Int](repeating: 0, count: shape.count)
    var step = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[d] = aligned[d] == 1 ? 0 : step
      step *= aligned[d]
    }
    var expected = [Float](repeating: 0, count: target.reduce(1, *))
    for i in 0..<a.count {
      var rest = i
      var offset = 0
      for d in stride(from: shape.count - 1, through: 0, by: -1) {
        offset += (rest % shape[d]) * strides[d]
        rest /= shape[d]
      }
      expected[offset] += a.scalars[i]
    }
    expectBitIdentical(a.summed(toShape: target), Tensor(shape: target, scalars: expected), "\(shape) to \(target)")
  }

  @Test("Group normalisation gives the bits of the per-group Double chains, whichever groups share a vector",
    arguments: [([5, 12, 7, 7], 3), ([16, 24, 14, 14], 4), ([3, 16, 2, 2], 8), ([9, 4], 2)])
  func groupNormalizationChains(shape: [Int], groups: Int) {
    let x = randomTensor(shape, seed: 41)
    let upstream = randomTensor(shape, seed: 42)
    let (normalized, inverseStd) = GroupNormalization.forward(x, groups: groups)
    let gradient = GroupNormalization.backward(normalized: normalized, inverseStd: inverseStd, groups: groups, upstream: upstream)
    // The definition, one (sample, group) at a time: Double sums in increasing index.
    let groupCount = shape[0] * groups
    let n = x.count / groupCount
    var expectedNormalized = [Float](repeating: 0, count: x.count)
    var expectedInverse = [Float](repeating: 0, count: groupCount)
    var expectedGradient = [Float](repeating: 0, count: x.count)
    for group in 0..<groupCount {
      let range = (group * n)..<((group + 1) * n)
      var sum = 0.0
      for i in range { sum += Double(x.scalars[i]) }
      let mean = sum / Double(n)
      var squares = 0.0
      for i in range { let d = Double(x.scalars[i]) - mean; squares += d * d }
      let inv = 1 / (squares / Double(n) + Double(Float(1e-5))).squareRoot()
      expectedInverse[group] = Float(inv)
      for i in range { expectedNormalized[i] = (x.scalars[i] - Float(mean)) * Float(inv) }
      var sumG = 0.0, sumGX = 0.0
      for i in range {
        sumG += Double(upstream.scalars[i])
        sumGX += Double(upstream.scalars[i]) * Double(expectedNormalized[i])
      }
      let meanG = Float(sumG / Double(n)), meanGX = Float(sumGX / Double(n))
      for i in range {
        expectedGradient[i] = Float(inv) * (upstream.scalars[i] - meanG - expectedNormalized[i] * meanGX)
      }
    }
    expectBitIdentical(normalized, Tensor(shape: shape, scalars: expectedNormalized), "normalized \(shape)")
    expectBitIdentical(Tensor(inverseStd), Tensor(expectedInverse), "inverse std \(shape)")
    expectBitIdentical(gradient, Tensor(shape: shape, scalars: expectedGradient), "gradient \(shape)")
    let reference = GroupNormalization.referenceForward(x, groups: groups)
    expectBitIdentical(reference.normalized, normalized, "reference path \(shape)")
    expectBitIdentical(Tensor(reference.inverseStd), Tensor(inverseStd), "reference path inverse std \(shape)")
  }

  @Test("Broadcast arithmetic and summed(toShape:) give the bits of explicit scalar loops",
    arguments: [([37, 29], [29]), ([5, 3, 13], [3, 1]), ([4, 19], [4, 1]), ([6, 8, 16], [1, 8, 16]), ([33], [33])])
  func broadcasting(shapes: ([Int], [Int])) {
    let (shapeA, shapeB) = shapes
    let a = randomTensor(shapeA, seed: 23)
    let b = randomTensor(shapeB, seed: 24).adding(2)
    let rank = shapeA.count
    let padded = [Int](repeating: 1, count: rank - shapeB.count) + shapeB
    func indexB(_ flat: Int) -> Int {
      var rest = flat
      var index = 0
      var running = 1
      var strides = [Int](repeating: 0, count: rank)
      for d in stride(from: rank - 1, through: 0, by: -1) {
        strides[d] = running
        running *= padded[d]
      }
      var coordinates = [Int](repeating: 0, count: rank)
      for d in stride(from: rank - 1, through: 0, by: -1) {
        coordinates[d] = rest % shapeA[d]
        rest /= shapeA[d]
      }
      for d in 0..<rank where padded[d] != 1 { index += coordinates[d] * strides[d] }
      return index
    }
    let results = [a + b, a - b, a * b, a / b, b - a]
    for (k, result) in results.enumerated() {
      var expected = [Float](repeating: 0, count: a.count)
      for i in 0..<a.count {
        let (x, y) = (a.scalars[i], b.scalars[indexB(i)])
        expected[i] = [x + y, x - y, x * y, x / y, y - x][k]
      }
      expectBitIdentical(result, Tensor(shape: shapeA, scalars: expected), "operation \(k) \(shapes)")
    }
    var sums = [Float](repeating: 0, count: b.count)
    for i in 0..<a.count { sums[indexB(i)] += a.scalars[i] }
    expectBitIdentical(a.summed(toShape: shapeB), Tensor(shape: shapeB, scalars: sums), "summed \(shapes)")
  }
}
