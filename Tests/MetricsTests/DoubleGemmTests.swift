import Metrics
import TensorCore
import TestSupport
import Testing

@Suite("Double matrix products")
struct DoubleGemmTests {
  static func product(
    _ a: DoubleMatrix, _ b: DoubleMatrix, ta: Bool, tb: Bool, m: Int, n: Int, k: Int,
    reference: Bool,
    onto c0: DoubleMatrix?
  ) -> DoubleMatrix {
    var c = c0 ?? DoubleMatrix(zeros: m, n)
    a.scalars.withUnsafeBufferPointer { pa in
      b.scalars.withUnsafeBufferPointer { pb in
        c.scalars.withUnsafeMutableBufferPointer { pc in
          let oa = DoubleMatrixOperand(pa.baseAddress!, leadingDimension: a.columns, transposed: ta)
          let ob = DoubleMatrixOperand(pb.baseAddress!, leadingDimension: b.columns, transposed: tb)
          if reference {
            DoubleGemm.reference(
              m: m, n: n, k: k, a: oa, b: ob, c: pc.baseAddress!, ldc: n, accumulate: c0 != nil)
          } else {
            DoubleGemm.multiply(
              m: m, n: n, k: k, a: oa, b: ob, c: pc.baseAddress!, ldc: n, accumulate: c0 != nil)
          }
        }
      }
    }
    return c
  }

  @Test(
    "Fast path equals the reference on random shapes, every transpose, with and without accumulation",
    arguments: [
      (1, 1, 1), (5, 7, 3), (6, 8, 256), (13, 33, 257), (97, 130, 300), (200, 17, 600),
      (64, 300, 40),
    ])
  func fastMatchesReference(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
      let a = MetricsFixtures.normalMatrix(ta ? k : m, ta ? m : k, seed: 1)
      let b = MetricsFixtures.normalMatrix(tb ? n : k, tb ? k : n, seed: 2)
      let c0 = MetricsFixtures.normalMatrix(m, n, seed: 3)
      for onto in [nil, c0] {
        let fast = Self.product(
          a, b, ta: ta, tb: tb, m: m, n: n, k: k, reference: false, onto: onto)
        let slow = Self.product(a, b, ta: ta, tb: tb, m: m, n: n, k: k, reference: true, onto: onto)
        let error = MetricsFixtures.maxDifference(fast, slow)
        #expect(
          error <= 1e-13 * Double(k).squareRoot(),
          "m\(m) n\(n) k\(k) ta\(ta) tb\(tb): error \(error)")
      }
    }
  }

  @Test("A symmetric result computes the upper tiles and mirrors them")
  func symmetricResult() {
    let x = MetricsFixtures.normalMatrix(300, 270, seed: 4)
    let full = DoubleGemm.product(x, x, transposeA: true)
    let symmetric = DoubleGemm.product(x, x, transposeA: true, symmetricResult: true)
    #expect(symmetric.relativeAsymmetry == 0)
    #expect(MetricsFixtures.maxDifference(full, symmetric) <= 1e-12)
  }

  @Test("Bit-identical for 1 and 2 threads")
  func threadDeterminism() {
    let a = MetricsFixtures.normalMatrix(300, 513, seed: 5)
    let b = MetricsFixtures.normalMatrix(513, 260, seed: 6)
    let one = ComputeThreads.withCount(1) { DoubleGemm.product(a, b) }
    let two = ComputeThreads.withCount(2) { DoubleGemm.product(a, b) }
    #expect(one.scalars.map(\.bitPattern) == two.scalars.map(\.bitPattern))
  }
}
