import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The sliced Wasserstein-2 distance between two point sets (Rabin, Peyre, Delon & Bernot 2011;
/// docs/math.md section 6), for low-dimensional data, where a Frechet distance sees only
/// two moments and reaches its sampling floor early:
///
///     SW2 = sqrt( (1/P) sum_k (1/n) sum_i (q_gen,k(p_i) - q_ref,k(p_i))^2 ),   p_i = (i + 1/2)/n
///
/// where `q_k` is the empirical quantile function of the projections on unit direction `theta_k`
/// (`q(p) = x_(floor(p m))` for `m` sorted projections; with equal set sizes this pairs the sorted
/// projections one to one) and `n = max(m_gen, m_ref)`. Directions: in 2-D, `P` angles evenly
/// spaced over a half turn, `theta_k = (cos(pi k/P), sin(pi k/P))`; in 1-D the single direction;
/// otherwise normalised standard normal vectors, direction `k` from sample `k` of
/// `RandomStream(seed: directionSeed, purpose: .projection)`. Projections are Double; directions
/// are independent tasks combined in index order, so the value does not depend on thread count.
public struct SlicedWasserstein: Sendable {
  /// The fixed seed of the random directions (ASCII "SW2").
  public static let directionSeed: UInt64 = 0x53_57_32
  /// The default number of directions: `P` = 64 in 2-D, 128 above.
  public static func defaultDirectionCount(dimension: Int) -> Int {
    dimension == 1 ? 1 : (dimension == 2 ? 64 : 128)
  }

  /// `theta: [P, dimension]`, unit rows.
  public let directions: DoubleMatrix

  /// The directions for data of `dimension` (>= 1).
  public init(dimension: Int, directionCount: Int? = nil) {
    precondition(dimension >= 1, "SlicedWasserstein: dimension must be >= 1, got \(dimension)")
    let count =
      dimension == 1 ? 1 : (directionCount ?? Self.defaultDirectionCount(dimension: dimension))
    precondition(count >= 1, "SlicedWasserstein: needs at least one direction, got \(count)")
    var rows = [Double]()
    rows.reserveCapacity(count * dimension)
    switch dimension {
    case 1:
      rows = [1]
    case 2:
      for k in 0..<count {
        let angle = Double.pi * Double(k) / Double(count)
        rows += [cos(angle), sin(angle)]
      }
    default:
      let stream = RandomStream(seed: Self.directionSeed, purpose: .projection)
      for k in 0..<count {
        let draw = stream.normal(sample: k, count: dimension)
        let norm = draw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        rows += draw.map { $0 / norm }
      }
    }
    self.directions = DoubleMatrix(rows: count, columns: dimension, scalars: rows)
  }

  /// A reference set's sorted projections on every direction, computed once and reused against
  /// many generated sets (the evaluator compares every checkpoint with the same reference).
  public struct SortedReference: Sendable {
    /// `projections[k]`: the reference's projections on direction `k`, ascending.
    public let projections: [[Double]]
  }

  /// Sorts `reference: [m_ref, dimension]` along every direction.
  public func sortedReference(_ reference: Tensor) -> SortedReference {
    let dimension = directions.columns
    precondition(
      reference.rank == 2 && reference.shape[1] == dimension && reference.shape[0] >= 1,
      "SlicedWasserstein: reference must be [count >= 1, \(dimension)], got \(reference.shape)")
    return SortedReference(projections: (0..<directions.rows).map { k in
      Self.sortedProjections(reference, Array(directions.scalars[(k * dimension)..<((k + 1) * dimension)]))
    })
  }

  /// The one-dimensional Wasserstein-2 distance along each direction:
  /// `sqrt((1/n) sum_i (q_gen,k(p_i) - q_ref,k(p_i))^2)`, `[P]`.
  ///
  /// - Parameters: `generated: [m_gen, dimension]`, `reference: [m_ref, dimension]`, both non-empty.
  public func distancePerDirection(_ generated: Tensor, _ reference: Tensor) -> [Double] {
    distancePerDirection(generated, sortedReference(reference))
  }

  /// `distancePerDirection` against a reference sorted once.
  public func distancePerDirection(_ generated: Tensor, _ reference: SortedReference) -> [Double] {
    let dimension = directions.columns
    precondition(
      generated.rank == 2 && generated.shape[1] == dimension && generated.shape[0] >= 1,
      "SlicedWasserstein: generated must be [count >= 1, \(dimension)], got \(generated.shape)")
    precondition(reference.projections.count == directions.rows, "SlicedWasserstein: reference sorted for other directions")
    let count = directions.rows
    var result = [Double](repeating: 0, count: count)
    result.withUnsafeMutableBufferPointer { out in
      let shared = UncheckedSendable(out.address)
      ComputeThreads.forEachTask(count) { k in
        let theta = Array(directions.scalars[(k * dimension)..<((k + 1) * dimension)])
        let a = Self.sortedProjections(generated, theta)
        let b = reference.projections[k]
        let n = max(a.count, b.count)
        var sum = 0.0
        for i in 0..<n {
          let p = (Double(i) + 0.5) / Double(n)
          let delta = Self.quantile(a, p) - Self.quantile(b, p)
          sum += delta * delta
        }
        shared.value[k] = (sum / Double(n)).squareRoot()
      }
    }
    return result
  }

  /// `SW2` against a reference sorted once.
  public func distance(_ generated: Tensor, _ reference: SortedReference) -> Double {
    let perDirection = distancePerDirection(generated, reference)
    return (perDirection.reduce(0) { $0 + $1 * $1 } / Double(perDirection.count)).squareRoot()
  }

  /// `SW2` between the rows of `generated` and `reference` (see the type's documentation).
  public func distance(_ generated: Tensor, _ reference: Tensor) -> Double {
    let perDirection = distancePerDirection(generated, reference)
    let meanSquare = perDirection.reduce(0) { $0 + $1 * $1 } / Double(perDirection.count)
    return meanSquare.squareRoot()
  }

  static func sortedProjections(_ x: Tensor, _ theta: [Double]) -> [Double] {
    let (count, dimension) = (x.shape[0], x.shape[1])
    return x.scalars.withUnsafeBufferPointer { p in
      var projections = [Double](repeating: 0, count: count)
      for r in 0..<count {
        var dot = 0.0
        for j in 0..<dimension { dot += Double(p[r * dimension + j]) * theta[j] }
        projections[r] = dot
      }
      projections.sort()
      return projections
    }
  }

  /// The empirical quantile `x_(floor(p m))` of sorted values.
  @inline(__always)
  static func quantile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(Int(p * Double(sorted.count)), sorted.count - 1)]
  }
}
