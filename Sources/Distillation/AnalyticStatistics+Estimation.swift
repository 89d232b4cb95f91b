import Autodiff
import Diffusion
import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension AnalyticStatistics {
  /// The fixed seed of the statistics estimate ("STAT"): the statistics belong to the teacher, not
  /// to a run, so every seed of every analytic arm shares one estimate.
  public static let estimateSeed: UInt64 = 0x5354_4154

  /// Estimates `l` and `s` on the lambda grid from a teacher and its training set (docs/math.md
  /// section 5) with `configuration.samplesPerPoint` samples per point, one round and no
  /// convergence rule: `StatisticsEstimator.estimate(...).statistics`.
  public static func estimate(
    teacher: any Denoiser, data: Tensor, configuration c: StatisticsConfiguration = StatisticsConfiguration(), seed: UInt64
  ) -> AnalyticStatistics {
    var single = c
    single.tolerance = nil
    return StatisticsEstimator.estimate(teacher: teacher, data: data, configuration: single, seed: seed).statistics
  }

  /// Hutchinson's estimate of `tr grad_x D(x_b, t_b)` per row: the mean over `probes` Rademacher
  /// vectors `v` of `v . (J^T v)` (one vector-Jacobian product each; `E[v v^T] = I` makes it
  /// unbiased). Probe `p` at grid point `point` is row `firstSample + b` of
  /// `RandomStream(seed, .hutchinson, point * probes + p)`; dot products accumulate in Double.
  public static func hutchinsonTrace(
    of network: NetworkDenoiser, at x: Tensor, noiseLevels t: [Double], probes: Int, seed: UInt64, point: Int, firstSample: Int
  ) -> [Double] {
    precondition(probes >= 1 && x.shape.first == t.count,
      "AnalyticStatistics.hutchinsonTrace: x \(x.shape), \(t.count) noise levels, \(probes) probes")
    var sums = [Double](repeating: 0, count: t.count)
    let inner = x.count / max(t.count, 1)
    for probe in 0..<probes {
      let stream = RandomStream(seed: seed, purpose: .hutchinson, step: point * probes + probe)
      let v = stream.uniformTensor(shape: x.shape, low: -1, high: 1, firstSample: firstSample).map { $0 < 0 ? -1 : 1 }
      let tape = Tape()
      let input = tape.variable(x)
      let output = network.denoise(input, noiseLevels: t)
      let jtv = tape.gradients(of: output, seed: v)[input]
      for b in 0..<t.count {
        var dot = 0.0
        for i in 0..<inner { dot += Double(v.scalars[b * inner + i]) * Double(jtv.scalars[b * inner + i]) }
        sums[b] += dot
      }
    }
    return sums.map { $0 / Double(probes) }
  }
}

/// The per-sample terms of the estimate at one grid point, summed over a group of samples in
/// Double in sample order: traces at `x`, `x+`, `x-` and the inner products of `x`, `D`, `x+-`, `D+-`.
struct SampleTerms {
  var count = 0.0
  var trace = 0.0, tracePlus = 0.0, traceMinus = 0.0
  var dd = 0.0, dx = 0.0, xx = 0.0
  var dPlusD = 0.0, dPlusX = 0.0, xPlusD = 0.0, xPlusX = 0.0
  var dMinusD = 0.0, dMinusX = 0.0, xMinusD = 0.0, xMinusX = 0.0

  /// The fields in a fixed order (for `StatisticsEstimatorState`).
  var fields: [Double] {
    [count, trace, tracePlus, traceMinus, dd, dx, xx, dPlusD, dPlusX, xPlusD, xPlusX, dMinusD, dMinusX, xMinusD, xMinusX]
  }
  static let fieldCount = 15

  init() {}

  /// Terms from `fields` (the order of `fields`).
  init<C: Collection<Double>>(fields f: C) where C.Index == Int {
    precondition(f.count == SampleTerms.fieldCount, "SampleTerms: \(f.count) fields, expected \(SampleTerms.fieldCount)")
    let b = f.startIndex
    count = f[b]; trace = f[b + 1]; tracePlus = f[b + 2]; traceMinus = f[b + 3]
    dd = f[b + 4]; dx = f[b + 5]; xx = f[b + 6]
    dPlusD = f[b + 7]; dPlusX = f[b + 8]; xPlusD = f[b + 9]; xPlusX = f[b + 10]
    dMinusD = f[b + 11]; dMinusX = f[b + 12]; xMinusD = f[b + 13]; xMinusX = f[b + 14]
  }

  static func + (a: SampleTerms, b: SampleTerms) -> SampleTerms {
    var r = SampleTerms()
    r.count = a.count + b.count
    r.trace = a.trace + b.trace; r.tracePlus = a.tracePlus + b.tracePlus; r.traceMinus = a.traceMinus + b.traceMinus
    r.dd = a.dd + b.dd; r.dx = a.dx + b.dx; r.xx = a.xx + b.xx
    r.dPlusD = a.dPlusD + b.dPlusD; r.dPlusX = a.dPlusX + b.dPlusX; r.xPlusD = a.xPlusD + b.xPlusD; r.xPlusX = a.xPlusX + b.xPlusX
    r.dMinusD = a.dMinusD + b.dMinusD; r.dMinusX = a.dMinusX + b.dMinusX
    r.xMinusD = a.xMinusD + b.xMinusD; r.xMinusX = a.xMinusX + b.xMinusX
    return r
  }

  static func - (a: SampleTerms, b: SampleTerms) -> SampleTerms {
    var r = SampleTerms()
    r.count = a.count - b.count
    r.trace = a.trace - b.trace; r.tracePlus = a.tracePlus - b.tracePlus; r.traceMinus = a.traceMinus - b.traceMinus
    r.dd = a.dd - b.dd; r.dx = a.dx - b.dx; r.xx = a.xx - b.xx
    r.dPlusD = a.dPlusD - b.dPlusD; r.dPlusX = a.dPlusX - b.dPlusX; r.xPlusD = a.xPlusD - b.xPlusD; r.xPlusX = a.xPlusX - b.xPlusX
    r.dMinusD = a.dMinusD - b.dMinusD; r.dMinusX = a.dMinusX - b.dMinusX
    r.xMinusD = a.xMinusD - b.xMinusD; r.xMinusX = a.xMinusX - b.xMinusX
    return r
  }

  /// `(l, s)` from the sums: `l = tr / (n d)`, and `s = <g1, g> / |g|^2` with `g = D - l x`,
  /// `g+- = D+- - l+- x+-`, `g1 = (g+ - g-) / (2 delta)`; `s = 0` when `|g|^2 < 1e-12 n d`.
  func statistics(dimension: Double, delta: Double) -> (l: Double, s: Double) {
    let nd = count * dimension
    guard nd > 0 else { return (.nan, .nan) }
    let l = trace / nd, lPlus = tracePlus / nd, lMinus = traceMinus / nd
    let norm = dd - 2 * l * dx + l * l * xx
    let plusInner = dPlusD - l * dPlusX - lPlus * xPlusD + lPlus * l * xPlusX
    let minusInner = dMinusD - l * dMinusX - lMinus * xMinusD + lMinus * l * xMinusX
    let inner = (plusInner - minusInner) / (2 * delta)
    return (l, norm / nd < 1e-12 ? 0 : inner / norm)
  }
}

/// The Analytic-Precond statistics estimator with error bars and a convergence rule (issue 16).
///
/// Samples: at grid point `j`, sample `i` is `x_t = x0 + t eps` with `x0` the training point drawn
/// by `RandomStream(seed, .statistics, 2j)` and `eps` from `RandomStream(seed, .statistics, 2j+1)`,
/// both at sample index `i`, so a larger sample count extends a smaller one. Traces are exact for
/// `ExactTraceDenoiser` teachers and Hutchinson estimates (`hutchinsonProbes` Rademacher probes
/// per sample, their own per sample) for network teachers; `g1` is a central difference over one
/// Heun step of `delta` in lambda each way, with `l(lambda +- delta)` estimated on the moved
/// samples (they follow the marginals there, which avoids the interpolation error of a coarse grid).
///
/// Error bars: a delete-a-group jackknife. Sample `i` belongs to group `(i / b) mod G` with
/// `G = min(32, n0)` groups and blocks of `b = max(1, n0 / G)` samples (`n0` the first round's
/// samples per point), so every round fills the groups evenly. Replicate `g` is the estimate
/// without group `g` (at every grid point at once, so `l` and `s` keep their correlation); the
/// standard error of any function `f` of the curves (`l_j`, `s_j`, `A` and `B` of a jump) is
/// `sqrt((G-1)/G sum_g (f_g - mean f)^2)`. No random numbers are involved beyond the samples.
///
/// Convergence: with a `tolerance`, after each round the relative standard error of `B` (equal to
/// that of `beta`, as `B = beta cOut(t)`) is computed for every jump `s < t` of `jumpTimes`, for
/// the forward and the backward `beta`; while its maximum exceeds the tolerance the samples per
/// point double (each new sample with its own probes), up to `maxSamplesPerPoint` (default 32x the
/// first round). Sums are Double in sample order per group, so the estimate is bit-identical for
/// any thread count and extends deterministically.
public enum StatisticsEstimator {
  /// The version of the estimator (in cache keys and in the spec of analytic cells).
  public static let version = 2
  /// Jackknife groups.
  public static let groups = 32

  /// The jackknife groups and their block size for a first round of `samplesPerPoint` samples.
  public static func grouping(samplesPerPoint: Int) -> (count: Int, blockSize: Int) {
    let count = min(groups, samplesPerPoint)
    return (count, max(1, samplesPerPoint / count))
  }

  /// Estimates the statistics, their standard errors and (with a tolerance) converges them on
  /// the jumps between `jumpTimes`. `progress(round, samplesPerPoint, maxRelativeErrorOfB)` is
  /// called after every round, `checkpoint(state)` after every grid point of every round; an
  /// estimate continued from such a `resume` state (same teacher, data, configuration, seed and
  /// jumps: the caller's key) equals the uninterrupted one bit for bit, and its cost adds the
  /// seconds spent before.
  public static func estimate(
    teacher: any Denoiser, data: Tensor, configuration c: StatisticsConfiguration, seed: UInt64, jumpTimes: [Double] = [],
    resume: StatisticsEstimatorState? = nil,
    checkpoint: (StatisticsEstimatorState) -> Void = { _ in },
    progress: (Int, Int, Double) -> Void = { _, _, _ in }
  ) -> StatisticsEstimate {
    precondition(c.lambdaCount >= 2 && c.samplesPerPoint >= 1 && c.batchSize >= 1 && c.hutchinsonProbes >= 1,
      "StatisticsEstimator: bad configuration \(c)")
    let clock = ContinuousClock()
    let start = clock.now
    let cpuStart = processCPUSeconds()
    let grid = AnalyticStatistics.lambdaGrid(count: c.lambdaCount)
    let dimension = Double(data.count / data.shape[0])
    let flow = ProbabilityFlow(teacher)
    let exact = teacher is any ExactTraceDenoiser
    let (groupCount, blockSize) = grouping(samplesPerPoint: c.samplesPerPoint)
    let cap = max(c.samplesPerPoint, c.maxSamplesPerPoint ?? 32 * c.samplesPerPoint)
    let times = Array(Set(jumpTimes)).sorted()

    func samples(_ j: Int, _ first: Int, _ count: Int) -> (x: Tensor, t: [Double]) {
      let t = exp(-grid[j])
      let indexStream = RandomStream(seed: seed, purpose: .statistics, step: 2 * j)
      let indices = (first..<(first + count)).map { indexStream.integer(below: data.shape[0], sample: $0) }
      let x0 = data.gatherRows(indices)
      let noise = RandomStream(seed: seed, purpose: .statistics, step: 2 * j + 1).normalTensor(shape: x0.shape, firstSample: first)
      return (x0 + noise.scaled(by: Float(t)), [Double](repeating: t, count: count))
    }

    func traces(_ x: Tensor, _ t: [Double], point: Int, first: Int) -> [Double] {
      if let exact = teacher as? any ExactTraceDenoiser {
        return exact.denoiseWithTrace(x, noiseLevels: t).trace
      }
      guard let network = teacher as? NetworkDenoiser else {
        preconditionFailure("StatisticsEstimator: teacher \(type(of: teacher)) has neither exact traces nor a network")
      }
      return AnalyticStatistics.hutchinsonTrace(of: network, at: x, noiseLevels: t, probes: c.hutchinsonProbes, seed: seed,
        point: point, firstSample: first)
    }

    // terms[j][g]: the sums of group g at grid point j.
    var terms = [[SampleTerms]](repeating: [SampleTerms](repeating: SampleTerms(), count: groupCount), count: grid.count)
    var samplesPerPoint = c.samplesPerPoint
    var done = 0
    var rounds = 0
    var firstPoint = 0
    var secondsBefore = 0.0
    var cpuSecondsBefore = 0.0
    if let resume {
      precondition(resume.fits(lambdaCount: grid.count, groupCount: groupCount, blockSize: blockSize),
        "StatisticsEstimator: resume state (\(resume.lambdaCount) points, \(resume.groupCount) groups of \(resume.blockSize), "
          + "\(resume.terms.count) terms) does not fit \(grid.count) points, \(groupCount) groups of \(blockSize)")
      let values = resume.terms.map { Double(bitPattern: $0) }
      for j in 0..<grid.count {
        for g in 0..<groupCount {
          let first = (j * groupCount + g) * SampleTerms.fieldCount
          terms[j][g] = SampleTerms(fields: values[first..<(first + SampleTerms.fieldCount)])
        }
      }
      (samplesPerPoint, done, rounds, firstPoint) = (resume.samplesPerPoint, resume.samplesDone, resume.rounds, resume.nextPoint)
      (secondsBefore, cpuSecondsBefore) = (resume.seconds, resume.cpuSeconds)
    }
    func elapsedSeconds() -> (wall: Double, cpu: Double) {
      let elapsed = clock.now - start
      return (secondsBefore + Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
        cpuSecondsBefore + processCPUSeconds() - cpuStart)
    }
    func state(nextPoint: Int) -> StatisticsEstimatorState {
      let (wall, cpu) = elapsedSeconds()
      return StatisticsEstimatorState(samplesDone: done, samplesPerPoint: samplesPerPoint, rounds: rounds, nextPoint: nextPoint,
        seconds: wall, cpuSeconds: cpu, lambdaCount: grid.count, groupCount: groupCount, blockSize: blockSize,
        terms: terms.flatMap { $0.flatMap { $0.fields.map(\.bitPattern) } })
    }
    func add(samples range: Range<Int>, fromPoint firstPoint: Int) {
      for j in firstPoint..<grid.count {
        let (plus, minus) = (grid[j] + c.differenceStep, grid[j] - c.differenceStep)
        var first = range.lowerBound
        while first < range.upperBound {
          let count = min(c.batchSize, range.upperBound - first)
          let (x, t) = samples(j, first, count)
          let tPlus = [Double](repeating: exp(-plus), count: count)
          let tMinus = [Double](repeating: exp(-minus), count: count)
          let trace = traces(x, t, point: j, first: first)
          let denoised = teacher.denoise(x, noiseLevels: t)
          let xPlus = flow.heun(x, from: t, to: tPlus)
          let xMinus = flow.heun(x, from: t, to: tMinus)
          let dPlus = teacher.denoise(xPlus, noiseLevels: tPlus)
          let dMinus = teacher.denoise(xMinus, noiseLevels: tMinus)
          let tracePlus = traces(xPlus, tPlus, point: grid.count + j, first: first)
          let traceMinus = traces(xMinus, tMinus, point: 2 * grid.count + j, first: first)
          let inner = x.count / count
          for b in 0..<count {
            var s = SampleTerms()
            s.count = 1
            s.trace = trace[b]; s.tracePlus = tracePlus[b]; s.traceMinus = traceMinus[b]
            for i in (b * inner)..<((b + 1) * inner) {
              let (xi, di) = (Double(x.scalars[i]), Double(denoised.scalars[i]))
              let (xp, dp) = (Double(xPlus.scalars[i]), Double(dPlus.scalars[i]))
              let (xm, dm) = (Double(xMinus.scalars[i]), Double(dMinus.scalars[i]))
              s.dd += di * di; s.dx += di * xi; s.xx += xi * xi
              s.dPlusD += dp * di; s.dPlusX += dp * xi; s.xPlusD += xp * di; s.xPlusX += xp * xi
              s.dMinusD += dm * di; s.dMinusX += dm * xi; s.xMinusD += xm * di; s.xMinusX += xm * xi
            }
            let g = ((first + b) / blockSize) % groupCount
            terms[j][g] = terms[j][g] + s
          }
          first += count
        }
        checkpoint(state(nextPoint: j + 1))
      }
    }

    while true {
      add(samples: done..<samplesPerPoint, fromPoint: firstPoint)
      firstPoint = 0
      done = samplesPerPoint
      rounds += 1
      var estimate = StatisticsEstimate(lambdas: grid, terms: terms, dimension: dimension, delta: c.differenceStep)
      let worst = estimate.worstJump(times: times)
      progress(rounds, samplesPerPoint, worst?.relativeError ?? 0)
      let converged = c.tolerance.map { tolerance in worst.map { $0.relativeError <= tolerance } ?? true }
      if c.tolerance == nil || converged == true || 2 * samplesPerPoint > cap {
        let (wall, cpu) = elapsedSeconds()
        estimate.cost = StatisticsCost(
          seconds: wall, cpuSeconds: cpu,
          lambdaCount: grid.count, samplesPerPoint: samplesPerPoint, probesPerSample: exact ? 0 : c.hutchinsonProbes,
          rounds: rounds, tolerance: c.tolerance, converged: converged, maxRelativeErrorB: worst?.relativeError,
          worstJump: worst)
        return estimate
      }
      samplesPerPoint *= 2
      checkpoint(state(nextPoint: 0))
    }
  }
}

/// Where an unfinished estimate stands, after a grid point of a round: enough for
/// `StatisticsEstimator.estimate(resume:)` to continue it with the numbers an uninterrupted estimate
/// gives (the group sums are kept as exact Double bit patterns), so that a long estimate (the 1%
/// rule on a network teacher takes hours of CPU) can be carried across processes and sessions.
public struct StatisticsEstimatorState: Codable, Sendable, Equatable {
  /// Samples per point of the rounds already finished (every point holds them).
  public var samplesDone: Int
  /// Samples per point the current round fills.
  public var samplesPerPoint: Int
  /// Rounds finished.
  public var rounds: Int
  /// The next grid point of the current round (`lambdaCount`: the round's samples are all in).
  public var nextPoint: Int
  /// Wall-clock seconds spent so far.
  public var seconds: Double
  /// Process CPU seconds spent so far.
  public var cpuSeconds: Double
  /// Grid points, jackknife groups and block size (checked on resume).
  public var lambdaCount: Int
  public var groupCount: Int
  public var blockSize: Int
  /// `SampleTerms` of every (point, group), `SampleTerms.fieldCount` Doubles each, as bit patterns.
  public var terms: [UInt64]

  /// A state from its parts.
  public init(samplesDone: Int, samplesPerPoint: Int, rounds: Int, nextPoint: Int, seconds: Double, cpuSeconds: Double,
              lambdaCount: Int, groupCount: Int, blockSize: Int, terms: [UInt64]) {
    self.samplesDone = samplesDone
    self.samplesPerPoint = samplesPerPoint
    self.rounds = rounds
    self.nextPoint = nextPoint
    self.seconds = seconds
    self.cpuSeconds = cpuSeconds
    self.lambdaCount = lambdaCount
    self.groupCount = groupCount
    self.blockSize = blockSize
    self.terms = terms
  }

  enum CodingKeys: String, CodingKey {
    case samplesDone, samplesPerPoint, rounds, nextPoint, seconds, cpuSeconds, lambdaCount, groupCount, blockSize, terms
  }

  /// `terms` are written as one string of 16 hex digits per sum (JSON numbers do not carry 64-bit
  /// patterns exactly).
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(samplesDone, forKey: .samplesDone)
    try c.encode(samplesPerPoint, forKey: .samplesPerPoint)
    try c.encode(rounds, forKey: .rounds)
    try c.encode(nextPoint, forKey: .nextPoint)
    try c.encode(seconds, forKey: .seconds)
    try c.encode(cpuSeconds, forKey: .cpuSeconds)
    try c.encode(lambdaCount, forKey: .lambdaCount)
    try c.encode(groupCount, forKey: .groupCount)
    try c.encode(blockSize, forKey: .blockSize)
    let digits = Array("0123456789abcdef".utf8)
    var hex = [UInt8]()
    hex.reserveCapacity(16 * terms.count)
    for pattern in terms {
      for shift in stride(from: 60, through: 0, by: -4) { hex.append(digits[Int((pattern >> UInt64(shift)) & 15)]) }
    }
    try c.encode(String(decoding: hex, as: UTF8.self), forKey: .terms)
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    samplesDone = try c.decode(Int.self, forKey: .samplesDone)
    samplesPerPoint = try c.decode(Int.self, forKey: .samplesPerPoint)
    rounds = try c.decode(Int.self, forKey: .rounds)
    nextPoint = try c.decode(Int.self, forKey: .nextPoint)
    seconds = try c.decode(Double.self, forKey: .seconds)
    cpuSeconds = try c.decode(Double.self, forKey: .cpuSeconds)
    lambdaCount = try c.decode(Int.self, forKey: .lambdaCount)
    groupCount = try c.decode(Int.self, forKey: .groupCount)
    blockSize = try c.decode(Int.self, forKey: .blockSize)
    let hex = Array(try c.decode(String.self, forKey: .terms).utf8)
    guard hex.count % 16 == 0 else {
      throw DecodingError.dataCorruptedError(forKey: .terms, in: c, debugDescription: "\(hex.count) hex digits, not a multiple of 16")
    }
    var terms = [UInt64]()
    terms.reserveCapacity(hex.count / 16)
    var value: UInt64 = 0
    for (i, digit) in hex.enumerated() {
      let nibble: UInt8
      switch digit {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
      default:
        throw DecodingError.dataCorruptedError(forKey: .terms, in: c, debugDescription: "not a hex digit at \(i)")
      }
      value = value << 4 | UInt64(nibble)
      if i % 16 == 15 { terms.append(value); value = 0 }
    }
    self.terms = terms
  }

  /// Whether the state fits an estimate with these dimensions (a mismatch means another configuration).
  public func fits(lambdaCount: Int, groupCount: Int, blockSize: Int) -> Bool {
    self.lambdaCount == lambdaCount && self.groupCount == groupCount && self.blockSize == blockSize
      && terms.count == lambdaCount * groupCount * 15 && samplesDone >= 0 && samplesPerPoint > samplesDone
      && (0...lambdaCount).contains(nextPoint) && rounds >= 0
  }
}

/// The relative standard error of `B` on one jump.
public struct JumpError: Codable, Sendable, Hashable, CustomStringConvertible {
  /// Start time.
  public var t: Double
  /// End time.
  public var s: Double
  /// "forward" or "backward" `beta`.
  public var variant: String
  /// The jump's `B` (relative to `cOut(t)`: `beta`).
  public var beta: Double
  /// `se(B) / |B|`.
  public var relativeError: Double

  /// A jump's error from its parts.
  public init(t: Double, s: Double, variant: String, beta: Double, relativeError: Double) {
    self.t = t
    self.s = s
    self.variant = variant
    self.beta = beta
    self.relativeError = relativeError
  }

  /// "t T -> s S (forward beta B, relative SE E)".
  public var description: String {
    "jump t \(t) -> s \(s) (\(variant) beta \(beta), relative standard error of B \(relativeError))"
  }
}

/// What an estimate took.
public struct StatisticsCost: Codable, Sendable, Hashable {
  /// Wall-clock seconds of the whole estimate (every round and the error bars; summed over the
  /// processes of a resumed estimate).
  public var seconds: Double
  /// Process CPU seconds of the estimate (every thread; nil in estimates cached before it was recorded).
  public var cpuSeconds: Double?
  /// Grid points.
  public var lambdaCount: Int
  /// Samples per grid point of the last round.
  public var samplesPerPoint: Int
  /// Hutchinson probes per sample (0 for exact traces); `samplesPerPoint * probesPerSample` probes
  /// per trace and grid point in all.
  public var probesPerSample: Int
  /// Rounds (the samples doubled `rounds - 1` times).
  public var rounds: Int
  /// The tolerance on B's relative standard error (nil: no convergence rule).
  public var tolerance: Double?
  /// Whether the tolerance was met (nil without a tolerance).
  public var converged: Bool?
  /// The largest relative standard error of B over the jumps (nil without jumps).
  public var maxRelativeErrorB: Double?
  /// The jump with that error.
  public var worstJump: JumpError?

  /// A cost.
  public init(seconds: Double, cpuSeconds: Double? = nil, lambdaCount: Int, samplesPerPoint: Int, probesPerSample: Int, rounds: Int,
              tolerance: Double? = nil, converged: Bool? = nil, maxRelativeErrorB: Double? = nil, worstJump: JumpError? = nil) {
    self.seconds = seconds
    self.cpuSeconds = cpuSeconds
    self.lambdaCount = lambdaCount
    self.samplesPerPoint = samplesPerPoint
    self.probesPerSample = probesPerSample
    self.rounds = rounds
    self.tolerance = tolerance
    self.converged = converged
    self.maxRelativeErrorB = maxRelativeErrorB
    self.worstJump = worstJump
  }
}

/// Statistics with their jackknife replicates (see `StatisticsEstimator`) and what they cost.
public struct StatisticsEstimate: Codable, Sendable, Hashable {
  /// The grid.
  public var lambdas: [Double]
  /// `l` on the grid (all samples).
  public var linear: [Double]
  /// `s` on the grid (all samples).
  public var growth: [Double]
  /// `l` with group `g` left out, per group.
  public var linearReplicates: [[Double]]
  /// `s` with group `g` left out, per group.
  public var growthReplicates: [[Double]]
  /// The cost.
  public var cost: StatisticsCost

  /// An estimate from its parts.
  public init(lambdas: [Double], linear: [Double], growth: [Double], linearReplicates: [[Double]], growthReplicates: [[Double]],
              cost: StatisticsCost) {
    self.lambdas = lambdas
    self.linear = linear
    self.growth = growth
    self.linearReplicates = linearReplicates
    self.growthReplicates = growthReplicates
    self.cost = cost
  }

  init(lambdas: [Double], terms: [[SampleTerms]], dimension: Double, delta: Double) {
    let groupCount = terms.first?.count ?? 0
    var linear = [Double](), growth = [Double]()
    var linearReplicates = [[Double]](repeating: [], count: groupCount)
    var growthReplicates = [[Double]](repeating: [], count: groupCount)
    for point in terms {
      let total = point.reduce(SampleTerms(), +)
      let (l, s) = total.statistics(dimension: dimension, delta: delta)
      linear.append(l)
      growth.append(s)
      for g in 0..<groupCount {
        let (lg, sg) = (total - point[g]).statistics(dimension: dimension, delta: delta)
        linearReplicates[g].append(groupCount > 1 ? lg : l)
        growthReplicates[g].append(groupCount > 1 ? sg : s)
      }
    }
    self.init(lambdas: lambdas, linear: linear, growth: growth, linearReplicates: linearReplicates,
      growthReplicates: growthReplicates, cost: StatisticsCost(seconds: 0, lambdaCount: lambdas.count, samplesPerPoint: 0,
        probesPerSample: 0, rounds: 0))
  }

  /// The statistics (the estimate's seconds included).
  public var statistics: AnalyticStatistics {
    AnalyticStatistics(lambdas: lambdas, linear: linear, growth: growth, seconds: cost.seconds)
  }

  /// The jackknife replicates as statistics.
  public var replicates: [AnalyticStatistics] {
    zip(linearReplicates, growthReplicates).map { AnalyticStatistics(lambdas: lambdas, linear: $0, growth: $1) }
  }

  /// The standard error of `l` at each grid point.
  public var linearError: [Double] {
    lambdas.indices.map { j in Self.jackknifeError(linearReplicates.map { $0[j] }) }
  }

  /// The standard error of `s` at each grid point.
  public var growthError: [Double] {
    lambdas.indices.map { j in Self.jackknifeError(growthReplicates.map { $0[j] }) }
  }

  /// The delete-a-group jackknife standard error `sqrt((G-1)/G sum (f_g - mean f)^2)` of replicate
  /// values `f_g` (0 with fewer than two).
  public static func jackknifeError(_ values: [Double]) -> Double {
    guard values.count >= 2 else { return 0 }
    var mean = 0.0
    for v in values { mean += v }
    mean /= Double(values.count)
    var squares = 0.0
    for v in values { squares += (v - mean) * (v - mean) }
    return (Double(values.count - 1) / Double(values.count) * squares).squareRoot()
  }

  /// The relative standard error of `B` (forward and backward `beta`) on every jump `s < t` of
  /// `times`, in (t, s, forward/backward) order.
  public func jumpErrors(times: [Double]) -> [JumpError] {
    let sorted = Array(Set(times)).sorted()
    guard sorted.count >= 2 else { return [] }
    let central = statistics
    let replicated = replicates
    var out = [JumpError]()
    for (i, t) in sorted.enumerated() {
      for s in sorted[..<i] {
        let c = central.alphaBeta(t: t, s: s)
        let values = replicated.map { $0.alphaBeta(t: t, s: s) }
        let forward = Self.jackknifeError(values.map { $0.betaForward })
        let backward = Self.jackknifeError(values.map { $0.betaBackward })
        out.append(JumpError(t: t, s: s, variant: "forward", beta: c.betaForward, relativeError: forward / abs(c.betaForward)))
        out.append(JumpError(t: t, s: s, variant: "backward", beta: c.betaBackward, relativeError: backward / abs(c.betaBackward)))
      }
    }
    return out
  }

  /// The jump with the largest relative standard error of `B` (nil without jumps); a NaN error
  /// counts as the largest.
  public func worstJump(times: [Double]) -> JumpError? {
    jumpErrors(times: times).max { a, b in
      if a.relativeError.isNaN { return false }
      if b.relativeError.isNaN { return true }
      return a.relativeError < b.relativeError
    }
  }
}
