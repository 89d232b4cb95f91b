/// NumPy-style broadcasting of shapes: trailing dimensions aligned, extents equal or 1.
public enum Broadcasting {
  /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
  public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      if da == db || db == 1 {
        out[i] = da
      } else if da == 1 {
        out[i] = db
      } else {
        return nil
      }
    }
    return out
  }

  /// Strides of `shape` read inside `outShape`, with 0 for broadcast dimensions.
  static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
    let rank = outShape.count
    var strides = [Int](repeating: 0, count: rank)
    var running = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
      let o = i + (rank - shape.count)
      strides[o] = shape[i] == 1 && outShape[o] != 1 ? 0 : running
      running *= shape[i]
    }
    return strides
  }
}

/// An elementwise binary operation on Float32.
public protocol BinaryScalarOperation {
  /// The operation on one pair of elements.
  static func apply(_ x: Float, _ y: Float) -> Float
}

/// `x + y`.
public enum AddOperation: BinaryScalarOperation {
  @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x + y }
}
/// `x - y`.
public enum SubtractOperation: BinaryScalarOperation {
  @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x - y }
}
/// `x * y`.
public enum MultiplyOperation: BinaryScalarOperation {
  @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x * y }
}
/// `x / y`.
public enum DivideOperation: BinaryScalarOperation {
  @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x / y }
}

extension Tensor {
  /// Applies `Operation` elementwise to `a` and `b` under broadcasting.
  public static func broadcastBinary<Operation: BinaryScalarOperation>(
    _ a: Tensor, _ b: Tensor, _ operation: Operation.Type
  ) -> Tensor {
    if a.shape == b.shape {
      return Tensor(shape: a.shape) { out in
        a.scalars.withUnsafeBufferPointer { pa in
          b.scalars.withUnsafeBufferPointer { pb in
            for i in 0..<out.count { out[i] = Operation.apply(pa[i], pb[i]) }
          }
        }
      }
    }
    guard let outShape = Broadcasting.shape(a.shape, b.shape) else {
      preconditionFailure("broadcast: shapes \(a.shape) and \(b.shape) are incompatible")
    }
    let rank = outShape.count
    let sa = Broadcasting.strides(of: a.shape, in: outShape)
    let sb = Broadcasting.strides(of: b.shape, in: outShape)
    let inner = rank == 0 ? 1 : outShape[rank - 1]
    let innerA = rank == 0 ? 0 : sa[rank - 1]
    let innerB = rank == 0 ? 0 : sb[rank - 1]
    let outer = inner == 0 ? 0 : Tensor.elementCount(outShape) / inner
    return Tensor(shape: outShape) { out in
      a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
          var index = [Int](repeating: 0, count: max(rank - 1, 0))
          var offsetA = 0
          var offsetB = 0
          for row in 0..<outer {
            let target = out.baseAddress! + row * inner
            if innerA == 1 && innerB == 1 {
              for q in 0..<inner { target[q] = Operation.apply(pa[offsetA + q], pb[offsetB + q]) }
            } else if innerA == 1 {
              let y = pb[offsetB]
              for q in 0..<inner { target[q] = Operation.apply(pa[offsetA + q], y) }
            } else if innerB == 1 {
              let x = pa[offsetA]
              for q in 0..<inner { target[q] = Operation.apply(x, pb[offsetB + q]) }
            } else {
              let value = Operation.apply(pa[offsetA], pb[offsetB])
              for q in 0..<inner { target[q] = value }
            }
            // Advance the outer multi-index (odometer order).
            var d = rank - 2
            while d >= 0 {
              index[d] += 1
              offsetA += sa[d]
              offsetB += sb[d]
              if index[d] < outShape[d] { break }
              offsetA -= sa[d] * outShape[d]
              offsetB -= sb[d] * outShape[d]
              index[d] = 0
              d -= 1
            }
          }
        }
      }
    }
  }

  /// `a + b` under broadcasting.
  public static func + (a: Tensor, b: Tensor) -> Tensor { broadcastBinary(a, b, AddOperation.self) }
  /// `a - b` under broadcasting.
  public static func - (a: Tensor, b: Tensor) -> Tensor { broadcastBinary(a, b, SubtractOperation.self) }
  /// `a * b` under broadcasting.
  public static func * (a: Tensor, b: Tensor) -> Tensor { broadcastBinary(a, b, MultiplyOperation.self) }
  /// `a / b` under broadcasting.
  public static func / (a: Tensor, b: Tensor) -> Tensor { broadcastBinary(a, b, DivideOperation.self) }

  /// Sums this tensor down to `target`, a shape it was broadcast from (the adjoint of
  /// broadcasting). Elements are added in increasing flat index order, so the result does not
  /// depend on threads.
  public func summed(toShape target: [Int]) -> Tensor {
    if target == shape { return self }
    precondition(Broadcasting.shape(target, shape) == shape,
      "summed(toShape:): \(target) does not broadcast to \(shape)")
    let rank = shape.count
    let strides = Broadcasting.strides(of: target, in: shape)
    let inner = rank == 0 ? 1 : shape[rank - 1]
    let innerStride = rank == 0 ? 0 : strides[rank - 1]
    let outer = inner == 0 ? 0 : count / inner
    var out = [Float](repeating: 0, count: Tensor.elementCount(target))
    scalars.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { result in
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var offset = 0
        for row in 0..<outer {
          let src = source.baseAddress! + row * inner
          if innerStride == 1 {
            for q in 0..<inner { result[offset + q] += src[q] }
          } else {
            var sum = result[offset]
            for q in 0..<inner { sum += src[q] }
            result[offset] = sum
          }
          var d = rank - 2
          while d >= 0 {
            index[d] += 1
            offset += strides[d]
            if index[d] < shape[d] { break }
            offset -= strides[d] * shape[d]
            index[d] = 0
            d -= 1
          }
        }
      }
    }
    return Tensor(shape: target, scalars: out)
  }
}
