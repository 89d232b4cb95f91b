import Testing
import TensorCore
import TestSupport

@Suite("Matrix products")
struct GemmTests {
  static func product(_ a: Tensor, _ b: Tensor, ta: Bool, tb: Bool, m: Int, n: Int, k: Int, reference: Bool, accumulateOnto c0: Tensor? = nil) -> Tensor {
    var c = c0?.scalars ?? [Float](repeating: 0, count: m * n)
    a.scalars.withUnsafeBufferPointer { pa in
      b.scalars.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          let oa = MatrixOperand(pa.baseAddress!, leadingDimension: a.shape[1], transposed: ta)
          let ob = MatrixOperand(pb.baseAddress!, leadingDimension: b.shape[1], transposed: tb)
          if reference {
            Gemm.reference(m: m, n: n, k: k, a: oa, b: ob, c: pc.baseAddress!, ldc: n, accumulate: c0 != nil)
          } else {
            Gemm.multiply(m: m, n: n, k: k, a: oa, b: ob, c: pc.baseAddress!, ldc: n, accumulate: c0 != nil)
          }
        }
      }
    }
    return Tensor(shape: [m, n], scalars: c)
  }

  @Test("Fast path equals the reference bit for bit on random shapes, every transpose, with and without accumulation",
    arguments: [
      (1, 1, 1), (5, 7, 3), (6, 16, 256), (13, 33, 257), (97, 130, 300), (200, 17, 600), (64, 512, 40),
      (7, 9, 8), (12, 32, 9), (100, 200, 513), (193, 271, 17),
      // One to three rows: the few-rows kernels, whole and partial panel groups, two depth blocks.
      (1, 144, 300), (1, 100, 513), (2, 288, 77), (3, 288, 600), (3, 70, 5), (1, 64, 10), (1, 1000, 20),
      // Row counts ending in 4-row panels (avx2: 16 = 6+6+4, 32 = ...+4+4, 8 = 4+4, 4, 10, 14),
      // whole and partial column panels, one and several depth blocks.
      (16, 64, 300), (32, 48, 600), (32, 37, 9), (8, 16, 7), (4, 20, 260), (10, 33, 5), (14, 100, 513), (64, 40, 288),
    ])
  func fastMatchesReference(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
      let a = randomTensor(ta ? [k, m] : [m, k], seed: 1)
      let b = randomTensor(tb ? [n, k] : [k, n], seed: 2)
      let c0 = randomTensor([m, n], seed: 3)
      for onto in [nil, c0] {
        let fast = Self.product(a, b, ta: ta, tb: tb, m: m, n: n, k: k, reference: false, accumulateOnto: onto)
        let slow = Self.product(a, b, ta: ta, tb: tb, m: m, n: n, k: k, reference: true, accumulateOnto: onto)
        expectBitIdentical(fast, slow, "m\(m) n\(n) k\(k) ta\(ta) tb\(tb) accumulate \(onto != nil)")
      }
    }
  }

  @Test("Bit-identical for 1, 2, 3 and 4 threads")
  func threadDeterminism() {
    let a = randomTensor([300, 513], seed: 4)
    let b = randomTensor([513, 260], seed: 5)
    let one = ComputeThreads.withCount(1) { Tensor.matmul(a, b) }
    for threads in 2...4 {
      let many = ComputeThreads.withCount(threads) { Tensor.matmul(a, b) }
      expectBitIdentical(one, many, "threads \(threads)")
    }
  }
}
