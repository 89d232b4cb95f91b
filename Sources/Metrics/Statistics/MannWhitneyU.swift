/// The Mann-Whitney U test (Wilcoxon rank-sum test) of two independent samples, two-sided
/// (Mann & Whitney 1947; Hollander, Wolfe & Chicken, "Nonparametric Statistical Methods", 3rd ed.,
/// section 4.1): the rank test the harness uses to call a difference between seeds significant.
///
/// `U1 = R1 - n1 (n1 + 1) / 2`, with `R1` the sum of the (mid)ranks of the first sample in the
/// pooled sample: the number of pairs with `x > y`, ties counting one half; `U2 = n1 n2 - U1`.
///
/// - Exact: the permutation distribution of `R1` given the pooled (mid)ranks, by dynamic
///   programming over subsets (counts in Double, exact up to 2^53); the p-value is
///   `P(|R1* - E R1| >= |R1 - E R1|)`. Without ties this is the classical exact distribution of
///   the tables and of `scipy.stats.mannwhitneyu(method="exact")`; with ties it is the exact
///   conditional test.
/// - Normal approximation with tie correction and continuity correction, as
///   `scipy.stats.mannwhitneyu(method="asymptotic")`: `mu = n1 n2 / 2`,
///   `sigma^2 = n1 n2 / 12 ((N + 1) - sum_t (t^3 - t) / (N (N - 1)))`,
///   `z = (max(U1, U2) - mu - 1/2) / sigma`, `p = min(1, 2 P(Z >= z))`.
public struct MannWhitneyU: Sendable, Hashable {
  /// How the p-value is computed.
  public enum Method: String, Sendable, CaseIterable, Codable {
    /// Exact when `n1 + n2 <= exactLimit`, else the normal approximation.
    case automatic
    /// The exact permutation distribution.
    case exact
    /// The normal approximation with tie and continuity corrections.
    case normalApproximation
  }

  /// The largest pooled size for which `.automatic` computes the exact distribution.
  public static let exactLimit = 50

  /// `U` of the first sample.
  public let u1: Double
  /// `U` of the second sample, `n1 n2 - U1`.
  public let u2: Double
  /// The two-sided p-value.
  public let pValue: Double
  /// The method actually used (`.exact` or `.normalApproximation`).
  public let method: Method

  /// Tests `x` against `y` (each non-empty, no NaN; infinities rank as usual).
  public init(_ x: [Double], _ y: [Double], method: Method = .automatic) {
    precondition(
      !x.isEmpty && !y.isEmpty,
      "MannWhitneyU: both samples must be non-empty (\(x.count), \(y.count))")
    precondition(!(x + y).contains { $0.isNaN }, "MannWhitneyU: samples contain NaN")
    let (n1, n2) = (x.count, y.count)
    let n = n1 + n2
    let doubledRanks = Self.doubledMidranks(x + y)
    let doubledRankSum = doubledRanks[0..<n1].reduce(0, +)
    let u1 = Double(doubledRankSum) / 2 - Double(n1 * (n1 + 1)) / 2
    self.u1 = u1
    self.u2 = Double(n1 * n2) - u1
    let resolved: Method
    switch method {
    case .automatic: resolved = n <= Self.exactLimit ? .exact : .normalApproximation
    case .exact, .normalApproximation: resolved = method
    }
    self.method = resolved
    switch resolved {
    case .exact:
      let counts = Self.rankSumCounts(doubledRanks: doubledRanks, choose: n1)
      let total = counts.reduce(0, +)
      // E[2 R1] = n1 (N + 1); compare distances in doubled units (integers).
      let center = n1 * (n + 1)
      let observed = abs(doubledRankSum - center)
      var tail = 0.0
      for (sum, count) in counts.enumerated() where count > 0 && abs(sum - center) >= observed {
        tail += count
      }
      self.pValue = min(1, tail / total)
    case .normalApproximation, .automatic:
      let mu = Double(n1 * n2) / 2
      let tieSum = Self.tieGroupSizes(x + y).reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
      let variance = Double(n1 * n2) / 12 * (Double(n + 1) - tieSum / Double(n * (n - 1)))
      if variance <= 0 {
        self.pValue = 1
      } else {
        let z = (max(u1, Double(n1 * n2) - u1) - mu - 0.5) / variance.squareRoot()
        self.pValue = min(1, 2 * NormalDistribution.survival(z))
      }
    }
  }

  /// Twice the midranks (integers) of the pooled values, in input order.
  static func doubledMidranks(_ values: [Double]) -> [Int] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Int](repeating: 0, count: values.count)
    var start = 0
    while start < order.count {
      var end = start + 1
      while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
      // Positions start..<end hold ranks start+1 ... end; their midrank doubled is start+1+end.
      for position in start..<end { ranks[order[position]] = start + 1 + end }
      start = end
    }
    return ranks
  }

  /// The sizes of the groups of tied values.
  static func tieGroupSizes(_ values: [Double]) -> [Int] {
    let sorted = values.sorted()
    var sizes = [Int]()
    var start = 0
    while start < sorted.count {
      var end = start + 1
      while end < sorted.count && sorted[end] == sorted[start] { end += 1 }
      sizes.append(end - start)
      start = end
    }
    return sizes
  }

  /// `counts[s]`: the number of `choose`-element subsets of the items whose doubled ranks sum to
  /// `s` (dynamic programming over items, subset size and sum).
  static func rankSumCounts(doubledRanks: [Int], choose k: Int) -> [Double] {
    let maxSum = doubledRanks.sorted(by: >).prefix(k).reduce(0, +)
    // table[j][s] for subsets of size j.
    var table = [[Double]](repeating: [Double](repeating: 0, count: maxSum + 1), count: k + 1)
    table[0][0] = 1
    for (item, rank) in doubledRanks.enumerated() {
      for j in stride(from: min(k, item + 1), through: 1, by: -1) {
        for s in stride(from: maxSum, through: rank, by: -1) where table[j - 1][s - rank] != 0 {
          table[j][s] += table[j - 1][s - rank]
        }
      }
    }
    return table[k]
  }

  /// The two-sided critical value of the exact test without ties: the largest `c` with
  /// `2 P(U <= c) <= alpha` for sample sizes `n1`, `n2` (reject when `min(U1, U2) <= c`), or `nil`
  /// when even `U = 0` is not significant. These are the values of the standard tables.
  public static func criticalValue(n1: Int, n2: Int, alpha: Double) -> Int? {
    precondition(
      n1 >= 1 && n2 >= 1, "MannWhitneyU.criticalValue: sizes must be >= 1, got \(n1), \(n2)")
    let n = n1 + n2
    let counts = rankSumCounts(doubledRanks: (1...n).map { 2 * $0 }, choose: n1)
    let total = counts.reduce(0, +)
    // U = R1 - n1(n1+1)/2, so U = u is the doubled rank sum n1 (n1 + 1) + 2u.
    var cumulative = 0.0
    var critical: Int? = nil
    for u in 0...(n1 * n2) {
      cumulative += counts[n1 * (n1 + 1) + 2 * u]
      if 2 * cumulative / total <= alpha { critical = u } else { break }
    }
    return critical
  }
}
