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
///
/// `referenceForward`/`referenceBackward` are the scalar loops on the C library's `expf`, kept as
/// the specification; `forward`/`backward` are the eight-lane path on `VectorMath.exp` (same
/// formulas, same operation order), within a few ulp of the reference and about 4x faster
/// (`perf elementwise --op silu --clock cpu`, 256x512: forward 3.3 -> 0.75 ns per element,
/// backward 3.65 -> 0.84). Both are elementwise, so neither depends on the thread count.
public enum SiLU {
  /// The logistic sigmoid `1 / (1 + exp(-x))`.
  @inline(__always)
  public static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

  /// The logistic sigmoid on eight lanes, `1 / (1 + VectorMath.exp(-x))`.
  @inline(__always)
  public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + VectorMath.exp(-x)) }

  /// `silu(x)` elementwise (the eight-lane path).
  public static func forward(_ x: Tensor) -> Tensor {
    Tensor(shape: x.shape) { out in
      x.scalars.withUnsafeBufferPointer { source in
        let shared = UncheckedSendable((source.baseAddress, out.baseAddress))
        forEachBlock(count: out.count) { range in
          guard let input = shared.value.0, let output = shared.value.1 else { return }
          var i = range.lowerBound
          while i + 8 <= range.upperBound {
            let v = UnsafeRawPointer(input + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(output + i).storeBytes(of: v * sigmoid(v), as: SIMD8<Float>.self)
            i += 8
          }
          if i < range.upperBound {
            // The tail goes through the same lane arithmetic, padded with zeros.
            let lanes = range.upperBound - i
            let v = load(input + i, lanes: lanes)
            store(v * sigmoid(v), to: output + i, lanes: lanes)
          }
        }
      }
    }
  }

  /// `upstream * silu'(x)` elementwise (the eight-lane path).
  public static func backward(_ x: Tensor, upstream: Tensor) -> Tensor {
    precondition(x.shape == upstream.shape, "SiLU.backward: shapes \(x.shape) and \(upstream.shape) differ")
    return Tensor(shape: x.shape) { out in
      x.scalars.withUnsafeBufferPointer { source in
        upstream.scalars.withUnsafeBufferPointer { gradient in
          let shared = UncheckedSendable((source.baseAddress, gradient.baseAddress, out.baseAddress))
          forEachBlock(count: out.count) { range in
            guard let input = shared.value.0, let g = shared.value.1, let output = shared.value.2 else { return }
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
              let v = UnsafeRawPointer(input + i).loadUnaligned(as: SIMD8<Float>.self)
              let u = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
              let s = sigmoid(v)
              UnsafeMutableRawPointer(output + i).storeBytes(of: u * (s * (1 + v * (1 - s))), as: SIMD8<Float>.self)
              i += 8
            }
            if i < range.upperBound {
              let lanes = range.upperBound - i
              let v = load(input + i, lanes: lanes)
              let s = sigmoid(v)
              store(load(g + i, lanes: lanes) * (s * (1 + v * (1 - s))), to: output + i, lanes: lanes)
            }
          }
        }
      }
    }
  }

  /// `silu(x)` elementwise by the scalar reference loop.
  public static func referenceForward(_ x: Tensor) -> Tensor { x.map { $0 * sigmoid($0) } }

  /// `upstream * silu'(x)` elementwise by the scalar reference loop.
  public static func referenceBackward(_ x: Tensor, upstream: Tensor) -> Tensor {
    x.zipMap(upstream) { v, g in
      let s = sigmoid(v)
      return g * (s * (1 + v * (1 - s)))
    }
  }

  /// Elements per task when an elementwise kernel is split over the pool (a multiple of 8).
  static let blockSize = 1 << 16

  /// Runs `body` over `0..<count` in blocks of `blockSize`, on the pool when there are several.
  /// Elementwise results cannot depend on the split.
  @inline(__always)
  static func forEachBlock(count: Int, _ body: (Range<Int>) -> Void) {
    ComputeThreads.forEachBlock(count: count, blockSize: blockSize, body)
  }

  /// The first `lanes` (< 8) floats at `pointer`, zero-padded.
  static func load(_ pointer: UnsafePointer<Float>, lanes: Int) -> SIMD8<Float> {
    var v = SIMD8<Float>()
    for lane in 0..<lanes { v[lane] = pointer[lane] }
    return v
  }

  /// Stores the first `lanes` (< 8) lanes of `v`.
  static func store(_ v: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float>, lanes: Int) {
    for lane in 0..<lanes { pointer[lane] = v[lane] }
  }
}
