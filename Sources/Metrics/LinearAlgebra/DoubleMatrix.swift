/// A dense, row-major matrix of `Double` values: the working type of the linear algebra behind
/// the Frechet distance (moments, eigendecompositions, square roots).
///
/// Storage is a Swift array (copy-on-write); element `(i, j)` is `scalars[i * columns + j]`.
public struct DoubleMatrix: Sendable, Equatable, Hashable {
  /// Number of rows.
  public let rows: Int
  /// Number of columns.
  public let columns: Int
  /// The elements in row-major order; `scalars.count == rows * columns`.
  public var scalars: [Double]

  /// Creates a matrix from its row-major elements.
  public init(rows: Int, columns: Int, scalars: [Double]) {
    precondition(rows >= 0 && columns >= 0, "DoubleMatrix: negative shape [\(rows), \(columns)]")
    precondition(
      scalars.count == rows * columns,
      "DoubleMatrix: shape [\(rows), \(columns)] needs \(rows * columns) scalars, got \(scalars.count)"
    )
    self.rows = rows
    self.columns = columns
    self.scalars = scalars
  }

  /// A matrix of zeros.
  public init(zeros rows: Int, _ columns: Int) {
    self.init(rows: rows, columns: columns, scalars: [Double](repeating: 0, count: rows * columns))
  }

  /// Creates a matrix whose elements are written by `body` into uninitialised storage.
  public init(
    rows: Int, columns: Int, unsafeUninitialized body: (UnsafeMutableBufferPointer<Double>) -> Void
  ) {
    precondition(rows >= 0 && columns >= 0, "DoubleMatrix: negative shape [\(rows), \(columns)]")
    self.rows = rows
    self.columns = columns
    let count = rows * columns
    self.scalars = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
      body(buffer)
      initialized = count
    }
  }

  /// The `n x n` identity.
  public static func identity(_ n: Int) -> DoubleMatrix {
    var m = DoubleMatrix(zeros: n, n)
    for i in 0..<n { m.scalars[i * n + i] = 1 }
    return m
  }

  /// The square matrix with `values` on its diagonal.
  public static func diagonal(_ values: [Double]) -> DoubleMatrix {
    let n = values.count
    var m = DoubleMatrix(zeros: n, n)
    for i in 0..<n { m.scalars[i * n + i] = values[i] }
    return m
  }

  /// Element `(row, column)`.
  @inlinable
  public subscript(row: Int, column: Int) -> Double {
    get { scalars[row * columns + column] }
    set { scalars[row * columns + column] = newValue }
  }

  /// Whether the matrix is square.
  public var isSquare: Bool { rows == columns }

  /// The diagonal of a square matrix.
  public var diagonal: [Double] {
    precondition(isSquare, "DoubleMatrix.diagonal: matrix is [\(rows), \(columns)], not square")
    return (0..<rows).map { scalars[$0 * columns + $0] }
  }

  /// `tr(M) = sum_i M[i, i]`, summed in increasing `i`.
  public var trace: Double { diagonal.reduce(0, +) }

  /// The transpose `[columns, rows]`.
  public func transposed() -> DoubleMatrix {
    DoubleMatrix(rows: columns, columns: rows) { out in
      scalars.withUnsafeBufferPointer { source in
        // Blocked so that both sides are walked in cache-sized pieces.
        let block = 32
        for i0 in stride(from: 0, to: rows, by: block) {
          for j0 in stride(from: 0, to: columns, by: block) {
            for i in i0..<min(i0 + block, rows) {
              for j in j0..<min(j0 + block, columns) { out[j * rows + i] = source[i * columns + j] }
            }
          }
        }
      }
    }
  }

  /// The largest `|M[i, j] - M[j, i]|` of a square matrix, relative to the largest `|M[i, j]|`
  /// (0 for the zero matrix).
  public var relativeAsymmetry: Double {
    precondition(isSquare, "relativeAsymmetry: matrix is [\(rows), \(columns)], not square")
    var largest = 0.0
    var asymmetry = 0.0
    for i in 0..<rows {
      for j in 0..<columns {
        largest = max(largest, abs(scalars[i * columns + j]))
        asymmetry = max(asymmetry, abs(scalars[i * columns + j] - scalars[j * columns + i]))
      }
    }
    return largest == 0 ? 0 : asymmetry / largest
  }

  /// `(M + M^T) / 2` of a square matrix.
  public func symmetrized() -> DoubleMatrix {
    precondition(isSquare, "symmetrized: matrix is [\(rows), \(columns)], not square")
    var out = self
    for i in 0..<rows {
      for j in (i + 1)..<max(columns, i + 1) {
        let mean = 0.5 * (scalars[i * columns + j] + scalars[j * columns + i])
        out.scalars[i * columns + j] = mean
        out.scalars[j * columns + i] = mean
      }
    }
    return out
  }

  /// The Frobenius norm `sqrt(sum_ij M[i, j]^2)`, scaled to avoid overflow.
  public var frobeniusNorm: Double {
    let largest = scalars.reduce(0) { max($0, abs($1)) }
    if largest == 0 || !largest.isFinite { return largest }
    var sum = 0.0
    for v in scalars {
      let s = v / largest
      sum += s * s
    }
    return largest * sum.squareRoot()
  }

  /// True when every element is finite.
  public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }

  /// The matrix product `a b` (Double, through `DoubleGemm.multiply`).
  public static func * (a: DoubleMatrix, b: DoubleMatrix) -> DoubleMatrix {
    DoubleGemm.product(a, b)
  }
}

extension DoubleMatrix: CustomStringConvertible {
  /// A short description: shape and the first few elements.
  public var description: String {
    let head = scalars.prefix(6).map { "\($0)" }.joined(separator: ", ")
    return "DoubleMatrix([\(rows), \(columns)], [\(head)\(scalars.count > 6 ? ", ..." : "")])"
  }
}
