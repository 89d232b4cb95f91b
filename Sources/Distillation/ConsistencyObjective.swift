import Autodiff
import Diffusion
import TensorCore

/// Which parameters a jump of the consistency objective uses.
public enum JumpRole: Sendable {
  /// The student `theta`, with gradient.
  case online
  /// The student without gradient, `sg(theta)`.
  case onlineStopped
  /// The EMA target network `theta-`.
  case target
}

/// The estimate and target of the CD and CTM objectives (docs/math.md section 4), for any jump
/// function, so that the objective can be checked with an exact flow map in place of a network.
public enum ConsistencyObjective {
  /// The per-sample times a step drew.
  public struct Draw: Sendable {
    /// Start times `t`.
    public var t: [Double]
    /// Teacher-solve ends `u` (CTM) or `t'` (CD).
    public var u: [Double]
    /// Jump ends `s` (CTM) or tMin (CD).
    public var s: [Double]
    /// Grid index of `t`.
    public var start: [Int]
    /// Teacher Heun steps `k`.
    public var k: Int
  }

  /// Draws the times of step `step` (see `DistillationTrainer` for the distributions).
  public static func draw(method: DistillationMethod, batch: Int, grid: [Double], tMin: Double, maxJump: Int, seed: UInt64, step: Int) -> Draw {
    let timeStream = RandomStream(seed: seed, purpose: .timeIndex, step: step)
    switch method {
    case .ctm:
      let r = RandomStream(seed: seed, purpose: .jumpLength, step: step).integer(below: maxJump * (maxJump + 1) / 2, sample: 0)
      var k = 1
      while k * (k + 1) / 2 <= r { k += 1 }
      let jumpStream = RandomStream(seed: seed, purpose: .jumpTarget, step: step)
      let start = (0..<batch).map { timeStream.integer(below: grid.count - k, sample: $0) }
      let ends = (0..<batch).map { b in start[b] + k + jumpStream.integer(below: grid.count - (start[b] + k), sample: b) }
      return Draw(t: start.map { grid[$0] }, u: start.map { grid[$0 + k] }, s: ends.map { grid[$0] }, start: start, k: k)
    case .cd:
      let start = (0..<batch).map { timeStream.integer(below: grid.count - 1, sample: $0) }
      return Draw(t: start.map { grid[$0] }, u: start.map { grid[$0 + 1] }, s: .init(repeating: tMin, count: batch), start: start, k: 1)
    }
  }

  /// The estimate (with gradient where `jump` gives it) and the target of one step.
  ///
  /// CTM: `estimate = f_target(f_online(x_t, t, s), s, tMin)`,
  /// `target = f_target(f_onlineStopped(Heun^k(x_t, t -> u), u, s), s, tMin)`.
  /// CD: `estimate = f_online(x_t, t, tMin)`, `target = f_target(Heun(x_t, t -> t'), t', tMin)`.
  public static func pair(
    method: DistillationMethod, clean: Tensor, noise: Tensor, grid: [Double], tMin: Double, maxJump: Int, seed: UInt64,
    step: Int, flow: ProbabilityFlow, jump: (Variable, [Double], [Double], JumpRole) -> Variable
  ) -> (estimate: Variable, target: Variable, draw: Draw) {
    let batch = clean.shape[0]
    let d = draw(method: method, batch: batch, grid: grid, tMin: tMin, maxJump: maxJump, seed: seed, step: step)
    let tMins = [Double](repeating: tMin, count: batch)
    let xt = clean + noise.scaledRows(by: d.t)
    switch method {
    case .ctm:
      let solved = flow.heunSteps(xt, grid: grid, start: d.start, steps: d.k)
      let target = jump(jump(Variable(solved), d.u, d.s, .onlineStopped), d.s, tMins, .target)
      let estimate = jump(jump(Variable(xt), d.t, d.s, .online), d.s, tMins, .target)
      return (estimate, target, d)
    case .cd:
      let stepped = flow.heun(xt, from: d.t, to: d.u)
      let target = jump(Variable(stepped), d.u, tMins, .target)
      let estimate = jump(Variable(xt), d.t, tMins, .online)
      return (estimate, target, d)
    }
  }
}
