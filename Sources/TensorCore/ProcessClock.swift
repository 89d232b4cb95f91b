#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// CPU time of the whole process (every thread), in seconds: `CLOCK_PROCESS_CPUTIME_ID`. Less
/// sensitive than wall time to other processes on a shared machine (the training clocks and the
/// statistics estimate record both).
public func processCPUSeconds() -> Double {
  var spec = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
  return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}
