import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The reduction of a symmetric matrix to tridiagonal form by Householder reflections,
/// `T = Q^T A Q` with `Q = H_0 H_1 ... H_{n-2}` and `H_k = I - tau_k v_k v_k^T`
/// (Golub & Van Loan, "Matrix Computations", 4th ed., algorithm 8.3.1; the reflector convention of
/// LAPACK's `dlarfg`: `v_k[k+1] = 1`, `v_k[i] = 0` for `i <= k`).
///
/// Step `k` forms `p = tau A22 v`, `w = p - (tau/2)(p.v) v` and updates the trailing block
/// `A22 <- A22 - v w^T - w v^T`. The upper triangle is kept packed by rows (row `j` holds
/// `A[j, j..<n]`), so the trailing block of every step is one contiguous stretch of memory, and the
/// update of step `k-1` is fused with the symmetric product of step `k` (the new reflector comes
/// from row `k`, updated first): each step streams the trailing triangle through the cache once.
/// The rows of a step are split into a fixed partition whose partial products are added in
/// partition order, so the result is bit-identical for any thread count.
struct HouseholderTridiagonalization {
  /// `d: [n]`, the diagonal of `T`.
  var diagonal: [Double]
  /// `e: [n - 1]`, the subdiagonal of `T`: `e[k] = T[k + 1, k]`.
  var offDiagonal: [Double]
  /// `tau: [n - 1]`, the reflector factors (0 for a trivial reflector).
  var taus: [Double]
  /// The packed rows; after the reduction row `k` holds `v_k[k+1..<n]` after its diagonal.
  var packed: [Double]

  var dimension: Int { diagonal.count }

  /// Offset of packed row `j` of an `n x n` matrix.
  @inline(__always)
  static func rowOffset(_ j: Int, _ n: Int) -> Int { j * n - j * (j - 1) / 2 }

  /// Reduces the symmetric matrix `a: [n, n]` (only its upper triangle is read).
  init(symmetric a: DoubleMatrix) {
    precondition(
      a.isSquare, "HouseholderTridiagonalization: matrix is [\(a.rows), \(a.columns)], not square")
    let n = a.rows
    var packed = [Double](repeating: 0, count: n * (n + 1) / 2)
    for j in 0..<n {
      let offset = Self.rowOffset(j, n)
      for i in j..<n { packed[offset + i - j] = a.scalars[j * n + i] }
    }
    var d = [Double](repeating: 0, count: n)
    var e = [Double](repeating: 0, count: max(n - 1, 0))
    var taus = [Double](repeating: 0, count: max(n - 1, 0))
    if n > 0 {
      packed.withUnsafeMutableBufferPointer { buffer in
        Self.reduce(buffer.address, n: n, d: &d, e: &e, taus: &taus)
      }
    }
    self.diagonal = d
    self.offDiagonal = e
    self.taus = taus
    self.packed = packed
  }

  /// The number of row chunks of a step whose trailing block has `rows` rows: a function of the
  /// shape only, never of the thread count.
  static func chunkCount(rows: Int) -> Int { min(8, max(1, rows * rows / 65_536)) }

  /// First row of chunk `c` of `count` over rows `first ..< first + rows`, balancing area (the row
  /// at distance `r` from `first` has `rows - r` elements).
  static func chunkStart(_ c: Int, of count: Int, first: Int, rows: Int) -> Int {
    if c >= count { return first + rows }
    return first + Int((1 - (1 - Double(c) / Double(count)).squareRoot()) * Double(rows))
  }

  static func reduce(
    _ a: UnsafeMutablePointer<Double>, n: Int, d: inout [Double], e: inout [Double],
    taus: inout [Double]
  ) {
    var v = [Double](repeating: 0, count: n)
    var pendingV = [Double](repeating: 0, count: n)
    var pendingW = [Double](repeating: 0, count: n)
    var hasPending = false
    var partials = [Double](repeating: 0, count: chunkCount(rows: n) * n)
    for k in 0..<n {
      let row = a + rowOffset(k, n)
      // 1. The pending update of step k-1 on row k (columns k..<n); row k is then final.
      if hasPending {
        let (vk, wk) = (-pendingV[k], -pendingW[k])
        for i in k..<n {
          row[i - k] = row[i - k].addingProduct(vk, pendingW[i]).addingProduct(wk, pendingV[i])
        }
      }
      d[k] = row[0]
      if k == n - 1 { break }
      // 2. The reflector that maps x = A[k, k+1..<n] to beta e_1 (dlarfg), stored over x.
      let x = row + 1
      let length = n - k - 1
      let alpha = x[0]
      var scale = 0.0
      for q in 1..<max(length, 1) { scale = max(scale, abs(x[q])) }
      var xnorm = 0.0
      if scale > 0 {
        var sum = 0.0
        for q in 1..<length {
          let s = x[q] / scale
          sum += s * s
        }
        xnorm = scale * sum.squareRoot()
      }
      for i in 0..<n { v[i] = 0 }
      v[k + 1] = 1
      var tau = 0.0
      if xnorm == 0 {
        e[k] = alpha
      } else {
        let beta = alpha < 0 ? hypot(alpha, xnorm) : -hypot(alpha, xnorm)
        tau = (beta - alpha) / beta
        let factor = 1 / (alpha - beta)
        for q in 1..<length { v[k + 1 + q] = x[q] * factor }
        e[k] = beta
      }
      taus[k] = tau
      for q in 0..<length { x[q] = v[k + 1 + q] }
      // 3. Fused pass over rows k+1..<n: the pending update, then partial products A22 v.
      let rows = n - k - 1
      let chunks = chunkCount(rows: rows)
      let pending = hasPending
      v.withUnsafeBufferPointer { pv in
        pendingV.withUnsafeBufferPointer { pvp in
          pendingW.withUnsafeBufferPointer { pwp in
            partials.withUnsafeMutableBufferPointer { pp in
              let shared = UncheckedSendable(
                (a, pv.address, pvp.address, pwp.address, pp.address))
              ComputeThreads.forEachTask(chunks) { c in
                let (a, v, vP, wP, parts) = shared.value
                let part = parts + c * n
                for j in (k + 1)..<n { part[j] = 0 }
                let start = chunkStart(c, of: chunks, first: k + 1, rows: rows)
                let end = chunkStart(c + 1, of: chunks, first: k + 1, rows: rows)
                var offset = rowOffset(start, n)
                for j in start..<end {
                  fusedRow(
                    a + offset, j: j, n: n, v: v, pendingV: pending ? vP : nil, pendingW: wP,
                    part: part)
                  offset += n - j
                }
              }
            }
          }
        }
      }
      // 4. p = tau * sum of partials (in chunk order), w = p - (tau/2)(p.v) v.
      var pv = 0.0
      for j in (k + 1)..<n {
        var p = 0.0
        for c in 0..<chunks { p += partials[c * n + j] }
        p *= tau
        pendingW[j] = p
        pv += p * v[j]
      }
      let half = 0.5 * tau * pv
      for j in 0..<n {
        pendingV[j] = v[j]
        pendingW[j] = j > k ? pendingW[j] - half * v[j] : 0
      }
      hasPending = tau != 0
    }
  }

  /// Packed row `j` (`A[j, j..<n]`): applies the pending rank-2 update
  /// `a_ji -= vP_j wP_i + wP_j vP_i`, then adds `sum_(i>=j) a_ji v_i` to `part[j]` and `a_ji v_j`
  /// to `part[i]` for `i > j` (the symmetric product from one triangle).
  @inline(__always)
  static func fusedRow(
    _ row: UnsafeMutablePointer<Double>, j: Int, n: Int, v: UnsafePointer<Double>,
    pendingV: UnsafePointer<Double>?, pendingW: UnsafePointer<Double>,
    part: UnsafeMutablePointer<Double>
  ) {
    typealias V = SIMD4<Double>
    let count = n - j
    let vj = v[j]
    let (negV, negW) = (-(pendingV?[j] ?? 0), -pendingW[j])
    var diagonal = row[0]
    if let vP = pendingV {
      diagonal = diagonal.addingProduct(negV, pendingW[j]).addingProduct(negW, vP[j])
    }
    row[0] = diagonal
    var sum = diagonal * vj
    var dot0 = V()
    var dot1 = V()
    var q = 1
    let raw = UnsafeMutableRawPointer(row)
    let rawV = UnsafeRawPointer(v + j)
    let rawPart = UnsafeMutableRawPointer(part + j)
    let vjv = V(repeating: vj)
    @inline(__always) func accumulate(_ x: V, _ offset: Int, _ dot: inout V) {
      dot.addProduct(x, rawV.loadUnaligned(fromByteOffset: offset, as: V.self))
      var p = rawPart.loadUnaligned(fromByteOffset: offset, as: V.self)
      p.addProduct(x, vjv)
      rawPart.storeBytes(of: p, toByteOffset: offset, as: V.self)
    }
    if let vP = pendingV {
      let rawVP = UnsafeRawPointer(vP + j)
      let rawWP = UnsafeRawPointer(pendingW + j)
      let (negVv, negWv) = (V(repeating: negV), V(repeating: negW))
      @inline(__always) func update(_ offset: Int) -> V {
        var x = raw.loadUnaligned(fromByteOffset: offset, as: V.self)
        x.addProduct(negVv, rawWP.loadUnaligned(fromByteOffset: offset, as: V.self))
        x.addProduct(negWv, rawVP.loadUnaligned(fromByteOffset: offset, as: V.self))
        raw.storeBytes(of: x, toByteOffset: offset, as: V.self)
        return x
      }
      while q + 8 <= count {
        let offset = q * 8
        let x0 = update(offset)
        let x1 = update(offset + 32)
        accumulate(x0, offset, &dot0)
        accumulate(x1, offset + 32, &dot1)
        q += 8
      }
      while q < count {
        var x = row[q]
        x = x.addingProduct(negV, pendingW[j + q]).addingProduct(negW, vP[j + q])
        row[q] = x
        q += 1
      }
      q = 1 + ((count - 1) / 8) * 8
    } else {
      while q + 8 <= count {
        let offset = q * 8
        accumulate(raw.loadUnaligned(fromByteOffset: offset, as: V.self), offset, &dot0)
        accumulate(raw.loadUnaligned(fromByteOffset: offset + 32, as: V.self), offset + 32, &dot1)
        q += 8
      }
    }
    dot0 += dot1
    sum += (dot0[0] + dot0[1]) + (dot0[2] + dot0[3])
    while q < count {
      let x = row[q]
      sum = sum.addingProduct(x, v[j + q])
      part[j + q] = part[j + q].addingProduct(x, vj)
      q += 1
    }
    part[j] += sum
  }
}
