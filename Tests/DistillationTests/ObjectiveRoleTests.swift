import Foundation
import Testing
import Autodiff
import Diffusion
import Distillation
import TensorCore
import TestSupport

/// The roles of theta, sg(theta) and theta- in the CD and CTM objectives (docs/math.md, "Objectives";
/// the official CTM code's `ctm_estimate_outer_type='target_model_sg'`, `ctm_estimate_inner_type='model'`,
/// `ctm_target_inner_type='model_sg'`). Each role gets its own affine "network"
/// `f_role(x, t, s) = a_role(t, s) x + offset_role`, so that any swap of roles changes the estimate,
/// the target or the gradient, and the expected values are computed here, row by row in Double,
/// without `ConsistencyObjective`.
@Suite("Objective roles (theta, sg(theta), theta-)")
struct ObjectiveRoleTests {
  /// Per-role coefficient `a(t, s)`: three different contractions.
  static func slope(_ role: JumpRole, _ t: Double, _ s: Double) -> Double {
    switch role {
    case .online: return 1 / (1 + (t - s))
    case .onlineStopped: return 1 / (1 + 2 * (t - s))
    case .target: return 1 / (1 + 0.5 * (t - s))
    }
  }

  static let dimension = 3
  /// The online offset `w` (a trainable parameter), and the constant offsets of the other roles.
  static let onlineOffset: [Float] = [0.3, -0.2, 0.1]
  static let stoppedOffset: [Double] = [0.7, 0.4, -0.5]
  static let targetOffset: [Double] = [-0.25, 0.15, 0.05]

  /// The tagged jump; the online role carries `w` with gradient.
  static func jump(_ w: Variable) -> (Variable, [Double], [Double], JumpRole) -> Variable {
    { x, t, s, role in
      let scaled = x * Tensor.perSample(zip(t, s).map { slope(role, $0, $1) }, rank: 2)
      switch role {
      case .online: return scaled + w
      case .onlineStopped: return scaled + Tensor(shape: [1, dimension], scalars: stoppedOffset.map { Float($0) })
      case .target: return scaled + Tensor(shape: [1, dimension], scalars: targetOffset.map { Float($0) })
      }
    }
  }

  /// Exact velocity of the single-Gaussian teacher used below: `dx/dt = (x - D(x, t)) / t` with
  /// `D(x, t) = mu + v / (v + t^2) (x - mu)`.
  static func heun(_ x: [Double], _ t: Double, _ next: Double) -> [Double] {
    let v = sigmaData * sigmaData
    func velocity(_ y: [Double], _ time: Double) -> [Double] {
      (0..<y.count).map { i in
        let denoised = gaussianMean[i % 2] + v / (v + time * time) * (y[i] - gaussianMean[i % 2])
        return (y[i] - denoised) / time
      }
    }
    let h = next - t
    let d = velocity(x, t)
    let predictor = (0..<x.count).map { x[$0] + h * d[$0] }
    let d2 = velocity(predictor, next)
    return (0..<x.count).map { x[$0] + h * 0.5 * (d[$0] + d2[$0]) }
  }

  struct Expected {
    var estimate: [[Double]]
    var target: [[Double]]
    var gradient: [Double]
  }

  /// The estimate, target and `d MSE / d w`, computed row by row from the formulas.
  static func expected(method: DistillationMethod, clean: Tensor, noise: Tensor, draw d: ConsistencyObjective.Draw,
                       grid: [Double], tMin: Double) -> Expected {
    let rows = clean.shape[0]
    var result = Expected(estimate: [], target: [], gradient: [Double](repeating: 0, count: dimension))
    func f(_ role: JumpRole, _ x: [Double], _ t: Double, _ s: Double) -> [Double] {
      let offset: [Double]
      switch role {
      case .online: offset = onlineOffset.map(Double.init)
      case .onlineStopped: offset = stoppedOffset
      case .target: offset = targetOffset
      }
      return (0..<dimension).map { slope(role, t, s) * x[$0] + offset[$0] }
    }
    for b in 0..<rows {
      let xt = (0..<dimension).map { Double(clean.scalars[b * dimension + $0]) + d.t[b] * Double(noise.scalars[b * dimension + $0]) }
      let estimate: [Double], target: [Double], dEstimateDw: Double
      switch method {
      case .ctm:
        // estimate = f_theta-(f_theta(x_t, t, s), s, tMin); target = f_theta-(f_sg(theta)(Heun^k x_t, u, s), s, tMin).
        estimate = f(.target, f(.online, xt, d.t[b], d.s[b]), d.s[b], tMin)
        var solved = xt
        for j in 0..<d.k { solved = heun(solved, grid[d.start[b] + j], grid[d.start[b] + j + 1]) }
        target = f(.target, f(.onlineStopped, solved, d.u[b], d.s[b]), d.s[b], tMin)
        dEstimateDw = slope(.target, d.s[b], tMin)
      case .cd:
        // estimate = f_theta(x_t, t, tMin); target = f_theta-(Heun(x_t, t -> t'), t', tMin).
        estimate = f(.online, xt, d.t[b], tMin)
        target = f(.target, heun(xt, d.t[b], d.u[b]), d.u[b], tMin)
        dEstimateDw = 1
      }
      result.estimate.append(estimate)
      result.target.append(target)
      let count = Double(rows * dimension)
      for i in 0..<dimension { result.gradient[i] += 2 * (estimate[i] - target[i]) * dEstimateDw / count }
    }
    return result
  }

  @Test("Estimate, target and gradient use theta, sg(theta) and theta- where the objective says",
    arguments: DistillationMethod.allCases)
  func roles(method: DistillationMethod) {
    let gaussian3 = GaussianMixtureTeacher(components: [
      MixtureComponent(weight: 1, mean: [gaussianMean[0], gaussianMean[1], gaussianMean[0]], variance: sigmaData * sigmaData)
    ])
    let rows = 24
    let clean = gaussian3.sample(count: rows, stream: RandomStream(seed: 11, purpose: .testing))
    let noise = RandomStream(seed: 12, purpose: .testing).normalTensor(shape: [rows, Self.dimension])
    let grid = KarrasGrid(count: 12).times
    for step in 0..<4 {
      let tape = Tape()
      let w = tape.variable(Tensor(shape: [1, Self.dimension], scalars: Self.onlineOffset))
      let pair = ConsistencyObjective.pair(method: method, clean: clean, noise: noise, grid: grid, tMin: NoiseRange.tMin,
        maxJump: 6, seed: 21, step: step, flow: ProbabilityFlow(gaussian3), jump: Self.jump(w))
      let d = pair.draw
      // The draw: t = t_n, u = t_{n+k} (CD: k = 1), s on the grid between u and tMin (CD: tMin).
      for b in 0..<rows {
        #expect(d.t[b] == grid[d.start[b]] && d.u[b] == grid[d.start[b] + d.k])
        if method == .ctm { #expect(d.s[b] <= d.u[b] && grid.contains(d.s[b])) } else { #expect(d.s[b] == NoiseRange.tMin) }
      }
      let expected = Self.expected(method: method, clean: clean, noise: noise, draw: d, grid: grid, tMin: NoiseRange.tMin)
      for b in 0..<rows {
        for i in 0..<Self.dimension {
          expectClose(Double(pair.estimate.value.scalars[b * Self.dimension + i]), expected.estimate[b][i], relative: 1e-5,
            absolute: 1e-5, "\(method) step \(step) estimate[\(b), \(i)]")
          expectClose(Double(pair.target.value.scalars[b * Self.dimension + i]), expected.target[b][i], relative: 1e-4,
            absolute: 1e-4, "\(method) step \(step) target[\(b), \(i)]")
        }
      }
      let loss = meanSquaredError(pair.estimate, pair.target.detached)
      let gradient = tape.gradients(of: loss)[w]
      for i in 0..<Self.dimension {
        expectClose(Double(gradient.scalars[i]), expected.gradient[i], relative: 1e-3, absolute: 1e-5,
          "\(method) step \(step) dL/dw[\(i)]")
      }
    }
  }

  @Test("The tagged roles can be told apart: swapping any two changes the pair", arguments: DistillationMethod.allCases)
  func swapsAreVisible(method: DistillationMethod) {
    let rows = 16
    let clean = gaussian.sample(count: rows, stream: RandomStream(seed: 13, purpose: .testing))
    let noise = RandomStream(seed: 14, purpose: .testing).normalTensor(shape: [rows, 2])
    let grid = KarrasGrid(count: 10).times
    let roles: [JumpRole] = [.online, .onlineStopped, .target]
    func run(_ remap: @escaping (JumpRole) -> JumpRole) -> (Tensor, Tensor) {
      let pair = ConsistencyObjective.pair(method: method, clean: clean, noise: noise, grid: grid, tMin: NoiseRange.tMin,
        maxJump: 5, seed: 22, step: 1, flow: ProbabilityFlow(gaussian)) { x, t, s, role in
        let a = zip(t, s).map { Self.slope(remap(role), $0, $1) }
        return x * Tensor.perSample(a, rank: 2) + Float(roles.firstIndex(of: remap(role))!)
      }
      return (pair.estimate.value, pair.target.value)
    }
    let reference = run { $0 }
    for (i, first) in roles.enumerated() {
      for second in roles[(i + 1)...] {
        let swapped = run { $0 == first ? second : $0 == second ? first : $0 }
        let changed = (swapped.0 - reference.0).sumOfSquares() + (swapped.1 - reference.1).sumOfSquares()
        // CD never uses sg(theta): swapping it with another role changes one of the two.
        #expect(changed > 1e-6, "\(method): swapping \(first) and \(second) left the pair unchanged")
      }
    }
  }

  @Test("CTM's draw: P(k) proportional to k, t = t_n with n uniform, s uniform on the grid from t_{n+k}")
  func drawDistribution() {
    let grid = KarrasGrid(count: 10).times
    let maxJump = 4
    var jumps = [Int](repeating: 0, count: maxJump + 1)
    var starts = [Int](repeating: 0, count: grid.count)
    let steps = 20_000
    for step in 0..<steps {
      let d = ConsistencyObjective.draw(method: .ctm, batch: 1, grid: grid, tMin: NoiseRange.tMin, maxJump: maxJump, seed: 5, step: step)
      jumps[d.k] += 1
      if d.k == 1 { starts[d.start[0]] += 1 }
      let end = grid.firstIndex(of: d.s[0]) ?? -1
      #expect(end >= d.start[0] + d.k && end <= grid.count - 1)
    }
    // P(k) = k / (K (K + 1) / 2) = k / 10; 3 binomial standard errors.
    for k in 1...maxJump {
      let p = Double(k) / 10
      let expected = p * Double(steps), tolerance = 3 * (p * (1 - p) * Double(steps)).squareRoot()
      #expect(abs(Double(jumps[k]) - expected) <= tolerance, "k = \(k): \(jumps[k]) draws, expected \(expected)")
    }
    // With k = 1, n is uniform on 0...N-2 (about 2000 draws over 9 values).
    let draws = Double(jumps[1]), cells = Double(grid.count - 1)
    for n in 0..<(grid.count - 1) {
      let expected = draws / cells
      #expect(abs(Double(starts[n]) - expected) <= 4 * (expected * (1 - 1 / cells)).squareRoot(), "n = \(n): \(starts[n])")
    }
  }
}

