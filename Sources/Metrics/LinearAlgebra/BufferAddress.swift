/// Non-optional element addresses for the kernels, without force-unwrapping `baseAddress`.
///
/// A buffer's `baseAddress` is `nil` only when it is empty, and an empty buffer means the kernel
/// has no work to do: it then gets the address of a one-element scratch that no loop reaches.
enum EmptyBufferScratch {
  nonisolated(unsafe) static let double = UnsafeMutablePointer<Double>.allocate(capacity: 1)
}

extension UnsafeBufferPointer<Double> {
  /// `baseAddress`, or a scratch address for an empty buffer.
  @inline(__always) var address: UnsafePointer<Double> {
    baseAddress ?? UnsafePointer(EmptyBufferScratch.double)
  }
}

extension UnsafeMutableBufferPointer<Double> {
  /// `baseAddress`, or a scratch address for an empty buffer.
  @inline(__always) var address: UnsafeMutablePointer<Double> {
    baseAddress ?? EmptyBufferScratch.double
  }
}
