import Autodiff
import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// EDM's denoising score-matching loss and its training noise levels (Karras et al. 2022, eq. 2,
/// Table 1; docs/math.md, "Teachers" and "Auxiliary DSM loss"): the one place that teacher
/// training and the students' auxiliary loss take them from.
public enum DenoisingLoss {
  /// Mean of `ln sigma` in EDM training, `P_mean = -1.2`.
  public static let logNoiseMean: Double = -1.2
  /// Standard deviation of `ln sigma` in EDM training, `P_std = 1.2`.
  public static let logNoiseStandardDeviation: Double = 1.2

  /// `sigma = exp(P_mean + P_std n)` for a standard normal draw `n`.
  public static func logNormalLevel(standardNormal n: Double, mean: Double = logNoiseMean,
                                    standardDeviation: Double = logNoiseStandardDeviation) -> Double {
    exp(mean + standardDeviation * n)
  }

  /// The weighted DSM loss `mean_{b,i} lambda(sigma_b) (D_{b,i} - y_{b,i})^2` with EDM's weight
  /// `lambda(sigma) = (sigma^2 + sigmaData^2) / (sigma sigmaData)^2`, as a rank-0 variable.
  ///
  /// - Parameters: `denoised` and `target: [batch, ...]` (same shape), `noiseLevels`: one `sigma` per row.
  public static func value(denoised: Variable, target: Variable, noiseLevels: [Double],
                           preconditioning: EDMPreconditioning) -> Variable {
    precondition(denoised.shape == target.shape && denoised.shape.first == noiseLevels.count,
      "DenoisingLoss.value: denoised \(denoised.shape), target \(target.shape), \(noiseLevels.count) noise levels")
    let weights = Tensor.perSample(noiseLevels.map { preconditioning.lossWeight($0) }, rank: denoised.shape.count)
    return mean(square(denoised - target) * weights)
  }
}
