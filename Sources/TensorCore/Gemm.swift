/// A read-only matrix operand of a product: a pointer, its leading dimension, and whether the
/// product uses its transpose.
public struct MatrixOperand {
  /// First element of the stored matrix.
  public let base: UnsafePointer<Float>
  /// Distance between consecutive stored rows.
  public let leadingDimension: Int
  /// Whether the product reads the stored matrix transposed.
  public let isTransposed: Bool

  /// Describes a stored matrix.
  public init(_ base: UnsafePointer<Float>, leadingDimension: Int, transposed: Bool = false) {
    self.base = base
    self.leadingDimension = leadingDimension
    self.isTransposed = transposed
  }

  /// Element (row, column) of the operand as the product sees it.
  @inline(__always)
  func element(_ row: Int, _ column: Int) -> Float {
    isTransposed ? base[column * leadingDimension + row] : base[row * leadingDimension + column]
  }
}

/// General matrix products `C = op(A) op(B) (+ C)` in Float32.
///
/// `reference` is the naive triple loop kept as the specification; `multiply` is the packed,
/// register-tiled SIMD path (see `GemmKernel.swift`) tested against it. Both form every element
/// as one chain of fused multiply-adds in increasing `p`, started from `C[i, j]` (accumulate) or
/// zero, so they agree bit for bit whatever the tiling, block sizes or thread count.
public enum Gemm {
  /// The naive reference: `C[i, j] = (accumulate ? C[i, j] : 0) + sum_p A[i, p] B[p, j]`, the sum
  /// formed as the chain `s = fma(A[i, p], B[p, j], s)` for `p = 0, 1, ..., k - 1`, started at
  /// `s = accumulate ? C[i, j] : 0`.
  public static func reference(
    m: Int, n: Int, k: Int, a: MatrixOperand, b: MatrixOperand,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum: Float = accumulate ? c[i * ldc + j] : 0
        for p in 0..<k { sum = sum.addingProduct(a.element(i, p), b.element(p, j)) }
        c[i * ldc + j] = sum
      }
    }
  }

  /// The fast product with the same contract as `reference` and the same bits, parallel over a
  /// fixed partition of `C` into tiles on `ComputeThreads` (serial when `parallel` is false, e.g.
  /// inside a task that is itself parallel). Bit-identical for any thread count.
  public static func multiply(
    m: Int, n: Int, k: Int, a: MatrixOperand, b: MatrixOperand,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, parallel: Bool = true
  ) {
    if m == 0 || n == 0 { return }
    if k == 0 {
      if !accumulate { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } } }
      return
    }
    GemmKernel.run(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate, parallel: parallel)
  }
}

extension Tensor {
  /// The matrix product `op(a) op(b)` of two rank-2 tensors.
  ///
  /// - Parameters: `a: [m, k]` (or `[k, m]` when `transposeA`), `b: [k, n]` (or `[n, k]`).
  /// - Returns: `[m, n]`.
  public static func matmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
  ) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul: needs rank-2 operands, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0]
    let k = transposeA ? a.shape[0] : a.shape[1]
    let kb = transposeB ? b.shape[1] : b.shape[0]
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition(k == kb,
      "matmul: inner dimensions differ: a \(a.shape)\(transposeA ? "ᵀ" : "") b \(b.shape)\(transposeB ? "ᵀ" : "")")
    return Tensor(shape: [m, n]) { out in
      a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
          Gemm.multiply(
            m: m, n: n, k: k,
            a: MatrixOperand(pa.address, leadingDimension: a.shape[1], transposed: transposeA),
            b: MatrixOperand(pb.address, leadingDimension: b.shape[1], transposed: transposeB),
            c: out.address, ldc: n, accumulate: false)
        }
      }
    }
  }
}
