/// The machine load a suite's runs saw (docs/harness.md, "Fair clocks"): the 1-minute load
/// average recorded at every run's start and at every evaluation. When it changed much during the
/// suite, wall-time (and to a lesser degree CPU-time) speed-ups compare arms measured under
/// different conditions, and reports flag them.
public struct LoadSummary: Sendable, Hashable {
  /// The lowest and highest recorded load average.
  public var lowest: Double
  public var highest: Double
  /// The logical cores of the machines the runs ran on (the largest, for the threshold).
  public var cores: Int
  /// How many load readings there were.
  public var readings: Int

  /// A summary from its parts.
  public init(lowest: Double, highest: Double, cores: Int, readings: Int) {
    self.lowest = lowest
    self.highest = highest
    self.cores = cores
    self.readings = readings
  }

  /// Whether the load changed enough to flag time-based speed-ups: the highest reading exceeds
  /// the lowest by more than `max(0.5, 0.25 x cores)`.
  public var changed: Bool { highest - lowest > max(0.5, 0.25 * Double(cores)) }

  /// The load summary of `runs`, or `nil` when none recorded a load.
  public static func of(_ runs: [RunResult]) -> LoadSummary? {
    var values: [Double] = []
    for result in runs {
      if let start = result.run.loadAtStart { values.append(start) }
      values.append(contentsOf: result.evaluations.compactMap { $0.loadAverage })
    }
    guard let lowest = values.min(), let highest = values.max() else { return nil }
    return LoadSummary(lowest: lowest, highest: highest, cores: runs.map { $0.run.machine.cores }.max() ?? 1,
      readings: values.count)
  }
}
