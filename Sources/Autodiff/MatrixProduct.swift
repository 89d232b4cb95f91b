import TensorCore

/// `op(a) op(b)` for rank-2 variables, with its pullback:
/// `dA = dC op(B)^T` (transposed back when A is), `dB = op(A)^T dC` (likewise).
///
/// Shapes: `a: [m, k]` (`[k, m]` if `transposeA`), `b: [k, n]` (`[n, k]` if `transposeB`) -> `[m, n]`.
public func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
  let value = Tensor.matmul(a.value, b.value, transposeA: transposeA, transposeB: transposeB)
  let (av, bv) = (a.value, b.value)
  let (needA, needB) = (a.requiresGradient, b.requiresGradient)
  return Tape.record(value, inputs: [a, b]) { g in
    var ga: Tensor? = nil
    var gb: Tensor? = nil
    if needA {
      // C = A B: dA = G B^T. C = A^T B: dA = B G^T. C = A B^T: dA = G B. C = A^T B^T: dA = B^T G^T.
      switch (transposeA, transposeB) {
      case (false, false): ga = Tensor.matmul(g, bv, transposeB: true)
      case (false, true): ga = Tensor.matmul(g, bv)
      case (true, false): ga = Tensor.matmul(bv, g, transposeB: true)
      case (true, true): ga = Tensor.matmul(bv, g, transposeA: true, transposeB: true)
      }
    }
    if needB {
      // C = A B: dB = A^T G. C = A B^T: dB = G^T A. C = A^T B: dB = A G. C = A^T B^T: dB = G^T A^T.
      switch (transposeA, transposeB) {
      case (false, false): gb = Tensor.matmul(av, g, transposeA: true)
      case (false, true): gb = Tensor.matmul(g, av, transposeA: true)
      case (true, false): gb = Tensor.matmul(av, g)
      case (true, true): gb = Tensor.matmul(g, av, transposeA: true, transposeB: true)
      }
    }
    return [ga, gb]
  }
}
