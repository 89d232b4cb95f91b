#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reusable, 64-byte aligned Float buffers for the kernels' packed panels and im2col matrices.
///
/// Large allocations go straight to `mmap` in the C allocator, so a fresh buffer per call costs a
/// page fault per 4 KiB on first touch (measured: about a quarter of the time of a 256x512x512
/// product). Kernels borrow a buffer here instead and give it back; the pool keeps a few, so at
/// steady state nothing is allocated. Contents are never read before being written, so reuse
/// cannot change a result.
enum ScratchBuffers {
  /// Buffers kept for reuse beyond this count are freed.
  static let keptBuffers = 16

  /// Runs `body` with a buffer of at least `capacity` Floats (plus 16 Floats of slack that
  /// vector stores may overrun into).
  @inline(__always)
  static func with<Result>(capacity: Int, _ body: (UnsafeMutablePointer<Float>) -> Result) -> Result {
    let buffer = pool.acquire(capacity + 16)
    defer { pool.release(buffer) }
    return body(buffer.base)
  }

  struct Buffer {
    let base: UnsafeMutablePointer<Float>
    let capacity: Int
  }

  final class Pool: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    // Guarded by `mutex`.
    private var free: [Buffer] = []

    init() {
      mutex = .allocate(capacity: 1)
      pthread_mutex_init(mutex, nil)
    }

    func acquire(_ capacity: Int) -> Buffer {
      pthread_mutex_lock(mutex)
      // The smallest kept buffer that is large enough.
      var chosen = -1
      for (index, buffer) in free.enumerated() where buffer.capacity >= capacity {
        if chosen < 0 || buffer.capacity < free[chosen].capacity { chosen = index }
      }
      let found = chosen >= 0 ? free.remove(at: chosen) : nil
      pthread_mutex_unlock(mutex)
      if let found { return found }
      // Round up so that slowly growing requests do not each allocate anew.
      let rounded = max(4096, (capacity + 4095) / 4096 * 4096)
      let raw = UnsafeMutableRawPointer.allocate(byteCount: rounded * MemoryLayout<Float>.stride, alignment: 64)
      return Buffer(base: raw.bindMemory(to: Float.self, capacity: rounded), capacity: rounded)
    }

    func release(_ buffer: Buffer) {
      pthread_mutex_lock(mutex)
      free.append(buffer)
      var evicted: Buffer? = nil
      // Beyond the kept count, drop the smallest: the large ones are the expensive ones to fault
      // in again.
      if free.count > ScratchBuffers.keptBuffers,
        let smallest = free.indices.min(by: { free[$0].capacity < free[$1].capacity })
      {
        evicted = free.remove(at: smallest)
      }
      pthread_mutex_unlock(mutex)
      if let evicted { UnsafeMutableRawPointer(evicted.base).deallocate() }
    }
  }

  static let pool = Pool()
}

/// A valid, never-dereferenced address for empty buffers, so kernels can take `address` without
/// force-unwrapping `baseAddress` (they do no work when the count is 0).
enum EmptyBufferAddress {
  nonisolated(unsafe) static let raw = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
}

extension UnsafeBufferPointer {
  /// `baseAddress`, or a valid placeholder when the buffer is empty.
  var address: UnsafePointer<Element> {
    baseAddress ?? UnsafePointer(EmptyBufferAddress.raw.assumingMemoryBound(to: Element.self))
  }
}

extension UnsafeMutableBufferPointer {
  /// `baseAddress`, or a valid placeholder when the buffer is empty.
  var address: UnsafeMutablePointer<Element> {
    baseAddress ?? EmptyBufferAddress.raw.assumingMemoryBound(to: Element.self)
  }
}
