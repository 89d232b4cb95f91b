#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Fourier features of a scalar noise input, as EDM's networks embed `cNoise(t)`.
///
/// `embed(c)[i] = cos(2 pi f_i c)`, `embed(c)[F/2 + i] = sin(2 pi f_i c)` with `F/2` frequencies
/// `f_i` spaced geometrically from `lowestFrequency` to `highestFrequency` (defaults 1/8 and 8:
/// `cNoise = ln(t)/4` spans about [-1.6, 1.1] over t in [0.002, 80], so these resolve it from
/// coarse to fine). Deterministic, no parameters.
public struct NoiseEmbedding: Sendable, Hashable, Codable {
  /// Number of output features (even).
  public let features: Int
  /// Lowest frequency.
  public let lowestFrequency: Double
  /// Highest frequency.
  public let highestFrequency: Double

  /// Creates an embedding with `features` outputs.
  public init(features: Int, lowestFrequency: Double = 0.125, highestFrequency: Double = 8) {
    precondition(features >= 2 && features % 2 == 0, "NoiseEmbedding: features must be even and >= 2, got \(features)")
    self.features = features
    self.lowestFrequency = lowestFrequency
    self.highestFrequency = highestFrequency
  }

  /// The frequencies `f_i`.
  public var frequencies: [Double] {
    let half = features / 2
    if half == 1 { return [lowestFrequency] }
    let ratio = log(highestFrequency / lowestFrequency)
    return (0..<half).map { lowestFrequency * exp(ratio * Double($0) / Double(half - 1)) }
  }

  /// Embeds a batch of scalar inputs: `[batch] -> [batch, features]`, computed in Double.
  public func callAsFunction(_ values: [Float]) -> Tensor {
    let freqs = frequencies
    let half = features / 2
    var out = [Float](repeating: 0, count: values.count * features)
    for (b, v) in values.enumerated() {
      for (i, f) in freqs.enumerated() {
        let angle = 2 * Double.pi * f * Double(v)
        out[b * features + i] = Float(cos(angle))
        out[b * features + half + i] = Float(sin(angle))
      }
    }
    return Tensor(shape: [values.count, features], scalars: out)
  }
}
