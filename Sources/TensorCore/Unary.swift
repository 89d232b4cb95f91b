#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Elementwise maps and scalar arithmetic.
extension Tensor {
  /// Applies `transform` to every element.
  @inlinable
  public func map(_ transform: (Float) -> Float) -> Tensor {
    Tensor(shape: shape) { out in
      scalars.withUnsafeBufferPointer { source in
        for i in 0..<out.count { out[i] = transform(source[i]) }
      }
    }
  }

  /// Combines two same-shaped tensors elementwise.
  @inlinable
  public func zipMap(_ other: Tensor, _ transform: (Float, Float) -> Float) -> Tensor {
    precondition(shape == other.shape, "zipMap: shapes \(shape) and \(other.shape) differ")
    return Tensor(shape: shape) { out in
      scalars.withUnsafeBufferPointer { a in
        other.scalars.withUnsafeBufferPointer { b in
          for i in 0..<out.count { out[i] = transform(a[i], b[i]) }
        }
      }
    }
  }

  /// `self * factor`.
  public func scaled(by factor: Float) -> Tensor { map { $0 * factor } }
  /// `self + offset`.
  public func adding(_ offset: Float) -> Tensor { map { $0 + offset } }
  /// `-self`.
  public static prefix func - (x: Tensor) -> Tensor { x.map { -$0 } }
  /// `exp(self)`.
  public func exp() -> Tensor { map { expf($0) } }
  /// `log(self)`.
  public func log() -> Tensor { map { logf($0) } }
  /// `sqrt(self)`.
  public func squareRoot() -> Tensor { map { $0.squareRoot() } }
  /// `self^2`.
  public func squared() -> Tensor { map { $0 * $0 } }
  /// `sin(self)`.
  public func sin() -> Tensor { map { sinf($0) } }
  /// `cos(self)`.
  public func cos() -> Tensor { map { cosf($0) } }

  /// In-place `self += factor * other` (same shape), the update of optimisers and EMAs.
  public mutating func addScaled(_ other: Tensor, by factor: Float) {
    precondition(shape == other.shape, "addScaled: shapes \(shape) and \(other.shape) differ")
    other.scalars.withUnsafeBufferPointer { b in
      scalars.withUnsafeMutableBufferPointer { a in
        for i in 0..<a.count { a[i] = a[i] + factor * b[i] }
      }
    }
  }
}

/// SiLU and its derivative: `silu(x) = x sigmoid(x)`, `silu'(x) = s (1 + x (1 - s))` with
/// `s = sigmoid(x)`.
public enum SiLU {
  /// The logistic sigmoid `1 / (1 + exp(-x))`.
  @inline(__always)
  public static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

  /// `silu(x)` elementwise.
  public static func forward(_ x: Tensor) -> Tensor { x.map { $0 * sigmoid($0) } }

  /// `upstream * silu'(x)` elementwise.
  public static func backward(_ x: Tensor, upstream: Tensor) -> Tensor {
    x.zipMap(upstream) { v, g in
      let s = sigmoid(v)
      return g * (s * (1 + v * (1 - s)))
    }
  }
}
