import TensorCore

/// The same elements with another shape; pullback reshapes back.
public func reshape(_ x: Variable, _ shape: [Int]) -> Variable {
  let original = x.shape
  return Tape.record(x.value.reshaped(shape), inputs: [x]) { g in [g.reshaped(original)] }
}

/// Concatenation along `axis`; pullback splits the gradient.
public func concatenate(_ parts: [Variable], axis: Int) -> Variable {
  let extents = parts.map { $0.shape[axis] }
  let needs = parts.map { $0.requiresGradient }
  return Tape.record(Tensor.concatenate(parts.map { $0.value }, axis: axis), inputs: parts) { g in
    zip(g.split(axis: axis, extents: extents), needs).map { $1 ? $0 : nil }
  }
}
