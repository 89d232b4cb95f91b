import Autodiff
import Diffusion
import TensorCore

/// A (t, s) cell of the consistency-gap diagnostic.
public struct GapMeasurement: Sendable, Hashable, Codable {
  /// Start of the jump.
  public var t: Double
  /// End of the jump.
  public var s: Double
  /// `E |D*(x_t) - D_phi(x_t, t)|^2 / d`.
  public var gap: Double
  /// `E |f_init(x_t) - Phi_{t->s}(x_t)|^2 / d`.
  public var jumpError: Double
}

/// The diagnostics of docs/math.md section 6 that need only the teacher and a jumper.
public enum Diagnostics {
  /// The teacher flow `Phi_{t->s}` per row: a fine Heun solve with `substeps` steps uniform in
  /// `log t` (exact up to solver error; the analytic teachers' denoisers are exact).
  public static func teacherFlow(_ teacher: any Denoiser, _ x: Tensor, from t: [Double], to s: [Double], substeps: Int = 64) -> Tensor {
    ProbabilityFlow(teacher).solve(x, from: t, to: s, substeps: substeps)
  }

  /// The consistency gap of a preconditioning at `(t, s)` and the initial jump error of the jumper
  /// whose network reproduces the teacher, over `x_t = x0 + t eps`:
  /// `F* = (Phi_{t->s}(x_t) - A x_t) / B`, `D* = cSkip x_t + cOut F*`,
  /// `gap = E |D* - D_phi(x_t, t)|^2 / d`; `f_init = A x_t + B (D_phi - cSkip x_t)/cOut`,
  /// `jumpError = E |f_init - Phi|^2 / d`. Requires `s < t`.
  public static func consistencyGap(
    jumper: Jumper, teacher: any Denoiser, clean x0: Tensor, t: Double, s: Double, seed: UInt64, substeps: Int = 64
  ) -> GapMeasurement {
    precondition(s < t, "consistencyGap: needs s < t, got t \(t), s \(s)")
    let batch = x0.shape[0]
    let noise = RandomStream(seed: seed, purpose: .evaluation, step: 0).normalTensor(shape: x0.shape)
    let xt = x0 + noise.scaled(by: Float(t))
    let ts = [Double](repeating: t, count: batch)
    let flowed = teacherFlow(teacher, xt, from: ts, to: [Double](repeating: s, count: batch), substeps: substeps)
    let denoised = teacher.denoise(xt, noiseLevels: ts)
    let c = jumper.coefficients(t: t, s: s)
    let edm = jumper.edm
    let (cSkip, cOut) = (edm.cSkip(t), edm.cOut(t))
    let d = Double(x0.count / batch)
    // Work in Double: B may be tiny or huge.
    var gap = 0.0, jumpError = 0.0
    let teacherRaw = (denoised - xt.scaled(by: Float(cSkip))).scaled(by: Float(1 / cOut))
    let initial = Jumper.combine(Variable(xt), raw: Variable(teacherRaw), coefficients: .init(repeating: c, count: batch)).value
    for i in 0..<xt.count {
      let x = Double(xt.scalars[i]), phi = Double(flowed.scalars[i])
      let optimalRaw = (phi - c.a * x) / c.b
      let optimalDenoised = cSkip * x + cOut * optimalRaw
      let e = optimalDenoised - Double(denoised.scalars[i])
      gap += e * e
      let j = Double(initial.scalars[i]) - phi
      jumpError += j * j
    }
    return GapMeasurement(t: t, s: s, gap: gap / (Double(batch) * d), jumpError: jumpError / (Double(batch) * d))
  }

  /// The teacher's trajectory from the noise `z`: `Phi_{tMax -> t_i}(z tMax)` at every
  /// `times[i]` after the first (`times[0]` is `tMax`), each jump a Heun solve with
  /// `substepsPerJump` substeps from the previous state.
  public static func teacherTrajectory(
    _ teacher: any Denoiser, noise z: Tensor, times: [Double], substepsPerJump: Int = 32
  ) -> [Tensor] {
    let batch = z.shape[0]
    var x = z.scaled(by: Float(times[0]))
    var states = [Tensor]()
    for i in 0..<(times.count - 1) {
      x = teacherFlow(teacher, x, from: .init(repeating: times[i], count: batch), to: .init(repeating: times[i + 1], count: batch),
        substeps: substepsPerJump)
      states.append(x)
    }
    return states
  }

  /// Trajectory alignment (docs/math.md section 6) of a student's multistep states against the
  /// teacher's states on the same grid: the mean over states of `|x_student - x_teacher|^2 / d`
  /// (per sample, `d` its dimension), and the final term. A non-finite student state counts as
  /// infinitely far.
  public static func trajectoryAlignment(states: [Tensor], teacherStates: [Tensor]) -> (mean: Double, final: Double) {
    precondition(!states.isEmpty && states.count == teacherStates.count,
      "trajectoryAlignment: \(states.count) student states for \(teacherStates.count) teacher states")
    var total = 0.0, last = 0.0
    for (state, reference) in zip(states, teacherStates) {
      let error = state.isFinite ? (state - reference).sumOfSquares() / Double(state.count) : .infinity
      total += error
      last = error
    }
    return (total / Double(states.count), last)
  }
}
