/// Medians and quantiles of samples, the summaries the harness reports over seeds.
///
/// Infinite values are allowed (a run that never reaches a quality target takes infinitely many
/// steps) and order as usual; NaN is not.
public enum OrderStatistics {
  /// The median: the middle order statistic, or the mean of the two middle ones for an even count.
  public static func median(_ sample: [Double]) -> Double {
    precondition(!sample.isEmpty, "OrderStatistics.median: empty sample")
    precondition(!sample.contains { $0.isNaN }, "OrderStatistics.median: sample contains NaN")
    return medianOfSorted(sample.sorted())
  }

  /// The median of an already sorted sample.
  static func medianOfSorted(_ sorted: [Double]) -> Double {
    let n = sorted.count
    if n % 2 == 1 { return sorted[n / 2] }
    let (a, b) = (sorted[n / 2 - 1], sorted[n / 2])
    return a == b ? a : 0.5 * (a + b)
  }

  /// The quantile of probability `p` in [0, 1] by linear interpolation between order statistics
  /// (Hyndman & Fan 1996, definition 7, the default of R and NumPy):
  /// `h = (n - 1) p`, `q = x_(floor h) + (h - floor h)(x_(floor h + 1) - x_(floor h))`.
  public static func quantile(_ sample: [Double], _ p: Double) -> Double {
    precondition(!sample.isEmpty, "OrderStatistics.quantile: empty sample")
    precondition(!sample.contains { $0.isNaN }, "OrderStatistics.quantile: sample contains NaN")
    return quantileOfSorted(sample.sorted(), p)
  }

  /// The definition-7 quantile of an already sorted sample.
  static func quantileOfSorted(_ sorted: [Double], _ p: Double) -> Double {
    precondition(p >= 0 && p <= 1, "OrderStatistics.quantile: probability \(p) outside [0, 1]")
    let h = Double(sorted.count - 1) * p
    let low = Int(h.rounded(.down))
    let fraction = h - Double(low)
    if fraction == 0 || low + 1 >= sorted.count { return sorted[low] }
    let (a, b) = (sorted[low], sorted[low + 1])
    // Written so that infinite neighbours never produce inf - inf.
    return a == b ? a : a + fraction * (b - a)
  }
}
