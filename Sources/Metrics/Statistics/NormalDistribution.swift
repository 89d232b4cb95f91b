#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The standard normal distribution.
public enum NormalDistribution {
  /// The upper tail `P(Z >= z) = erfc(z / sqrt 2) / 2`, accurate in the far tail (no `1 - cdf`).
  public static func survival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

  /// The distribution function `P(Z <= z) = erfc(-z / sqrt 2) / 2`.
  public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
}
