import TensorCore

/// The first two moments of a feature set: the mean and the unbiased covariance, in Double.
///
/// `mean[j] = (1/N) sum_p X[p, j]` and
/// `covariance = (Xc^T Xc - (1/N) s s^T) / (N - 1)` with `Xc = X - 1 mean^T` and `s = Xc^T 1`,
/// the corrected two-pass algorithm (Chan, Golub & LeVeque 1983, "Algorithms for computing the
/// sample variance"): the centred data are formed in Double while the product packs them, and
/// `Xc^T Xc` runs through `DoubleGemm` (Double fused multiply-adds, panels of 256 samples added in
/// order). The `N - 1` normalisation is that of `np.cov` in pytorch-fid and of EDM's
/// `fid.py` (`(sigma - N mu mu^T) / (N - 1)`).
///
/// Why Double products (measured on 10,000 x 2048 non-negative float32 features, 2 threads,
/// against Neumaier-compensated sums of the centred products on 400 sampled elements): this route
/// errs by at most 1.9e-16 of the largest variance, in 0.97 s; the alternative of centring in
/// Double, rounding to Float and adding Float32 `Gemm` products of 128-row chunks into Double errs
/// by 2.0e-8, in 1.03 s. The Float route is no faster end to end and 10^8 times less accurate.
public struct FeatureMoments: Sendable, Equatable {
  /// The number of samples the moments were computed from, when known (`nil` for statistics
  /// read from a file that does not record it).
  public let sampleCount: Int?
  /// `mu: [dimension]`.
  public let mean: [Double]
  /// `Sigma: [dimension, dimension]`, symmetric.
  public let covariance: DoubleMatrix

  /// The feature dimension.
  public var dimension: Int { mean.count }

  /// Moments given directly (for example pytorch-fid's or EDM's stored `mu` and `sigma`).
  public init(mean: [Double], covariance: DoubleMatrix, sampleCount: Int? = nil) {
    precondition(
      covariance.rows == mean.count && covariance.columns == mean.count,
      "FeatureMoments: covariance [\(covariance.rows), \(covariance.columns)] does not match mean [\(mean.count)]"
    )
    self.mean = mean
    self.covariance = covariance
    self.sampleCount = sampleCount
  }

  /// The moments of the rows of `features: [count, dimension]` (count >= 2).
  public init(features: Tensor) {
    precondition(
      features.rank == 2,
      "FeatureMoments: features must be [count, dimension], got \(features.shape)")
    let (count, dimension) = (features.shape[0], features.shape[1])
    self = features.scalars.withUnsafeBufferPointer {
      FeatureMoments.compute($0, count: count, dimension: dimension)
    }
  }

  /// The moments of a row-major `[count, dimension]` float32 sample matrix (count >= 2).
  public init(samples: UnsafeBufferPointer<Float>, count: Int, dimension: Int) {
    self = FeatureMoments.compute(samples, count: count, dimension: dimension)
  }

  /// The moments of a row-major `[count, dimension]` float64 sample matrix (count >= 2).
  public init(samples: UnsafeBufferPointer<Double>, count: Int, dimension: Int) {
    self = FeatureMoments.compute(samples, count: count, dimension: dimension)
  }

  /// Column blocks of the mean: a fixed partition, so sums never depend on the thread count.
  static let meanBlock = 64

  static func compute<Scalar: SampleScalar>(
    _ samples: UnsafeBufferPointer<Scalar>, count: Int, dimension: Int
  ) -> FeatureMoments {
    precondition(
      count >= 2,
      "FeatureMoments: needs at least 2 samples for an unbiased covariance, got \(count)")
    precondition(
      dimension >= 1 && samples.count == count * dimension,
      "FeatureMoments: \(samples.count) values cannot be [\(count), \(dimension)]")
    guard let base = samples.baseAddress else {
      preconditionFailure("FeatureMoments: empty samples")
    }
    let n = Double(count)
    var mean = [Double](repeating: 0, count: dimension)
    // Column sums of the centred data (the correction term of the two-pass algorithm).
    var centredSums = [Double](repeating: 0, count: dimension)
    mean.withUnsafeMutableBufferPointer { mu in
      centredSums.withUnsafeMutableBufferPointer { s in
        let shared = UncheckedSendable((base, mu.address, s.address))
        let blocks = (dimension + meanBlock - 1) / meanBlock
        ComputeThreads.forEachTask(blocks) { block in
          let (x, mu, s) = shared.value
          let columns = (block * meanBlock)..<min((block + 1) * meanBlock, dimension)
          for p in 0..<count {
            let row = x + p * dimension
            for j in columns { mu[j] += row[j].doubleValue }
          }
          for j in columns { mu[j] /= n }
          for p in 0..<count {
            let row = x + p * dimension
            for j in columns { s[j] += row[j].doubleValue - mu[j] }
          }
        }
      }
    }
    var covariance = DoubleMatrix(zeros: dimension, dimension)
    mean.withUnsafeBufferPointer { mu in
      covariance.scalars.withUnsafeMutableBufferPointer { c in
        let centred = CenteredSamples(base: base, dimension: dimension, mean: mu.address)
        DoubleGemmKernel.run(
          m: dimension, n: dimension, k: count, a: centred, b: centred, c: c.address,
          ldc: dimension, accumulate: false, parallel: true, upperTriangleOnly: true)
        let scale = 1 / (n - 1)
        for i in 0..<dimension {
          for j in 0..<dimension {
            let corrected = c[i * dimension + j] - centredSums[i] * centredSums[j] / n
            c[i * dimension + j] = corrected * scale
          }
        }
      }
    }
    return FeatureMoments(mean: mean, covariance: covariance, sampleCount: count)
  }
}
