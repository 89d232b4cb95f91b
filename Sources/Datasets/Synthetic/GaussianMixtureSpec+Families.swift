import Foundation
import TensorCore

extension GaussianMixtureSpec {
  /// Concentric 2-D rings: `componentsPerRing` equally weighted components on each circle of
  /// radius `radii[j]`, at angles `2 pi k / componentsPerRing`, all with variance `variance`.
  /// The mixture mean is zero (up to rounding).
  public static func rings(radii: [Double], componentsPerRing: Int, variance: Double)
    -> GaussianMixtureSpec
  {
    precondition(
      !radii.isEmpty && componentsPerRing >= 1 && variance > 0,
      "rings: needs radii, componentsPerRing >= 1 and variance > 0; got \(radii), \(componentsPerRing), \(variance)"
    )
    var means: [[Double]] = []
    for radius in radii {
      for k in 0..<componentsPerRing {
        let angle = 2 * Double.pi * Double(k) / Double(componentsPerRing)
        means.append([radius * cos(angle), radius * sin(angle)])
      }
    }
    return uniform(means: means, variance: variance)
  }

  /// One 2-D ring of `components` equally weighted components at `radius`.
  public static func ring(components: Int, radius: Double, variance: Double) -> GaussianMixtureSpec
  {
    rings(radii: [radius], componentsPerRing: components, variance: variance)
  }

  /// A `side x side` 2-D grid of equally weighted components, `spacing` apart and centred on
  /// the origin (coordinates `(i - (side - 1) / 2) spacing`); the mixture mean is zero.
  public static func grid(side: Int, spacing: Double, variance: Double) -> GaussianMixtureSpec {
    precondition(
      side >= 1 && spacing > 0 && variance > 0,
      "grid: needs side >= 1, spacing > 0, variance > 0; got \(side), \(spacing), \(variance)")
    var means: [[Double]] = []
    let centre = Double(side - 1) / 2
    for i in 0..<side {
      for j in 0..<side {
        means.append([(Double(i) - centre) * spacing, (Double(j) - centre) * spacing])
      }
    }
    return uniform(means: means, variance: variance)
  }

  /// A `dimension`-dimensional mixture with zero overall mean: component `k` draws a direction
  /// `z_k` (standard normal) and a weight `0.5 + u_k` (uniform u, normalised) from
  /// `RandomStream(seed, .datasetSynthesis)` sample `k`; the means `radius z_k / |z_k|` are then
  /// shifted by their weighted mean, so `sum_k w_k mu_k = 0` (up to rounding).
  public static func centered(
    dimension: Int, components: Int, radius: Double, variance: Double, seed: UInt64
  ) -> GaussianMixtureSpec {
    precondition(
      dimension >= 1 && components >= 1 && radius >= 0 && variance > 0,
      "centered: needs dimension >= 1, components >= 1, radius >= 0, variance > 0")
    let stream = RandomStream(seed: seed, purpose: .datasetSynthesis)
    var weights: [Double] = []
    var means: [[Double]] = []
    for k in 0..<components {
      let words = stream.words(sample: k, count: 2 + 2 * ((dimension + 1) / 2))
      weights.append(0.5 + RandomStream.unitInterval(words[0]))
      let z = RandomStream.boxMuller(words[2...], count: dimension)
      let norm = z.reduce(0) { $0 + $1 * $1 }.squareRoot()
      means.append(z.map { radius * $0 / max(norm, .leastNormalMagnitude) })
    }
    let total = weights.reduce(0, +)
    weights = weights.map { $0 / total }
    var spec = GaussianMixtureSpec(
      weights: weights, means: means, variances: [Double](repeating: variance, count: components))
    let m = spec.mean
    spec.means = spec.means.map { mean in (0..<dimension).map { mean[$0] - m[$0] } }
    return spec
  }

  /// `centered(...)` with every mean moved by `offset` along the unit diagonal
  /// `(1, ..., 1) / sqrt(dimension)`: the mixture mean is that vector, away from the origin.
  public static func offset(
    dimension: Int, components: Int, radius: Double, variance: Double, offset: Double, seed: UInt64
  ) -> GaussianMixtureSpec {
    var spec = centered(
      dimension: dimension, components: components, radius: radius, variance: variance, seed: seed)
    let shift = offset / Double(dimension).squareRoot()
    spec.means = spec.means.map { $0.map { $0 + shift } }
    return spec
  }

  private static func uniform(means: [[Double]], variance: Double) -> GaussianMixtureSpec {
    let k = means.count
    return GaussianMixtureSpec(
      weights: [Double](repeating: 1 / Double(k), count: k), means: means,
      variances: [Double](repeating: variance, count: k))
  }
}
