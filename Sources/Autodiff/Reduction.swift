import TensorCore

/// The sum of all elements as a rank-0 variable (Double accumulation); pullback broadcasts `g`.
public func sum(_ x: Variable) -> Variable {
  let shape = x.shape
  return Tape.record(Tensor(scalar: Float(x.value.sumAll())), inputs: [x]) { g in
    [Tensor(repeating: g.scalar, shape: shape)]
  }
}

/// The mean of all elements as a rank-0 variable; pullback `g / n` everywhere.
public func mean(_ x: Variable) -> Variable {
  let shape = x.shape
  let n = Float(max(x.value.count, 1))
  return Tape.record(Tensor(scalar: Float(x.value.meanAll())), inputs: [x]) { g in
    [Tensor(repeating: g.scalar / n, shape: shape)]
  }
}

/// Sums over `axes`, keeping them with extent 1; pullback broadcasts back.
public func sum(_ x: Variable, alongAxes axes: [Int]) -> Variable {
  let shape = x.shape
  return Tape.record(x.value.sum(alongAxes: axes), inputs: [x]) { g in
    [g + Tensor(zeros: shape)]
  }
}

/// Mean squared error `mean((a - b)^2)` as a rank-0 variable (Double accumulation); pullback
/// `da = 2 g (a - b) / n`, `db = -da`.
public func meanSquaredError(_ a: Variable, _ b: Variable) -> Variable {
  precondition(a.shape == b.shape, "meanSquaredError: shapes \(a.shape) and \(b.shape) differ")
  let difference = a.value - b.value
  let n = Float(max(difference.count, 1))
  let value = Tensor(scalar: Float(difference.sumOfSquares() / Double(max(difference.count, 1))))
  let (needA, needB) = (a.requiresGradient, b.requiresGradient)
  return Tape.record(value, inputs: [a, b]) { g in
    let scale = 2 * g.scalar / n
    let da = difference.scaled(by: scale)
    return [needA ? da : nil, needB ? -da : nil]
  }
}
