#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The implicit QL iteration with Wilkinson-type shifts for a symmetric tridiagonal matrix
/// (EISPACK `tql2`, Bowdler, Martin, Reinsch & Wilkinson, Numer. Math. 11 (1968); the form of
/// Numerical Recipes' `tqli`).
///
/// Each iteration chases a bulge from the bottom of the unreduced block `l...m` to its top with
/// plane rotations. An off-diagonal element is negligible when `|e_m| <= eps * tst1`, with `tst1`
/// the running maximum of `|d_l| + |e_l|` (EISPACK's test, relative to the matrix scale): the
/// local test of `tqli`, `|e_m| <= eps (|d_m| + |d_(m+1)|)`, never fires inside a cluster of
/// round-off-level diagonal entries (the zero eigenvalues of a covariance of fewer samples than
/// features) and the iteration would not converge. Eigenvalues are then accurate to `eps |T|`
/// (the backward error of the reduction anyway).
/// The rotations are only recorded (`PlaneRotationSequence`); the eigenvector matrix is rotated
/// afterwards, so the iteration itself costs O(n^2).
enum TridiagonalQL {
  /// The most iterations spent on one eigenvalue before giving up (EISPACK uses 30).
  static let iterationLimit = 60

  /// Replaces `d` by the eigenvalues (unordered) of the tridiagonal matrix with diagonal `d: [n]`
  /// and subdiagonal `offDiagonal: [n - 1]`, recording the rotations into `rotations` if given.
  /// Returns false if some eigenvalue did not converge.
  static func solve(
    diagonal d: inout [Double], offDiagonal: [Double], rotations: inout PlaneRotationSequence?
  ) -> Bool {
    let n = d.count
    if n <= 1 { return true }
    var e = offDiagonal + [0]
    var scale = 0.0
    for l in 0..<n {
      scale = max(scale, abs(d[l]) + abs(e[l]))
      var iterations = 0
      while true {
        var m = l
        while m < n - 1 {
          if abs(e[m]) <= Double.ulpOfOne * scale { break }
          m += 1
        }
        if m == l { break }
        iterations += 1
        if iterations > iterationLimit { return false }
        var g = (d[l + 1] - d[l]) / (2 * e[l])
        var r = hypot(g, 1)
        g = d[m] - d[l] + e[l] / (g + (g < 0 ? -r : r))
        var s = 1.0
        var c = 1.0
        var p = 0.0
        var i = m - 1
        var deflatedEarly = false
        rotations?.beginSweep(first: m - 1)
        while i >= l {
          let f = s * e[i]
          let b = c * e[i]
          r = hypot(f, g)
          e[i + 1] = r
          if r == 0 {
            // Underflow: the block splits at i; recover and restart the search.
            d[i + 1] -= p
            e[m] = 0
            deflatedEarly = true
            break
          }
          s = f / r
          c = g / r
          g = d[i + 1] - p
          r = (d[i] - g) * s + 2 * c * b
          p = s * r
          d[i + 1] = g + p
          g = c * r - b
          rotations?.append(index: i, cosine: c, sine: s)
          i -= 1
        }
        if deflatedEarly { continue }
        d[l] -= p
        e[l] = g
        e[m] = 0
      }
    }
    return true
  }
}
