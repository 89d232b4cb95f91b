#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The machine's load average (`getloadavg`), recorded with runs and evaluations so that reports
/// can tell when time-based speed-ups were measured under changing load (docs/harness.md,
/// "Fair clocks").
public enum LoadAverage {
  /// The 1-minute load average, or `nil` where the system does not report one.
  public static func current() -> Double? {
    var values = [Double](repeating: 0, count: 1)
    return getloadavg(&values, 1) == 1 ? values[0] : nil
  }
}
