#if os(Linux)
  import CMalloc
#endif

/// Process-wide allocator settings for training loops.
///
/// A training step allocates and frees the same few dozen tensors of hundreds of kilobytes every
/// step. glibc serves blocks that large with `mmap` (or trims freed heap memory back to the
/// system), so every step page-faulted and zeroed its tensors again: 3.5% of a two-thread MLP
/// step in `perf record` (`exc_page_fault`, `clear_page_erms`), all of it serial.
public enum MemoryPolicy {
  /// Keeps freed memory in the process for reuse: blocks below 64 MiB come from the heap, and
  /// the heap is trimmed only above 256 MiB free. No effect where the allocator is not glibc's.
  /// Call once at start-up (the executables do).
  public static func retainFreedMemory() {
    #if os(Linux)
      _ = mallopt(M_MMAP_THRESHOLD, 64 << 20)
      _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
    #endif
  }
}
