/// A read-only `Double` matrix operand of a product: a pointer, its leading dimension, and whether
/// the product uses its transpose.
public struct DoubleMatrixOperand {
  /// First element of the stored matrix.
  public let base: UnsafePointer<Double>
  /// Distance between consecutive stored rows.
  public let leadingDimension: Int
  /// Whether the product reads the stored matrix transposed.
  public let isTransposed: Bool

  /// Describes a stored row-major matrix.
  public init(_ base: UnsafePointer<Double>, leadingDimension: Int, transposed: Bool = false) {
    self.base = base
    self.leadingDimension = leadingDimension
    self.isTransposed = transposed
  }

  /// Element (row, column) of the operand as the product sees it.
  @inline(__always)
  func element(_ row: Int, _ column: Int) -> Double {
    isTransposed ? base[column * leadingDimension + row] : base[row * leadingDimension + column]
  }
}

/// General matrix products `C = op(A) op(B) (+ C)` in Double, the kernel behind covariances and
/// the products inside the Frechet distance.
///
/// `reference` is the naive triple loop kept as the specification; `multiply` is the packed,
/// register-tiled SIMD path (`DoubleGemmKernel`, the BLIS scheme with a 6 x 8 micro-tile) tested
/// against it. Both accumulate every element by fused multiply-adds in increasing `k`; the fast
/// path adds panels of 256 terms onto `C` one after another, so the two differ only by rounding.
/// The fast path is parallel over a fixed grid of output tiles: bit-identical for any thread count.
public enum DoubleGemm {
  /// The naive reference: `C[i, j] = (accumulate ? C[i, j] : 0) + sum_p A[i, p] B[p, j]`.
  public static func reference(
    m: Int, n: Int, k: Int, a: DoubleMatrixOperand, b: DoubleMatrixOperand,
    c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k { sum = sum.addingProduct(a.element(i, p), b.element(p, j)) }
        c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum
      }
    }
  }

  /// The fast product with the contract of `reference`.
  ///
  /// With `symmetricResult` the caller promises that the result is symmetric (`m == n`, e.g.
  /// `X^T X` or `G S G^T` with symmetric `S`): only the output tiles that meet the upper triangle
  /// are computed and the lower triangle is then copied from the upper one, halving the work.
  /// `parallel: false` keeps the product on the calling thread (inside a parallel task).
  public static func multiply(
    m: Int, n: Int, k: Int, a: DoubleMatrixOperand, b: DoubleMatrixOperand,
    c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool, parallel: Bool = true,
    symmetricResult: Bool = false
  ) {
    DoubleGemmKernel.run(
      m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate, parallel: parallel,
      upperTriangleOnly: symmetricResult)
  }

  /// The matrix product `op(a) op(b)` of two matrices.
  ///
  /// - Parameters: `a: [m, k]` (or `[k, m]` when `transposeA`), `b: [k, n]` (or `[n, k]`).
  /// - Returns: `[m, n]`.
  public static func product(
    _ a: DoubleMatrix, _ b: DoubleMatrix, transposeA: Bool = false, transposeB: Bool = false,
    symmetricResult: Bool = false
  ) -> DoubleMatrix {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let kb = transposeB ? b.columns : b.rows
    let n = transposeB ? b.rows : b.columns
    precondition(
      k == kb,
      "DoubleGemm.product: inner dimensions differ: a [\(a.rows), \(a.columns)]\(transposeA ? "ᵀ" : "") b [\(b.rows), \(b.columns)]\(transposeB ? "ᵀ" : "")"
    )
    precondition(
      !symmetricResult || m == n,
      "DoubleGemm.product: a symmetric result must be square, got [\(m), \(n)]")
    return DoubleMatrix(rows: m, columns: n) { out in
      guard let c = out.baseAddress else { return }
      a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
          guard let baseA = pa.baseAddress, let baseB = pb.baseAddress else {
            for i in 0..<out.count { out[i] = 0 }
            return
          }
          multiply(
            m: m, n: n, k: k,
            a: DoubleMatrixOperand(baseA, leadingDimension: a.columns, transposed: transposeA),
            b: DoubleMatrixOperand(baseB, leadingDimension: b.columns, transposed: transposeB),
            c: c, ldc: n, accumulate: false, symmetricResult: symmetricResult)
        }
      }
    }
  }
}
