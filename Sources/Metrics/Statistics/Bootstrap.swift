import TensorCore

/// A point estimate with a two-sided confidence interval.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
  /// The statistic on the original sample(s).
  public let estimate: Double
  /// The lower end of the interval.
  public let lower: Double
  /// The upper end of the interval.
  public let upper: Double
  /// The nominal coverage, e.g. 0.95.
  public let level: Double
  /// Resamples whose statistic was undefined (a ratio of two infinite medians) and were left out.
  public let undefinedResamples: Int

  /// An interval from its parts.
  public init(
    estimate: Double, lower: Double, upper: Double, level: Double, undefinedResamples: Int = 0
  ) {
    self.estimate = estimate
    self.lower = lower
    self.upper = upper
    self.level = level
    self.undefinedResamples = undefinedResamples
  }
}

/// Percentile bootstrap intervals for medians over seeds (Efron & Tibshirani 1993, "An
/// Introduction to the Bootstrap", chapter 13): resample with replacement `B` times, compute the
/// statistic on each resample, and report the `(1 - level)/2` and `(1 + level)/2` quantiles
/// (definition 7) of the `B` values.
///
/// Draws come from the given stream, which must have purpose `.bootstrap`: element `j` of
/// resample `b` is `integer(below: n, sample: b, index: j)` (for a ratio, sample `2b` for the
/// numerator and `2b + 1` for the denominator). So intervals are deterministic, and adding
/// resamples extends the sequence without changing the earlier ones.
public enum Bootstrap {
  /// The default number of resamples.
  public static let defaultResamples = 10_000

  /// The percentile interval of the median of `sample` (non-empty, no NaN; infinities allowed).
  public static func medianInterval(
    _ sample: [Double], level: Double = 0.95, resamples: Int = defaultResamples,
    stream: RandomStream
  ) -> ConfidenceInterval {
    check(level: level, resamples: resamples, stream: stream)
    let estimate = OrderStatistics.median(sample)
    var medians = [Double]()
    medians.reserveCapacity(resamples)
    for b in 0..<resamples {
      medians.append(OrderStatistics.medianOfSorted(resample(sample, stream: stream, sample: b)))
    }
    return interval(estimate: estimate, statistics: medians, level: level, undefined: 0)
  }

  /// The percentile interval of `median(numerator) / median(denominator)` for two independent
  /// samples (a speed-up: `steps_A / steps_B`). A resample with both medians infinite (or both
  /// zero) has no ratio and is left out and counted; `inf / finite` is `inf`.
  public static func medianRatioInterval(
    numerator: [Double], denominator: [Double], level: Double = 0.95,
    resamples: Int = defaultResamples, stream: RandomStream
  ) -> ConfidenceInterval {
    check(level: level, resamples: resamples, stream: stream)
    let estimate = OrderStatistics.median(numerator) / OrderStatistics.median(denominator)
    var ratios = [Double]()
    ratios.reserveCapacity(resamples)
    var undefined = 0
    for b in 0..<resamples {
      let top = OrderStatistics.medianOfSorted(resample(numerator, stream: stream, sample: 2 * b))
      let bottom = OrderStatistics.medianOfSorted(
        resample(denominator, stream: stream, sample: 2 * b + 1))
      let ratio = top / bottom
      if ratio.isNaN { undefined += 1 } else { ratios.append(ratio) }
    }
    return interval(estimate: estimate, statistics: ratios, level: level, undefined: undefined)
  }

  static func check(level: Double, resamples: Int, stream: RandomStream) {
    precondition(level > 0 && level < 1, "Bootstrap: level must be in (0, 1), got \(level)")
    precondition(resamples >= 1, "Bootstrap: needs at least one resample, got \(resamples)")
    precondition(
      stream.purpose == .bootstrap,
      "Bootstrap: draws must come from a .bootstrap stream, got .\(stream.purpose)")
  }

  /// Resample `sample` of the stream, sorted.
  static func resample(_ values: [Double], stream: RandomStream, sample: Int) -> [Double] {
    precondition(
      !values.isEmpty && !values.contains { $0.isNaN },
      "Bootstrap: sample must be non-empty and free of NaN")
    let n = values.count
    return (0..<n).map { j in values[stream.integer(below: n, sample: sample, index: j)] }.sorted()
  }

  static func interval(estimate: Double, statistics: [Double], level: Double, undefined: Int)
    -> ConfidenceInterval
  {
    guard !statistics.isEmpty else {
      return ConfidenceInterval(
        estimate: estimate, lower: .nan, upper: .nan, level: level, undefinedResamples: undefined)
    }
    let sorted = statistics.sorted()
    return ConfidenceInterval(
      estimate: estimate,
      lower: OrderStatistics.quantileOfSorted(sorted, (1 - level) / 2),
      upper: OrderStatistics.quantileOfSorted(sorted, (1 + level) / 2),
      level: level, undefinedResamples: undefined)
  }
}
