/// The cyclic Jacobi method for symmetric eigenproblems: the reference the fast eigensolver is
/// tested against.
///
/// Each sweep visits every pair `p < q` and applies the rotation that zeroes `A[p, q]`
/// (`theta = (A_qq - A_pp) / (2 A_pq)`, `t = sign(theta) / (|theta| + sqrt(theta^2 + 1))`), with
/// Rutishauser's threshold in the first three sweeps and the rule that an element negligible
/// against both diagonal entries is set to zero (Numerical Recipes, 3rd ed., section 11.1;
/// Golub & Van Loan 4th ed., algorithm 8.5.3). It stops when the off-diagonal part is exactly
/// zero. O(n^3) per sweep, typically 6-10 sweeps; it needs no tridiagonal form.
extension SymmetricEigendecomposition {
  /// The sweep limit; convergence is quadratic, so finite input never reaches it.
  static let jacobiSweepLimit = 100

  /// Decomposes the symmetric matrix `a: [n, n]` by the cyclic Jacobi method (the reference).
  public static func jacobi(_ a: DoubleMatrix) throws(MetricsError) -> SymmetricEigendecomposition {
    precondition(a.isSquare, "jacobi: matrix is [\(a.rows), \(a.columns)], not square")
    guard a.isFinite else { throw .nonFiniteInput("Jacobi eigendecomposition input") }
    let n = a.rows
    var m = a.symmetrized().scalars
    // v is E^T while iterating: column k is eigenvector k.
    var v = DoubleMatrix.identity(n).scalars
    var d = (0..<n).map { m[$0 * n + $0] }
    var b = d
    var z = [Double](repeating: 0, count: n)
    var converged = n <= 1
    var sweep = 0
    while !converged {
      sweep += 1
      if sweep > jacobiSweepLimit {
        throw .noConvergence("Jacobi eigendecomposition of a \(n) x \(n) matrix")
      }
      var offDiagonal = 0.0
      for p in 0..<n { for q in (p + 1)..<n { offDiagonal += abs(m[p * n + q]) } }
      if offDiagonal == 0 {
        converged = true
        break
      }
      let threshold = sweep < 4 ? 0.2 * offDiagonal / Double(n * n) : 0
      for p in 0..<(n - 1) {
        for q in (p + 1)..<n {
          let g = 100 * abs(m[p * n + q])
          if sweep > 4 && abs(d[p]) + g == abs(d[p]) && abs(d[q]) + g == abs(d[q]) {
            m[p * n + q] = 0
            continue
          }
          if abs(m[p * n + q]) <= threshold { continue }
          let h = d[q] - d[p]
          let t: Double
          if abs(h) + g == abs(h) {
            t = m[p * n + q] / h
          } else {
            let theta = 0.5 * h / m[p * n + q]
            let root = (1 + theta * theta).squareRoot()
            t = (theta < 0 ? -1 : 1) / (abs(theta) + root)
          }
          let c = 1 / (1 + t * t).squareRoot()
          let s = t * c
          let tau = s / (1 + c)
          let shift = t * m[p * n + q]
          z[p] -= shift
          z[q] += shift
          d[p] -= shift
          d[q] += shift
          m[p * n + q] = 0
          @inline(__always) func rotate(_ i: Int, _ j: Int, _ k: Int, _ l: Int) {
            let g = m[i * n + j]
            let h = m[k * n + l]
            m[i * n + j] = g - s * (h + g * tau)
            m[k * n + l] = h + s * (g - h * tau)
          }
          for j in 0..<p { rotate(j, p, j, q) }
          for j in (p + 1)..<q { rotate(p, j, j, q) }
          for j in (q + 1)..<n { rotate(p, j, q, j) }
          for j in 0..<n {
            let g = v[j * n + p]
            let h = v[j * n + q]
            v[j * n + p] = g - s * (h + g * tau)
            v[j * n + q] = h + s * (g - h * tau)
          }
        }
      }
      for p in 0..<n {
        b[p] += z[p]
        d[p] = b[p]
        z[p] = 0
      }
    }
    let order = ascendingOrder(d)
    let rows = DoubleMatrix(rows: n, columns: n, scalars: v).transposed()
    return SymmetricEigendecomposition(
      eigenvalues: order.map { d[$0] }, eigenvectors: permutedRows(rows, order))
  }
}
