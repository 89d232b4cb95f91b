/// The element types this module reads from and writes to `.npy` files, all little-endian.
///
/// Images are `uint8`; feature matrices and statistics are `float32` or `float64`; labels are
/// `uint8`, `int32` or `int64` (NumPy's default integer).
public enum NumpyDType: String, Sendable, CaseIterable, Codable {
  /// `|u1`: unsigned bytes (image pixels).
  case uint8
  /// `<i4`: 32-bit signed integers.
  case int32
  /// `<i8`: 64-bit signed integers.
  case int64
  /// `<f4`: IEEE single precision.
  case float32
  /// `<f8`: IEEE double precision.
  case float64

  /// The NumPy type string written in headers (`descr`).
  public var descr: String {
    switch self {
    case .uint8: "|u1"
    case .int32: "<i4"
    case .int64: "<i8"
    case .float32: "<f4"
    case .float64: "<f8"
    }
  }

  /// Bytes per element.
  public var byteWidth: Int {
    switch self {
    case .uint8: 1
    case .int32: 4
    case .int64: 8
    case .float32: 4
    case .float64: 8
    }
  }

  /// The dtype of a header's `descr`, or nil when unsupported. A one-byte type accepts any
  /// byte-order mark (`|u1`, `<u1`, `=u1`); wider ones must be little-endian (`<`).
  public init?(descr: String) {
    switch descr {
    case "|u1", "<u1", "=u1", ">u1", "u1", "B", "|B": self = .uint8
    case "<i4": self = .int32
    case "<i8": self = .int64
    case "<f4": self = .float32
    case "<f8": self = .float64
    default: return nil
    }
  }
}
