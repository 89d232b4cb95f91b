import Metrics
import TensorCore
import TestSupport
import Testing

@Suite("Two-sample statistics")
struct StatisticsTests {
  @Test("Median and definition-7 quantiles, infinities included")
  func orderStatistics() {
    #expect(OrderStatistics.median([3, 1, 2]) == 2)
    #expect(OrderStatistics.median([4, 1, 3, 2]) == 2.5)
    #expect(OrderStatistics.median([1, .infinity, .infinity, 2]) == .infinity)
    #expect(OrderStatistics.median([1, 2, .infinity]) == 2)
    // numpy.quantile([1, 2, 3, 4, 10], [0.25, 0.9]) = [2.0, 7.6]
    #expect(OrderStatistics.quantile([10, 1, 4, 2, 3], 0.25) == 2)
    expectClose(OrderStatistics.quantile([10, 1, 4, 2, 3], 0.9), 7.6, relative: 1e-15)
    #expect(OrderStatistics.quantile([1, .infinity], 0) == 1)
  }

  @Test("Bootstrap intervals are deterministic, contain the estimate, and narrow with more data")
  func bootstrap() {
    let stream = RandomStream(seed: 7, purpose: .bootstrap)
    let small = (0..<5).map { Double($0 * $0) }
    let a = Bootstrap.medianInterval(small, resamples: 2000, stream: stream)
    let b = Bootstrap.medianInterval(small, resamples: 2000, stream: stream)
    #expect(a == b)
    #expect(a.lower <= a.estimate && a.estimate <= a.upper)
    #expect(a.lower >= 0 && a.upper <= 16)
    let large = (0..<400).map { Double($0 % 20) }
    let c = Bootstrap.medianInterval(large, resamples: 2000, stream: stream)
    #expect(c.upper - c.lower < a.upper - a.lower)
    // A constant sample has a degenerate interval.
    let constant = Bootstrap.medianInterval([3, 3, 3], resamples: 100, stream: stream)
    #expect(constant.lower == 3 && constant.upper == 3)
  }

  @Test("Percentile intervals take the (1 - level)/2 and (1 + level)/2 quantiles of the bootstrap medians")
  func percentileLevels() {
    // The bootstrap median of 1001 distinct values is close to normal and symmetric: a level-L
    // percentile interval is about estimate +- z_{(1+L)/2} sigma, so the 90% interval is
    // z_0.95 / z_0.75 = 1.645 / 0.674 = 2.44 times as wide as the 50% one, and both are symmetric.
    let sample = (0..<1001).map { Double($0) }
    let stream = RandomStream(seed: 11, purpose: .bootstrap)
    let half = Bootstrap.medianInterval(sample, level: 0.5, resamples: 4000, stream: stream)
    let ninety = Bootstrap.medianInterval(sample, level: 0.9, resamples: 4000, stream: stream)
    for interval in [half, ninety] {
      let below = interval.estimate - interval.lower, above = interval.upper - interval.estimate
      #expect(below > 0 && above > 0 && abs(above - below) <= 0.25 * (above + below), "\(interval)")
    }
    let ratio = (ninety.upper - ninety.lower) / (half.upper - half.lower)
    #expect(ratio > 2.0 && ratio < 2.9, "width ratio \(ratio), expected about 2.44")
  }

  @Test("Bootstrap interval of a ratio of medians, with infinite runs")
  func bootstrapRatio() {
    let stream = RandomStream(seed: 8, purpose: .bootstrap)
    let slow = [300.0, 320, 310, 290, 305]
    let fast = [100.0, 110, 95, 105, 100]
    let r = Bootstrap.medianRatioInterval(
      numerator: slow, denominator: fast, resamples: 4000, stream: stream)
    expectClose(r.estimate, 3.05, relative: 1e-12)
    #expect(r.lower <= r.estimate && r.estimate <= r.upper)
    #expect(r.lower > 2.5 && r.upper < 3.5)
    #expect(r.undefinedResamples == 0)
    let never = Bootstrap.medianRatioInterval(
      numerator: [.infinity, .infinity, 100], denominator: [.infinity, 50, .infinity],
      resamples: 1000, stream: stream)
    #expect(never.undefinedResamples > 0)
    #expect(never.estimate.isNaN)
  }

  @Test("Critical values of the two-sided 5% test agree with the published table")
  func criticalValues() {
    // Table of critical values of U, two-tailed alpha = 0.05 (e.g. Zar, "Biostatistical Analysis",
    // table B.11; Siegel & Castellan 1988, table J).
    #expect(MannWhitneyU.criticalValue(n1: 5, n2: 5, alpha: 0.05) == 2)
    #expect(MannWhitneyU.criticalValue(n1: 10, n2: 10, alpha: 0.05) == 23)
    #expect(MannWhitneyU.criticalValue(n1: 8, n2: 6, alpha: 0.05) == 8)
    #expect(MannWhitneyU.criticalValue(n1: 6, n2: 8, alpha: 0.05) == 8)
    #expect(MannWhitneyU.criticalValue(n1: 20, n2: 20, alpha: 0.05) == 127)
    #expect(MannWhitneyU.criticalValue(n1: 3, n2: 3, alpha: 0.05) == nil)
    // alpha = 0.01: n1 = n2 = 10 -> 16.
    #expect(MannWhitneyU.criticalValue(n1: 10, n2: 10, alpha: 0.01) == 16)
  }

  /// The two-sided permutation p-value by enumerating every split of the pooled sample.
  static func enumeratedPValue(_ x: [Double], _ y: [Double]) -> Double {
    let pooled = x + y
    let n = pooled.count
    func u(_ first: [Double], _ second: [Double]) -> Double {
      var count = 0.0
      for a in first { for b in second { count += a > b ? 1 : (a == b ? 0.5 : 0) } }
      return count
    }
    let center = Double(x.count * y.count) / 2
    let observed = abs(u(x, y) - center)
    var extreme = 0
    var total = 0
    for mask in 0..<(1 << n) where mask.nonzeroBitCount == x.count {
      let first = (0..<n).filter { mask & (1 << $0) != 0 }.map { pooled[$0] }
      let second = (0..<n).filter { mask & (1 << $0) == 0 }.map { pooled[$0] }
      total += 1
      if abs(u(first, second) - center) >= observed - 1e-9 { extreme += 1 }
    }
    return Double(extreme) / Double(total)
  }

  @Test("Exact p-values equal enumeration over all splits, with and without ties")
  func exactByEnumeration() {
    let cases: [([Double], [Double])] = [
      ([1.2, 3.4, 5.1], [2.2, 6.0, 7.3, 8.8]),
      ([1, 2, 2, 5], [2, 3, 5, 5, 9]),
      ([0.8, 1.9, 3.3, 4.1, 5.0], [2.2, 6.0, 7.1, 8.4, 9.3, 10.0]),
      ([4, 4, 4], [4, 4]),
    ]
    for (x, y) in cases {
      let test = MannWhitneyU(x, y, method: .exact)
      expectClose(test.pValue, Self.enumeratedPValue(x, y), relative: 1e-12, "\(x) vs \(y)")
      #expect(test.u1 + test.u2 == Double(x.count * y.count))
    }
    // scipy.stats.mannwhitneyu(a, b, method="exact") -> U = 3, p = 0.030303030303030304
    // (SciPy 1.17.1, computed offline).
    let small = MannWhitneyU([0.8, 1.9, 3.3, 4.1, 5.0], [2.2, 6.0, 7.1, 8.4, 9.3, 10.0])
    #expect(small.method == .exact)
    #expect(small.u1 == 3)
    expectClose(small.pValue, 0.030303030303030304, relative: 1e-12)
  }

  @Test("Normal approximation with tie correction matches SciPy")
  func normalApproximation() {
    // scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic") with SciPy
    // 1.17.1, computed offline: U = 61.5, p = 0.2572502291807086 (continuity correction on).
    let x = [1.1, 2.3, 2.3, 4.0, 5.5, 6.1, 7.2, 7.2, 8.0, 9.9, 10.5, 12.0]
    let y = [3.0, 3.0, 4.4, 6.1, 6.6, 7.0, 8.8, 9.0, 11.1, 13.2, 14.0, 15.5, 16.0, 2.3]
    let tied = MannWhitneyU(x, y, method: .normalApproximation)
    #expect(tied.u1 == 61.5)
    expectClose(tied.pValue, 0.2572502291807086, relative: 1e-10)
    // Hand check of the tie correction: ties {2.3 x3, 6.1 x2, 7.2 x2, 3.0 x2} give
    // sum(t^3 - t) = 24 + 6 + 6 + 6 = 42; N = 26, sigma^2 = 168/12 (27 - 42/650) = 377.0954;
    // z = (106.5 - 84 - 0.5)/sqrt(377.0954) = 1.13292; p = 2 P(Z >= z) = 0.25725.
    expectClose(
      tied.pValue, 2 * NormalDistribution.survival(22 / (14 * (27 - 42.0 / 650)).squareRoot()),
      relative: 1e-12)
    // No ties, 30 + 25 values: asymptotic p = 0.06665626046296995, exact p = 0.06637139226452649
    // (SciPy 1.17.1, computed offline).
    let u = (1...30).map { (Double($0) * 0.37).truncatingRemainder(dividingBy: 5.1) }
    let v = (1...25).map { (Double($0) * 0.53).truncatingRemainder(dividingBy: 6.3) + 0.4 }
    let automatic = MannWhitneyU(u, v)
    #expect(automatic.method == .normalApproximation)
    #expect(automatic.u1 == 266)
    expectClose(automatic.pValue, 0.06665626046296995, relative: 1e-10)
    expectClose(MannWhitneyU(u, v, method: .exact).pValue, 0.06637139226452649, relative: 1e-10)
  }
}
