import Metrics
import TensorCore

/// Seeded random matrices for the Metrics tests.
enum MetricsFixtures {
  /// `[rows, columns]` with standard normal elements.
  static func normalMatrix(_ rows: Int, _ columns: Int, seed: UInt64, step: Int = 0) -> DoubleMatrix
  {
    let stream = RandomStream(seed: seed, purpose: .testing, step: step)
    var scalars = [Double]()
    scalars.reserveCapacity(rows * columns)
    for r in 0..<rows { scalars += stream.normal(sample: r, count: columns) }
    return DoubleMatrix(rows: rows, columns: columns, scalars: scalars)
  }

  /// A random symmetric matrix `(G + G^T) / 2` with standard normal `G`.
  static func symmetricMatrix(_ n: Int, seed: UInt64) -> DoubleMatrix {
    normalMatrix(n, n, seed: seed).symmetrized()
  }

  /// A random orthogonal matrix (Gram-Schmidt, twice, on a normal matrix), as rows.
  static func orthogonalMatrix(_ n: Int, seed: UInt64) -> DoubleMatrix {
    var q = normalMatrix(n, n, seed: seed)
    for _ in 0..<2 {
      for i in 0..<n {
        for k in 0..<i {
          var dot = 0.0
          for j in 0..<n { dot += q[i, j] * q[k, j] }
          for j in 0..<n { q[i, j] -= dot * q[k, j] }
        }
        var norm = 0.0
        for j in 0..<n { norm += q[i, j] * q[i, j] }
        norm = norm.squareRoot()
        for j in 0..<n { q[i, j] /= norm }
      }
    }
    return q
  }

  /// `Q^T diag(values) Q` for a random orthogonal `Q`: a symmetric matrix with known eigenvalues.
  static func matrix(withEigenvalues values: [Double], seed: UInt64) -> DoubleMatrix {
    let n = values.count
    let q = orthogonalMatrix(n, seed: seed)
    var scaled = q
    for i in 0..<n { for j in 0..<n { scaled[i, j] *= values[i] } }
    return naiveProduct(q.transposed(), scaled).symmetrized()
  }

  /// The textbook triple loop in Double.
  static func naiveProduct(_ a: DoubleMatrix, _ b: DoubleMatrix) -> DoubleMatrix {
    var c = DoubleMatrix(zeros: a.rows, b.columns)
    for i in 0..<a.rows {
      for p in 0..<a.columns {
        let x = a[i, p]
        for j in 0..<b.columns { c[i, j] += x * b[p, j] }
      }
    }
    return c
  }

  /// The largest absolute elementwise difference.
  static func maxDifference(_ a: DoubleMatrix, _ b: DoubleMatrix) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns)
    return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }
}
