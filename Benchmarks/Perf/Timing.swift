#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a measurement reads: wall-clock time (the default, what a user waits for) or the CPU
/// time of the whole process (robust to other processes taking turns on the cores, so useful for
/// tuning single-threaded kernels on a shared machine; for several threads it sums them).
enum BenchmarkClock: String, CaseIterable {
  case wall, cpu

  /// Seconds since an arbitrary origin.
  func now() -> Double {
    var time = timespec()
    switch self {
    case .wall: clock_gettime(CLOCK_MONOTONIC, &time)
    case .cpu: clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    }
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  /// Parses `--clock` (`fallback` when absent).
  static func parse(_ arguments: ParsedArguments, default fallback: BenchmarkClock = .wall) throws -> BenchmarkClock {
    let text = arguments.options["--clock"] ?? fallback.rawValue
    guard let clock = BenchmarkClock(rawValue: text) else {
      throw PerfFailure.usage("\(arguments.command): --clock must be wall or cpu, got '\(text)'")
    }
    return clock
  }
}

/// Timed runs of a benchmark body.
///
/// A *run* calls the body back to back until at least `minimumRunSeconds` have passed (so short
/// kernels are not dominated by clock resolution) and yields seconds per call. After one untimed
/// warm-up run, `runs` runs are timed; the figure reported is the **best** (smallest) seconds per
/// call, the customary statistic on a machine shared with other work, and the median is kept
/// beside it.
struct Measurement {
  /// Seconds per call of every timed run, in the order they ran.
  let secondsPerCall: [Double]

  /// The smallest seconds per call.
  var best: Double { secondsPerCall.min() ?? .nan }

  /// The median seconds per call.
  var median: Double {
    let sorted = secondsPerCall.sorted()
    guard !sorted.isEmpty else { return .nan }
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }

  /// Measures `body` (see the type's summary) on `clock`.
  static func of(
    runs: Int, clock: BenchmarkClock = .wall, minimumRunSeconds: Double = 0.2, _ body: () -> Void
  ) -> Measurement {
    // Warm-up, which also sizes the number of calls in a run.
    var calls = 0
    let warmStart = clock.now()
    repeat {
      body()
      calls += 1
    } while clock.now() - warmStart < minimumRunSeconds / 2
    let perCall = (clock.now() - warmStart) / Double(calls)
    let callsPerRun = max(1, Int((minimumRunSeconds / max(perCall, 1e-9)).rounded(.up)))
    var results: [Double] = []
    for _ in 0..<runs {
      let start = clock.now()
      for _ in 0..<callsPerRun { body() }
      results.append((clock.now() - start) / Double(callsPerRun))
    }
    return Measurement(secondsPerCall: results)
  }
}

/// Formats a figure for the human-readable output.
func formatted(_ value: Double, digits: Int = 2) -> String {
  guard value.isFinite else { return "\(value)" }
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let rounded = (value * scale).rounded() / scale
  return "\(rounded)"
}

extension String {
  /// This string padded with spaces to `width` columns; at least one space follows a longer one.
  func padded(to width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }

  /// This string right-aligned in `width` columns.
  func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
