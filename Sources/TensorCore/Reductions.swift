/// Reductions in a fixed order (increasing flat index), accumulated in Double where they produce
/// one number, so results never depend on thread count.
extension Tensor {
  /// The sum of all elements, accumulated in Double in increasing index order.
  public func sumAll() -> Double {
    scalars.withUnsafeBufferPointer { p in
      var s = 0.0
      for v in p { s += Double(v) }
      return s
    }
  }

  /// The mean of all elements (Double accumulation).
  public func meanAll() -> Double { count == 0 ? 0 : sumAll() / Double(count) }

  /// The sum of squares of all elements (Double accumulation).
  public func sumOfSquares() -> Double {
    scalars.withUnsafeBufferPointer { p in
      var s = 0.0
      for v in p { s += Double(v) * Double(v) }
      return s
    }
  }

  /// Sums over the given axes, keeping them with extent 1.
  public func sum(alongAxes axes: [Int]) -> Tensor {
    var target = shape
    for axis in axes {
      precondition(axis >= 0 && axis < rank, "sum(alongAxes:): axis \(axis) out of range for \(shape)")
      target[axis] = 1
    }
    return summed(toShape: target)
  }

  /// Per-row sums of squares of a tensor whose outermost dimension is the batch: `[batch]`.
  public func rowSumOfSquares() -> [Double] {
    precondition(rank >= 1, "rowSumOfSquares: needs rank >= 1")
    let rows = shape[0]
    let inner = rows == 0 ? 0 : count / rows
    return scalars.withUnsafeBufferPointer { p in
      (0..<rows).map { r in
        var s = 0.0
        for q in 0..<inner { let v = Double(p[r * inner + q]); s += v * v }
        return s
      }
    }
  }
}
