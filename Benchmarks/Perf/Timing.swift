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

  /// Measures `body` (see the type's summary).
  static func of(runs: Int, minimumRunSeconds: Double = 0.2, _ body: () -> Void) -> Measurement {
    let clock = ContinuousClock()
    func seconds(_ duration: Duration) -> Double {
      let (whole, attoseconds) = duration.components
      return Double(whole) + Double(attoseconds) * 1e-18
    }
    // Warm-up, which also sizes the number of calls in a run.
    var calls = 0
    let warmStart = clock.now
    repeat {
      body()
      calls += 1
    } while seconds(clock.now - warmStart) < minimumRunSeconds / 2
    let perCall = seconds(clock.now - warmStart) / Double(calls)
    let callsPerRun = max(1, Int((minimumRunSeconds / max(perCall, 1e-9)).rounded(.up)))
    var results: [Double] = []
    for _ in 0..<runs {
      let start = clock.now
      for _ in 0..<callsPerRun { body() }
      results.append(seconds(clock.now - start) / Double(callsPerRun))
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
