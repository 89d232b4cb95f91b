#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a random draw is for. Each purpose is an independent family of streams, so adding a draw
/// for one purpose never shifts the draws of another.
public enum RandomPurpose: UInt32, Sendable, CaseIterable {
  case parameterInit = 1
  case dataOrder = 2
  case trainingNoise = 3
  case timeIndex = 4
  case jumpLength = 5
  case jumpTarget = 6
  case denoisingNoiseLevel = 7
  case denoisingNoise = 8
  case samplingNoise = 9
  case sampleInjectionNoise = 10
  case statistics = 11
  case hutchinson = 12
  case evaluation = 13
  case datasetSynthesis = 14
  case featureExtractor = 15
  case bootstrap = 16
  case projection = 17
  case testing = 99
}

/// A keyed family of Philox4x32-10 draws: (seed, purpose, step) select the family, a sample index
/// selects one independent sequence inside it.
///
/// The key is the 64-bit seed; the counter is (purpose, step, sample index, block). A draw for
/// sample `i` is therefore the same whatever the batch size, the thread count or the order in
/// which samples are visited (as with the per-sample generators of openai/consistency_models and
/// JAX's keys).
public struct RandomStream: Sendable, Hashable {
  /// The run's seed.
  public let seed: UInt64
  /// The purpose of the draws.
  public let purpose: RandomPurpose
  /// The training step (or any other outer index) the draws belong to.
  public let step: UInt32

  /// Creates the stream for (seed, purpose, step).
  public init(seed: UInt64, purpose: RandomPurpose, step: Int = 0) {
    precondition(step >= 0 && step <= Int(UInt32.max), "RandomStream: step \(step) out of range")
    self.seed = seed
    self.purpose = purpose
    self.step = UInt32(step)
  }

  /// A stream for the same purpose at another step (e.g. a sub-stream of an evaluation).
  public func atStep(_ step: Int) -> RandomStream {
    RandomStream(seed: seed, purpose: purpose, step: step)
  }

  @inlinable
  func block(sample: Int, block: Int) -> SIMD4<UInt32> {
    let key = SIMD2<UInt32>(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    let counter = SIMD4<UInt32>(
      purpose.rawValue, step, UInt32(truncatingIfNeeded: sample), UInt32(truncatingIfNeeded: block))
    return Philox4x32.generate(counter: counter, key: key)
  }

  /// The raw 32-bit words `0..<count` of sample `sample`.
  public func words(sample: Int, count: Int) -> [UInt32] {
    precondition(sample >= 0, "RandomStream.words: negative sample index \(sample)")
    var out = [UInt32]()
    out.reserveCapacity(count)
    var b = 0
    while out.count < count {
      let w = block(sample: sample, block: b)
      for lane in 0..<4 where out.count < count { out.append(w[lane]) }
      b += 1
    }
    return out
  }

  /// Maps a 32-bit word to a uniform Double in the open interval (0, 1).
  @inlinable
  public static func unitInterval(_ word: UInt32) -> Double {
    (Double(word) + 0.5) * (1.0 / 4_294_967_296.0)
  }

  /// `count` uniform draws in (0, 1) for sample `sample`.
  public func uniform(sample: Int, count: Int) -> [Double] {
    words(sample: sample, count: count).map(RandomStream.unitInterval)
  }

  /// `count` standard normal draws for sample `sample`, by the Box-Muller transform on pairs of
  /// uniforms, computed in Double and rounded once.
  public func normal(sample: Int, count: Int) -> [Double] {
    RandomStream.boxMuller(words(sample: sample, count: 2 * ((count + 1) / 2))[...], count: count)
  }

  /// Standard normals from consecutive pairs of 32-bit words by the Box-Muller transform:
  /// `u1, u2` in (0, 1), `r = sqrt(-2 ln u1)`, `(r cos 2 pi u2, r sin 2 pi u2)`. `words` must
  /// hold at least `2 ceil(count / 2)` words.
  public static func boxMuller(_ words: ArraySlice<UInt32>, count: Int) -> [Double] {
    precondition(words.count >= 2 * ((count + 1) / 2), "boxMuller: \(words.count) words for \(count) normals")
    var out = [Double]()
    out.reserveCapacity(count)
    var i = words.startIndex
    while out.count < count {
      let radius = (-2.0 * log(unitInterval(words[i]))).squareRoot()
      let angle = 2.0 * Double.pi * unitInterval(words[i + 1])
      out.append(radius * cos(angle))
      if out.count < count { out.append(radius * sin(angle)) }
      i += 2
    }
    return out
  }

  /// A uniform integer in `0..<upperBound` for sample `sample` (draw `index` of that sample),
  /// by the multiply-shift method on a 64-bit word pair (bias below 2^-32).
  public func integer(below upperBound: Int, sample: Int, index: Int = 0) -> Int {
    precondition(upperBound > 0, "RandomStream.integer: upper bound \(upperBound) must be positive")
    let w = block(sample: sample, block: index)
    let word = (UInt64(w.x) << 32) | UInt64(w.y)
    return Int(word.multipliedFullWidth(by: UInt64(upperBound)).high)
  }

  /// A tensor of standard normal draws whose outermost dimension indexes samples: row `r` draws
  /// from sample `firstSample + r`.
  public func normalTensor(shape: [Int], firstSample: Int = 0) -> Tensor {
    precondition(!shape.isEmpty, "normalTensor: needs rank >= 1")
    let rows = shape[0]
    let inner = rows == 0 ? 0 : Tensor.elementCount(shape) / rows
    var scalars = [Float]()
    scalars.reserveCapacity(rows * inner)
    for r in 0..<rows {
      for v in normal(sample: firstSample + r, count: inner) { scalars.append(Float(v)) }
    }
    return Tensor(shape: shape, scalars: scalars)
  }

  /// A tensor of uniform draws in (low, high); row `r` draws from sample `firstSample + r`.
  public func uniformTensor(shape: [Int], low: Float = 0, high: Float = 1, firstSample: Int = 0) -> Tensor {
    precondition(!shape.isEmpty, "uniformTensor: needs rank >= 1")
    let rows = shape[0]
    let inner = rows == 0 ? 0 : Tensor.elementCount(shape) / rows
    var scalars = [Float]()
    scalars.reserveCapacity(rows * inner)
    let width = Double(high) - Double(low)
    for r in 0..<rows {
      for v in uniform(sample: firstSample + r, count: inner) {
        scalars.append(Float(Double(low) + width * v))
      }
    }
    return Tensor(shape: shape, scalars: scalars)
  }
}
