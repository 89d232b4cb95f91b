import TensorCore

/// Steps of the probability-flow ODE `dx/dt = (x - D(x, t)) / t` of a denoiser (EDM "VE" form,
/// docs/math.md section 1), per sample: row `b` goes from `from[b]` to `to[b]`.
public struct ProbabilityFlow: Sendable {
  /// The teacher.
  public let denoiser: any Denoiser

  /// The flow of `denoiser`.
  public init(_ denoiser: any Denoiser) { self.denoiser = denoiser }

  /// The ODE's velocity `(x - D(x, t)) / t`.
  public func velocity(_ x: Tensor, at t: [Double]) -> Tensor {
    (x - denoiser.denoise(x, noiseLevels: t)).scaledRows(by: t.map { 1 / $0 })
  }

  /// One Euler step: `x' = x + (t' - t) d`.
  public func euler(_ x: Tensor, from t: [Double], to next: [Double]) -> Tensor {
    x + velocity(x, at: t).scaledRows(by: zip(t, next).map { $1 - $0 })
  }

  /// One Heun step (EDM Algorithm 1 without churn): `d = v(x, t)`, `x~ = x + (t'-t) d`,
  /// `d' = v(x~, t')`, `x' = x + (t'-t)/2 (d + d')`. Rows with `t' == t` are returned unchanged.
  public func heun(_ x: Tensor, from t: [Double], to next: [Double]) -> Tensor {
    let h = zip(t, next).map { $1 - $0 }
    let d = velocity(x, at: t)
    let predictor = x + d.scaledRows(by: h)
    let d2 = velocity(predictor, at: next)
    return x + (d + d2).scaledRows(by: h.map { 0.5 * $0 })
  }

  /// `k` Heun steps along a grid, row `b` from `grid[start[b]]` to `grid[start[b] + k]` (the CTM
  /// target's teacher solve, `Heun^k`).
  public func heunSteps(_ x: Tensor, grid: [Double], start: [Int], steps k: Int) -> Tensor {
    var y = x
    for j in 0..<k {
      y = heun(y, from: start.map { grid[$0 + j] }, to: start.map { grid[$0 + j + 1] })
    }
    return y
  }

  /// Solves from `t` to `s` (per row) with `substeps` Heun steps uniform in `log t` (a fine
  /// reference solve for gaps and alignment when no closed form exists).
  public func solve(_ x: Tensor, from t: [Double], to s: [Double], substeps: Int) -> Tensor {
    var y = x
    let logT = t.map { _log($0) }
    let logS = s.map { _log($0) }
    for j in 0..<substeps {
      let a = zip(logT, logS).map { _exp($0 + ($1 - $0) * Double(j) / Double(substeps)) }
      let b = zip(logT, logS).map { _exp($0 + ($1 - $0) * Double(j + 1) / Double(substeps)) }
      y = heun(y, from: a, to: b)
    }
    return y
  }

  /// EDM's deterministic Heun sampler over the Karras grid: `x_{tMax} = tMax z`, then Heun steps
  /// between consecutive grid levels down to `tMin` (2(N-1) denoiser evaluations).
  public func sample(noise z: Tensor, grid: KarrasGrid) -> Tensor {
    let batch = z.shape[0]
    let times = grid.times
    var x = z.scaled(by: Float(grid.tMax))
    for i in 0..<(times.count - 1) {
      x = heun(x, from: [Double](repeating: times[i], count: batch), to: [Double](repeating: times[i + 1], count: batch))
    }
    return x
  }
}
