import TensorCore

/// The Cholesky factorisation `S = L L^T` of a symmetric positive definite matrix, blocked and
/// right-looking (Golub & Van Loan, "Matrix Computations", 4th ed., algorithm 4.2.10; LAPACK
/// `dpotrf`): per block column, the diagonal block is factored in place, the panel below it is
/// solved against it, and the trailing matrix is updated by `A22 -= L21 L21^T` through
/// `DoubleGemm` (`n^3 / 3` flops, almost all of them in the product).
///
/// It fails (returns nil) when a pivot is not above `threshold`: the matrix is then singular or
/// indefinite to working precision and the caller takes an eigendecomposition instead.
struct CholeskyFactorization {
  /// `L: [n, n]`, lower triangular with a positive diagonal, zeros above it.
  let lower: DoubleMatrix

  static let blockSize = 96

  /// Factors the symmetric `s: [n, n]` (exactly symmetric: the trailing updates mirror the upper
  /// triangle into the lower), or returns nil if a pivot
  /// `d_k` (the Schur complement's diagonal) is `<= threshold`.
  init?(symmetric s: DoubleMatrix, threshold: Double) {
    precondition(
      s.isSquare, "CholeskyFactorization: matrix is [\(s.rows), \(s.columns)], not square")
    let n = s.rows
    var a = s
    let ok = a.scalars.withUnsafeMutableBufferPointer { buffer -> Bool in
      let base = buffer.address
      var k0 = 0
      while k0 < n {
        let nb = min(Self.blockSize, n - k0)
        // 1. The diagonal block, unblocked (left-looking inside the block).
        for j in k0..<(k0 + nb) {
          var d = base[j * n + j]
          for p in k0..<j { d -= base[j * n + p] * base[j * n + p] }
          guard d > threshold else { return false }
          let pivot = d.squareRoot()
          base[j * n + j] = pivot
          for i in (j + 1)..<(k0 + nb) {
            var v = base[i * n + j]
            for p in k0..<j { v -= base[i * n + p] * base[j * n + p] }
            base[i * n + j] = v / pivot
          }
        }
        let rest = n - k0 - nb
        if rest > 0 {
          // 2. The panel L21 = A21 L11^-T, row by row (forward substitution), rows in parallel.
          let shared = UncheckedSendable(base)
          let rowsPerTask = 64
          ComputeThreads.forEachTask((rest + rowsPerTask - 1) / rowsPerTask) { task in
            let base = shared.value
            for i in (k0 + nb + task * rowsPerTask)..<min(k0 + nb + (task + 1) * rowsPerTask, n) {
              let row = base + i * n
              for j in k0..<(k0 + nb) {
                var v = row[j]
                for p in k0..<j { v -= row[p] * base[j * n + p] }
                row[j] = v / base[j * n + j]
              }
            }
          }
          // 3. The trailing update A22 -= L21 L21^T (both triangles, then only the lower is used).
          var negated = [Double](repeating: 0, count: rest * nb)
          for r in 0..<rest {
            for c in 0..<nb { negated[r * nb + c] = -base[(k0 + nb + r) * n + k0 + c] }
          }
          negated.withUnsafeBufferPointer { pn in
            let panel = base + (k0 + nb) * n + k0
            DoubleGemm.multiply(
              m: rest, n: rest, k: nb,
              a: DoubleMatrixOperand(pn.address, leadingDimension: nb),
              b: DoubleMatrixOperand(UnsafePointer(panel), leadingDimension: n, transposed: true),
              c: base + (k0 + nb) * n + (k0 + nb), ldc: n, accumulate: true, symmetricResult: true)
          }
        }
        k0 += nb
      }
      for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { base[i * n + j] = 0 } }
      return true
    }
    guard ok else { return nil }
    self.lower = a
  }

  /// `L^T S L` for a symmetric `s: [n, n]`, symmetric, computed as `T = S L` and `L^T T` with the
  /// triangular structure of `L` skipping the zero blocks (about `n^3 / 2 + n^3 / 3` multiply-adds
  /// instead of `2 n^3`). Column blocks of `T` and row blocks of the result are fixed: the result
  /// does not depend on the thread count.
  func congruence(_ s: DoubleMatrix) -> DoubleMatrix {
    let n = lower.rows
    precondition(
      s.rows == n && s.columns == n, "congruence: S is [\(s.rows), \(s.columns)], L is [\(n), \(n)]"
    )
    let block = 256
    var t = DoubleMatrix(zeros: n, n)
    var m = DoubleMatrix(zeros: n, n)
    lower.scalars.withUnsafeBufferPointer { pl in
      s.scalars.withUnsafeBufferPointer { ps in
        t.scalars.withUnsafeMutableBufferPointer { pt in
          // T[:, J] = S[:, j0...] L[j0..., J]  (L[p, J] = 0 for p < j0).
          for j0 in stride(from: 0, to: n, by: block) {
            let width = min(block, n - j0)
            DoubleGemm.multiply(
              m: n, n: width, k: n - j0,
              a: DoubleMatrixOperand(ps.address + j0, leadingDimension: n),
              b: DoubleMatrixOperand(pl.address + j0 * n + j0, leadingDimension: n),
              c: pt.address + j0, ldc: n, accumulate: false)
          }
        }
        t.scalars.withUnsafeBufferPointer { pt in
          m.scalars.withUnsafeMutableBufferPointer { pm in
            // M[I, i0...] = L[i0..., I]^T T[i0..., i0...]  (L[p, I] = 0 for p < i0); upper part only.
            for i0 in stride(from: 0, to: n, by: block) {
              let height = min(block, n - i0)
              DoubleGemm.multiply(
                m: height, n: n - i0, k: n - i0,
                a: DoubleMatrixOperand(
                  pl.address + i0 * n + i0, leadingDimension: n, transposed: true),
                b: DoubleMatrixOperand(pt.address + i0 * n + i0, leadingDimension: n),
                c: pm.address + i0 * n + i0, ldc: n, accumulate: false)
            }
            for i in 1..<max(n, 1) { for j in 0..<i { pm[i * n + j] = pm[j * n + i] } }
          }
        }
      }
    }
    return m
  }
}
