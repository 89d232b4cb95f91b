import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `exp(x)`; pullback `g exp(x)`.
public func exp(_ x: Variable) -> Variable {
  let y = x.value.exp()
  return Tape.record(y, inputs: [x]) { g in [g * y] }
}

/// `log(x)`; pullback `g / x`.
public func log(_ x: Variable) -> Variable {
  let xv = x.value
  return Tape.record(xv.log(), inputs: [x]) { g in [g / xv] }
}

/// `sqrt(x)`; pullback `g / (2 sqrt(x))`.
public func sqrt(_ x: Variable) -> Variable {
  let y = x.value.squareRoot()
  return Tape.record(y, inputs: [x]) { g in [g.zipMap(y) { gi, yi in gi / (2 * yi) }] }
}

/// `x^2`; pullback `2 g x`.
public func square(_ x: Variable) -> Variable {
  let xv = x.value
  return Tape.record(xv.squared(), inputs: [x]) { g in [g.zipMap(xv) { gi, xi in 2 * gi * xi }] }
}

/// `silu(x) = x sigmoid(x)` (Elfwing et al. 2018); pullback `g s (1 + x (1 - s))`.
public func silu(_ x: Variable) -> Variable {
  let xv = x.value
  return Tape.record(SiLU.forward(xv), inputs: [x]) { g in [SiLU.backward(xv, upstream: g)] }
}
