import TensorCore

extension GaussianMixtureSpec {
  /// Draws `count` samples: `[count, dimension]`.
  ///
  /// Row `r` uses sample index `firstSample + r` of `stream` only: word 0 picks the component
  /// (the first `k` with `u < w_0 + ... + w_k`, `u` uniform), words 2... give the standard
  /// normals `z` (Box-Muller), and the row is `mu_k + sigma_k z`, computed in Double and
  /// rounded once. So a row is the same whatever the batch size or batch split.
  public func sample(count: Int, from stream: RandomStream, firstSample: Int = 0) -> Tensor {
    checkShape()
    let d = dimension
    var scalars = [Float]()
    scalars.reserveCapacity(count * d)
    for r in 0..<count {
      let (k, z) = draw(stream, sample: firstSample + r)
      let sigma = variances[k].squareRoot()
      for i in 0..<d { scalars.append(Float(means[k][i] + sigma * z[i])) }
    }
    return Tensor(shape: [count, d], scalars: scalars)
  }

  /// The component each row of `sample(count:from:firstSample:)` came from.
  public func componentIndices(count: Int, from stream: RandomStream, firstSample: Int = 0) -> [Int]
  {
    checkShape()
    return (0..<count).map { draw(stream, sample: firstSample + $0).component }
  }

  private func draw(_ stream: RandomStream, sample: Int) -> (component: Int, normals: [Double]) {
    let d = dimension
    let words = stream.words(sample: sample, count: 2 + 2 * ((d + 1) / 2))
    let u = RandomStream.unitInterval(words[0])
    var cumulative = 0.0
    var component = componentCount - 1
    for k in 0..<componentCount {
      cumulative += weights[k]
      if u < cumulative {
        component = k
        break
      }
    }
    return (component, RandomStream.boxMuller(words[2...], count: d))
  }

  private func checkShape() {
    precondition(
      componentCount >= 1 && means.count == componentCount && variances.count == componentCount
        && dimension >= 1 && means.allSatisfy { $0.count == dimension },
      "GaussianMixtureSpec: inconsistent specification (\(weights.count) weights, \(means.count) "
        + "means of dimensions \(means.map(\.count)), \(variances.count) variances); call validate()"
    )
  }
}
