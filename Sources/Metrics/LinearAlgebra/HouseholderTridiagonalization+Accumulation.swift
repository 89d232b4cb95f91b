/// Forming the orthogonal factor of a tridiagonalisation from its reflectors, blocked.
///
/// Reflectors are taken in blocks of `blockSize` and each block is written in the compact WY form
/// `H_k0 ... H_(k0+nb-1) = I - V T V^T` (Schreiber & Van Loan 1989; LAPACK `dlarft`, forward,
/// column-wise), so that the backward accumulation `Q <- (I - V T V^T) Q` is two `DoubleGemm`
/// products per block instead of `nb` memory-bound rank-one updates.
extension HouseholderTridiagonalization {
  static let blockSize = 64

  /// `Q^T: [n, n]`, whose rows are the columns of `Q` (`A = Q T Q^T`).
  func orthogonalFactorTransposed() -> DoubleMatrix {
    let n = dimension
    var q = DoubleMatrix.identity(n)
    let reflectors = max(n - 1, 0)
    let starts = Array(stride(from: 0, to: reflectors, by: Self.blockSize))
    q.scalars.withUnsafeMutableBufferPointer { qBuffer in
      packed.withUnsafeBufferPointer { packedBuffer in
        let qBase = qBuffer.address
        let stored = packedBuffer.address
        for k0 in starts.reversed() {
          let nb = min(Self.blockSize, reflectors - k0)
          if (k0..<(k0 + nb)).allSatisfy({ taus[$0] == 0 }) { continue }
          let m = n - k0 - 1
          // Vt [nb, m]: row c is v_(k0+c) on indices k0+1 ..< n.
          var vt = [Double](repeating: 0, count: nb * m)
          for c in 0..<nb {
            let k = k0 + c
            vt[c * m + c] = 1
            // Packed row k holds v_k[k+1..<n] from position 1; index k0+1+r sits at r - c + 1.
            let row = stored + Self.rowOffset(k, n)
            for r in (c + 1)..<m { vt[c * m + r] = row[r - c + 1] }
          }
          let t = Self.triangularFactor(vt: vt, nb: nb, m: m, taus: Array(taus[k0..<(k0 + nb)]))
          let qBlock = qBase + (k0 + 1) * n + (k0 + 1)
          var w1 = [Double](repeating: 0, count: nb * m)
          var w2 = [Double](repeating: 0, count: nb * m)
          vt.withUnsafeBufferPointer { pv in
            t.withUnsafeBufferPointer { pt in
              w1.withUnsafeMutableBufferPointer { p1 in
                w2.withUnsafeMutableBufferPointer { p2 in
                  // W1 = V^T Qb;  W2 = -T W1;  Qb += V W2.
                  DoubleGemm.multiply(
                    m: nb, n: m, k: m, a: DoubleMatrixOperand(pv.address, leadingDimension: m),
                    b: DoubleMatrixOperand(qBlock, leadingDimension: n), c: p1.address, ldc: m,
                    accumulate: false)
                  DoubleGemm.multiply(
                    m: nb, n: m, k: nb,
                    a: DoubleMatrixOperand(pt.address, leadingDimension: nb),
                    b: DoubleMatrixOperand(p1.address, leadingDimension: m),
                    c: p2.address,
                    ldc: m, accumulate: false)
                  for i in 0..<(nb * m) { p2[i] = -p2[i] }
                  DoubleGemm.multiply(
                    m: m, n: m, k: nb,
                    a: DoubleMatrixOperand(pv.address, leadingDimension: m, transposed: true),
                    b: DoubleMatrixOperand(p2.address, leadingDimension: m), c: qBlock, ldc: n,
                    accumulate: true)
                }
              }
            }
          }
        }
      }
    }
    return q.transposed()
  }

  /// The upper triangular `T: [nb, nb]` of `H_0 ... H_(nb-1) = I - V T V^T`:
  /// `T[i, i] = tau_i`, `T[0..<i, i] = -tau_i T[0..<i, 0..<i] V[:, 0..<i]^T v_i`.
  static func triangularFactor(vt: [Double], nb: Int, m: Int, taus: [Double]) -> [Double] {
    var t = [Double](repeating: 0, count: nb * nb)
    var z = [Double](repeating: 0, count: nb)
    for i in 0..<nb {
      t[i * nb + i] = taus[i]
      if taus[i] == 0 { continue }
      for c in 0..<i {
        var dot = 0.0
        for r in i..<m { dot = dot.addingProduct(vt[c * m + r], vt[i * m + r]) }
        z[c] = -taus[i] * dot
      }
      for r in 0..<i {
        var sum = 0.0
        for c in r..<i { sum = sum.addingProduct(t[r * nb + c], z[c]) }
        t[r * nb + i] = sum
      }
    }
    return t
  }
}
