import TensorCore

/// An n-dimensional array as NumPy stores it in a `.npy` file: a shape and its elements in C
/// (row-major) order.
///
/// Read with `NumpyArray(contentsOf:)` or `NumpyArray(decoding:path:)`, written with
/// `write(to:)` or `encoded()`; see `NumpyArray+Reading.swift` for the accepted headers.
public struct NumpyArray: Sendable, Equatable {
  /// The elements, in row-major order, in their stored type.
  public enum Elements: Sendable, Equatable {
    /// Unsigned bytes.
    case uint8([UInt8])
    /// 32-bit signed integers.
    case int32([Int32])
    /// 64-bit signed integers.
    case int64([Int64])
    /// Single-precision floats.
    case float32([Float])
    /// Double-precision floats.
    case float64([Double])

    /// The number of elements.
    public var count: Int {
      switch self {
      case .uint8(let v): v.count
      case .int32(let v): v.count
      case .int64(let v): v.count
      case .float32(let v): v.count
      case .float64(let v): v.count
      }
    }

    /// The element type.
    public var dtype: NumpyDType {
      switch self {
      case .uint8: .uint8
      case .int32: .int32
      case .int64: .int64
      case .float32: .float32
      case .float64: .float64
      }
    }
  }

  /// The extent of each dimension, outermost first (`[]` for a 0-d array).
  public let shape: [Int]
  /// The elements in row-major order; `elements.count == shape.reduce(1, *)`.
  public let elements: Elements

  /// Creates an array; the element count must match the shape.
  public init(shape: [Int], elements: Elements) {
    precondition(
      shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == elements.count,
      "NumpyArray: shape \(shape) needs \(shape.reduce(1, *)) elements, got \(elements.count)")
    self.shape = shape
    self.elements = elements
  }

  /// A float32 array with the tensor's shape and elements.
  public init(_ tensor: Tensor) {
    self.init(shape: tensor.shape, elements: .float32(tensor.scalars))
  }

  /// The element type.
  public var dtype: NumpyDType { elements.dtype }
  /// The number of elements.
  public var count: Int { elements.count }

  /// The elements converted to `Double` (exactly, except `int64` beyond 2^53).
  public func doubles() -> [Double] {
    switch elements {
    case .uint8(let v): v.map { Double($0) }
    case .int32(let v): v.map { Double($0) }
    case .int64(let v): v.map { Double($0) }
    case .float32(let v): v.map { Double($0) }
    case .float64(let v): v
    }
  }

  /// The elements converted to `Float` (`float64` and wide integers are rounded once).
  public func floats() -> [Float] {
    switch elements {
    case .uint8(let v): v.map { Float($0) }
    case .int32(let v): v.map { Float($0) }
    case .int64(let v): v.map { Float($0) }
    case .float32(let v): v
    case .float64(let v): v.map { Float($0) }
    }
  }

  /// The array as a Float32 tensor of the same shape (see `floats()`).
  public func tensor() -> Tensor { Tensor(shape: shape, scalars: floats()) }

  /// The elements as integers, or nil for float arrays (labels are read this way).
  public func integers() -> [Int]? {
    switch elements {
    case .uint8(let v): v.map { Int($0) }
    case .int32(let v): v.map { Int($0) }
    case .int64(let v): v.map { Int($0) }
    case .float32, .float64: nil
    }
  }
}
