/// A dense, row-major tensor of `Float32` values.
///
/// Storage is a Swift array (copy-on-write). Shapes are part of every operation's contract and
/// are checked with preconditions that print them.
public struct Tensor: Sendable, Equatable, Hashable {
  /// The extent of each dimension, outermost first.
  public private(set) var shape: [Int]
  /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
  public var scalars: [Float]

  /// Creates a tensor from a shape and its row-major elements.
  public init(shape: [Int], scalars: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
    precondition(
      Tensor.elementCount(shape) == scalars.count,
      "Tensor: shape \(shape) needs \(Tensor.elementCount(shape)) scalars, got \(scalars.count)")
    self.shape = shape
    self.scalars = scalars
  }

  /// A tensor of the given shape filled with `value`.
  public init(repeating value: Float, shape: [Int]) {
    self.init(shape: shape, scalars: [Float](repeating: value, count: Tensor.elementCount(shape)))
  }

  /// A tensor of zeros.
  public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

  /// A rank-0 tensor holding one value.
  public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

  /// A rank-1 tensor holding `values`.
  public init(_ values: [Float]) { self.init(shape: [values.count], scalars: values) }

  /// Creates a tensor whose elements are written by `body` into uninitialised storage.
  public init(shape: [Int], unsafeUninitialized body: (UnsafeMutableBufferPointer<Float>) -> Void) {
    let n = Tensor.elementCount(shape)
    self.shape = shape
    self.scalars = [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
      body(buffer)
      initialized = n
    }
  }

  /// Number of elements of a shape.
  @inlinable
  public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

  /// Total number of elements.
  @inlinable public var count: Int { scalars.count }
  /// Number of dimensions.
  @inlinable public var rank: Int { shape.count }

  /// The single element of a one-element tensor.
  public var scalar: Float {
    precondition(scalars.count == 1, "Tensor.scalar: shape \(shape) has \(scalars.count) elements")
    return scalars[0]
  }

  /// The same elements viewed with another shape of equal element count.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    precondition(
      Tensor.elementCount(newShape) == count,
      "reshaped: cannot view shape \(shape) (\(count) elements) as \(newShape)")
    var copy = self
    copy.shape = newShape
    return copy
  }

  /// Rows `range` of the outermost dimension.
  public func rows(_ range: Range<Int>) -> Tensor {
    precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
      "rows: range \(range) out of bounds for shape \(shape)")
    let inner = count / max(shape[0], 1)
    var newShape = shape
    newShape[0] = range.count
    return Tensor(shape: newShape,
      scalars: Array(scalars[(range.lowerBound * inner)..<(range.upperBound * inner)]))
  }

  /// Gathers rows of the outermost dimension in the given order.
  public func gatherRows(_ indices: [Int]) -> Tensor {
    precondition(rank >= 1, "gatherRows: needs rank >= 1, got shape \(shape)")
    let inner = shape[0] == 0 ? 0 : count / shape[0]
    var newShape = shape
    newShape[0] = indices.count
    var out = [Float]()
    out.reserveCapacity(indices.count * inner)
    for i in indices {
      precondition(i >= 0 && i < shape[0], "gatherRows: index \(i) out of bounds for shape \(shape)")
      out.append(contentsOf: scalars[(i * inner)..<((i + 1) * inner)])
    }
    return Tensor(shape: newShape, scalars: out)
  }

  /// Concatenates tensors along the outermost dimension; inner shapes must agree.
  public static func stackRows(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "stackRows: no tensors")
    let inner = Array(parts[0].shape.dropFirst())
    var rows = 0
    var out = [Float]()
    for p in parts {
      precondition(Array(p.shape.dropFirst()) == inner,
        "stackRows: inner shape \(Array(p.shape.dropFirst())) differs from \(inner)")
      rows += p.shape[0]
      out.append(contentsOf: p.scalars)
    }
    return Tensor(shape: [rows] + inner, scalars: out)
  }

  /// True when every element is finite.
  public var isFinite: Bool {
    scalars.withUnsafeBufferPointer { buffer in
      var ok = true
      for v in buffer where !v.isFinite { ok = false; break }
      return ok
    }
  }
}

extension Tensor: CustomStringConvertible {
  /// A short description: shape and the first few elements.
  public var description: String {
    let head = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "Tensor(shape: \(shape), [\(head)\(count > 8 ? ", ..." : "")])"
  }
}
