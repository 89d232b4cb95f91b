import Autodiff
import Diffusion
import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension AnalyticStatistics {
  /// Estimates `l` and `s` on the lambda grid from a teacher and its training set (docs/math.md
  /// section 5). At grid point `j`, sample `i` is `x_t = x0 + t eps` with `x0` the training point
  /// drawn by `RandomStream(seed, .statistics, 2j)` and `eps` from `RandomStream(seed, .statistics,
  /// 2j+1)`, both at sample index `i`. Traces are exact for `ExactTraceDenoiser` teachers and
  /// Hutchinson estimates `v.(J^T v)` (Rademacher `v` from `.hutchinson`) for network teachers.
  /// `g1` is a central difference over one Heun step of `delta` in lambda each way, with
  /// `l(lambda +- delta)` estimated on the moved samples. If
  /// `E|g|^2 < 1e-12 d`, `s = 0`. The wall-clock cost is recorded in `seconds`.
  public static func estimate(
    teacher: any Denoiser, data: Tensor, configuration c: StatisticsConfiguration = StatisticsConfiguration(), seed: UInt64
  ) -> AnalyticStatistics {
    let clock = ContinuousClock()
    let start = clock.now
    let grid = lambdaGrid(count: c.lambdaCount)
    let dimension = Double(data.count / data.shape[0])
    let flow = ProbabilityFlow(teacher)

    func samples(_ j: Int, _ first: Int, _ count: Int) -> (x: Tensor, t: [Double]) {
      let t = exp(-grid[j])
      let indexStream = RandomStream(seed: seed, purpose: .statistics, step: 2 * j)
      let indices = (first..<(first + count)).map { indexStream.integer(below: data.shape[0], sample: $0) }
      let x0 = data.gatherRows(indices)
      let noise = RandomStream(seed: seed, purpose: .statistics, step: 2 * j + 1).normalTensor(shape: x0.shape, firstSample: first)
      return (x0 + noise.scaled(by: Float(t)), [Double](repeating: t, count: count))
    }

    func traces(_ x: Tensor, _ t: [Double], j: Int, first: Int) -> [Double] {
      if let exact = teacher as? any ExactTraceDenoiser {
        return exact.denoiseWithTrace(x, noiseLevels: t).trace
      }
      guard let network = teacher as? NetworkDenoiser else {
        preconditionFailure("AnalyticStatistics.estimate: teacher \(type(of: teacher)) has neither exact traces nor a network")
      }
      return hutchinsonTrace(of: network, at: x, noiseLevels: t, probes: c.hutchinsonProbes, seed: seed, point: j, firstSample: first)
    }

    // Pass 1: l on the grid.
    var linear = [Double](repeating: 0, count: grid.count)
    for j in 0..<grid.count {
      var total = 0.0
      var first = 0
      while first < c.samplesPerPoint {
        let count = min(c.batchSize, c.samplesPerPoint - first)
        let (x, t) = samples(j, first, count)
        for value in traces(x, t, j: j, first: first) { total += value }
        first += count
      }
      linear[j] = total / (Double(c.samplesPerPoint) * dimension)
    }

    // Pass 2: s = E<g1, g> / E|g|^2 with g = D - l x along the teacher ODE. The samples are moved
    // one Heun step of delta in lambda each way; l at lambda +- delta is estimated on the moved
    // samples themselves (they follow the marginals there), which avoids the interpolation error
    // of a coarse grid. g1 = (g+ - g-) / (2 delta) expands into inner products accumulated below.
    var growth = [Double](repeating: 0, count: grid.count)
    for j in 0..<grid.count {
      var sums = InnerProducts()
      var first = 0
      let (plus, minus) = (grid[j] + c.differenceStep, grid[j] - c.differenceStep)
      while first < c.samplesPerPoint {
        let count = min(c.batchSize, c.samplesPerPoint - first)
        let (x, t) = samples(j, first, count)
        let tPlus = [Double](repeating: exp(-plus), count: count)
        let tMinus = [Double](repeating: exp(-minus), count: count)
        let denoised = teacher.denoise(x, noiseLevels: t)
        let xPlus = flow.heun(x, from: t, to: tPlus)
        let xMinus = flow.heun(x, from: t, to: tMinus)
        let dPlus = teacher.denoise(xPlus, noiseLevels: tPlus)
        let dMinus = teacher.denoise(xMinus, noiseLevels: tMinus)
        for value in traces(xPlus, tPlus, j: grid.count + j, first: first) { sums.tracePlus += value }
        for value in traces(xMinus, tMinus, j: 2 * grid.count + j, first: first) { sums.traceMinus += value }
        sums.add(x: x, d: denoised, xPlus: xPlus, dPlus: dPlus, xMinus: xMinus, dMinus: dMinus)
        first += count
      }
      let samplesTimesD = Double(c.samplesPerPoint) * dimension
      let l = linear[j]
      let lPlus = sums.tracePlus / samplesTimesD
      let lMinus = sums.traceMinus / samplesTimesD
      // <g, g> with g = D - l x.
      let norm = sums.dd - 2 * l * sums.dx + l * l * sums.xx
      // <g+, g> and <g-, g> with g+- = D+- - l+- x+-.
      let plusInner = sums.dPlusD - l * sums.dPlusX - lPlus * sums.xPlusD + lPlus * l * sums.xPlusX
      let minusInner = sums.dMinusD - l * sums.dMinusX - lMinus * sums.xMinusD + lMinus * l * sums.xMinusX
      let inner = (plusInner - minusInner) / (2 * c.differenceStep)
      growth[j] = norm / samplesTimesD < 1e-12 ? 0 : inner / norm
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return AnalyticStatistics(lambdas: grid, linear: linear, growth: growth, seconds: seconds)
  }
}

/// Sums of inner products over samples and dimensions, in Double, in a fixed order.
struct InnerProducts {
  var dd = 0.0, dx = 0.0, xx = 0.0
  var dPlusD = 0.0, dPlusX = 0.0, xPlusD = 0.0, xPlusX = 0.0
  var dMinusD = 0.0, dMinusX = 0.0, xMinusD = 0.0, xMinusX = 0.0
  var tracePlus = 0.0, traceMinus = 0.0

  mutating func add(x: Tensor, d: Tensor, xPlus: Tensor, dPlus: Tensor, xMinus: Tensor, dMinus: Tensor) {
    for i in 0..<x.count {
      let (xi, di) = (Double(x.scalars[i]), Double(d.scalars[i]))
      let (xp, dp) = (Double(xPlus.scalars[i]), Double(dPlus.scalars[i]))
      let (xm, dm) = (Double(xMinus.scalars[i]), Double(dMinus.scalars[i]))
      dd += di * di; dx += di * xi; xx += xi * xi
      dPlusD += dp * di; dPlusX += dp * xi; xPlusD += xp * di; xPlusX += xp * xi
      dMinusD += dm * di; dMinusX += dm * xi; xMinusD += xm * di; xMinusX += xm * xi
    }
  }
}

extension AnalyticStatistics {
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
