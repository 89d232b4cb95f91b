import Metrics

/// A summary of one value over seeds: median and range.
public struct SeedSummary: Sendable, Hashable {
  /// How many seeds.
  public var count: Int
  /// The median.
  public var median: Double
  /// The smallest value.
  public var minimum: Double
  /// The largest value.
  public var maximum: Double
  /// The first quartile (definition 7).
  public var lowerQuartile: Double
  /// The third quartile (definition 7).
  public var upperQuartile: Double

  /// The summary of `values` (non-empty; NaN values are left out, and an all-NaN sample gives
  /// NaN everywhere).
  public init?(_ values: [Double]) {
    guard !values.isEmpty else { return nil }
    let finite = values.filter { !$0.isNaN }
    count = values.count
    guard !finite.isEmpty else {
      (median, minimum, maximum, lowerQuartile, upperQuartile) = (.nan, .nan, .nan, .nan, .nan)
      return
    }
    median = OrderStatistics.median(finite)
    minimum = finite.min() ?? .nan
    maximum = finite.max() ?? .nan
    lowerQuartile = OrderStatistics.quantile(finite, 0.25)
    upperQuartile = OrderStatistics.quantile(finite, 0.75)
  }
}

/// One arm's final value of one metric over its completed seeds.
public struct FinalQuality: Sendable, Hashable {
  /// The arm.
  public var arm: Arm
  /// The metric (`nil` for the training loss).
  public var metric: MetricKey?
  /// The summary over completed seeds.
  public var summary: SeedSummary
}

/// One point of a quality curve: a step and the summary over the seeds evaluated there.
public struct CurvePoint: Sendable, Hashable {
  /// The training step.
  public var step: Int
  /// The summary over the seeds that have a value at `step`.
  public var summary: SeedSummary
}

/// One arm's curve of one metric against the training step.
public struct QualityCurve: Sendable, Hashable {
  /// The arm.
  public var arm: Arm
  /// The metric.
  public var metric: MetricKey
  /// The points, by increasing step.
  public var points: [CurvePoint]
}

/// Summaries of final quality and of quality curves over seeds.
public enum QualitySummary {
  /// Every metric measured in `runs`, sorted by (name, NFE).
  public static func metricKeys(_ runs: [RunResult]) -> [MetricKey] {
    var keys: Set<MetricKey> = []
    for result in runs {
      for evaluation in result.evaluations {
        for metric in evaluation.metrics { keys.insert(metric.key) }
      }
    }
    return keys.sorted()
  }

  /// The final value of each metric (and of the loss, `metric == nil`, listed first) per arm,
  /// over completed runs only (a diverged run's last numbers are not a final quality).
  public static func finalQuality(_ runs: [RunResult]) -> [FinalQuality] {
    let completed = runs.filter { $0.run.status == .completed && !$0.evaluations.isEmpty }
    let arms = Array(Set(completed.map { $0.run.cell.arm })).sorted()
    let keys: [MetricKey?] = [nil] + metricKeys(completed).map { Optional($0) }
    var table: [FinalQuality] = []
    for arm in arms {
      let armRuns = completed.filter { $0.run.cell.arm == arm }
      for key in keys {
        let values = armRuns.compactMap { result -> Double? in
          guard let last = result.finalEvaluation else { return nil }
          guard let key else { return last.loss }
          return last.value(of: key)
        }
        if let summary = SeedSummary(values) {
          table.append(FinalQuality(arm: arm, metric: key, summary: summary))
        }
      }
    }
    return table
  }

  /// The curve of `metric` for `arm`: at each evaluated step, the summary over the seeds that
  /// have a value there (diverged seeds drop out after their last evaluation).
  public static func curve(of metric: MetricKey, for arm: Arm, in runs: [RunResult]) -> QualityCurve
  {
    var valuesByStep: [Int: [Double]] = [:]
    for result in runs where result.run.cell.arm == arm {
      for evaluation in result.evaluations {
        if let value = evaluation.value(of: metric) {
          valuesByStep[evaluation.step, default: []].append(value)
        }
      }
    }
    let points = valuesByStep.keys.sorted().compactMap { step -> CurvePoint? in
      guard let summary = SeedSummary(valuesByStep[step] ?? []) else { return nil }
      return CurvePoint(step: step, summary: summary)
    }
    return QualityCurve(arm: arm, metric: metric, points: points)
  }
}
