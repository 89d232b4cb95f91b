import TensorCore

/// Broadcasting elementwise arithmetic. Pullbacks never capture a `Variable` (it holds its tape
/// strongly, and the tape holds the pullback: a cycle that would leak every tape). Pullbacks sum the upstream gradient back to each
/// operand's shape (`Tensor.summed(toShape:)`), the adjoint of broadcasting.
extension Variable {
  /// `a + b` under broadcasting; `da = sum_to_a(g)`, `db = sum_to_b(g)`.
  public static func + (a: Variable, b: Variable) -> Variable {
    let (sa, sb) = (a.shape, b.shape)
    let (needA, needB) = (a.requiresGradient, b.requiresGradient)
    return Tape.record(a.value + b.value, inputs: [a, b]) { g in
      [needA ? g.summed(toShape: sa) : nil, needB ? g.summed(toShape: sb) : nil]
    }
  }

  /// `a - b` under broadcasting; `da = sum_to_a(g)`, `db = -sum_to_b(g)`.
  public static func - (a: Variable, b: Variable) -> Variable {
    let (sa, sb) = (a.shape, b.shape)
    let (needA, needB) = (a.requiresGradient, b.requiresGradient)
    return Tape.record(a.value - b.value, inputs: [a, b]) { g in
      [needA ? g.summed(toShape: sa) : nil, needB ? (-g).summed(toShape: sb) : nil]
    }
  }

  /// `a * b` under broadcasting; `da = sum_to_a(g b)`, `db = sum_to_b(g a)`.
  public static func * (a: Variable, b: Variable) -> Variable {
    let (av, bv) = (a.value, b.value)
    let (needA, needB) = (a.requiresGradient, b.requiresGradient)
    return Tape.record(av * bv, inputs: [a, b]) { g in
      [needA ? (g * bv).summed(toShape: av.shape) : nil,
       needB ? (g * av).summed(toShape: bv.shape) : nil]
    }
  }

  /// `a / b` under broadcasting; `da = sum_to_a(g / b)`, `db = -sum_to_b(g a / b^2)`.
  public static func / (a: Variable, b: Variable) -> Variable {
    let (av, bv) = (a.value, b.value)
    let quotient = av / bv
    let (needA, needB) = (a.requiresGradient, b.requiresGradient)
    return Tape.record(quotient, inputs: [a, b]) { g in
      [needA ? (g / bv).summed(toShape: av.shape) : nil,
       needB ? (-(g * quotient) / bv).summed(toShape: bv.shape) : nil]
    }
  }

  /// `x * factor` for a constant scalar.
  public static func * (x: Variable, factor: Float) -> Variable {
    Tape.record(x.value.scaled(by: factor), inputs: [x]) { g in [g.scaled(by: factor)] }
  }

  /// `factor * x` for a constant scalar.
  public static func * (factor: Float, x: Variable) -> Variable { x * factor }

  /// `x + offset` for a constant scalar.
  public static func + (x: Variable, offset: Float) -> Variable {
    Tape.record(x.value.adding(offset), inputs: [x]) { g in [g] }
  }

  /// `-x`.
  public static prefix func - (x: Variable) -> Variable { x * -1 }

  /// `x + c` for a constant tensor (broadcast).
  public static func + (x: Variable, c: Tensor) -> Variable { x + Variable(c) }
  /// `x - c` for a constant tensor (broadcast).
  public static func - (x: Variable, c: Tensor) -> Variable { x - Variable(c) }
  /// `x * c` for a constant tensor (broadcast).
  public static func * (x: Variable, c: Tensor) -> Variable { x * Variable(c) }
  /// `c * x` for a constant tensor (broadcast).
  public static func * (c: Tensor, x: Variable) -> Variable { x * Variable(c) }
}
