import Autodiff
import Diffusion
import NeuralNet
import TensorCore

/// A student: a raw network `F(x, cNoise(t), cNoise(s))` with a jumper. Its trajectory jump is
/// `f_theta(x_t, t, s) = A(t, s) x_t + B(t, s) F(cIn(t) x_t, cNoise(t), cNoise(s))` and its denoiser
/// `D_theta(x_t, t, s) = cSkip(t) x_t + cOut(t) F(...)` (docs/math.md sections 2–3).
public struct Student: Sendable {
  /// The raw network (two noise inputs).
  public let network: any Network
  /// The preconditioning.
  public let jumper: Jumper

  /// A student of `network` preconditioned by `jumper`.
  public init(network: any Network, jumper: Jumper) {
    precondition(network.timeInputs == 2, "Student: the raw network must take two noise inputs (t, s), has \(network.timeInputs)")
    self.network = network
    self.jumper = jumper
  }

  /// `F(cIn(t) x, cNoise(t), cNoise(s))`.
  public func rawOutput(_ x: Variable, t: [Double], s: [Double], parameters: BoundParameters) -> Variable {
    jumper.edm.rawOutput(of: network, x, noiseLevels: t, extraNoiseInputs: [EDMPreconditioning.noiseInput(s)], parameters: parameters)
  }

  /// The jump `f_theta(x_t, t, s)` per row.
  public func jump(_ x: Variable, from t: [Double], to s: [Double], parameters: BoundParameters) -> Variable {
    let coefficients = zip(t, s).map { jumper.coefficients(t: $0, s: $1) }
    return Jumper.combine(x, raw: rawOutput(x, t: t, s: s, parameters: parameters), coefficients: coefficients)
  }

  /// The student's denoiser `D_theta(x_t, t, s)` (its DSM auxiliary loss uses `s = t`).
  public func denoise(_ x: Variable, t: [Double], s: [Double], parameters: BoundParameters) -> Variable {
    jumper.edm.denoised(x, raw: rawOutput(x, t: t, s: s, parameters: parameters), noiseLevels: t)
  }
}
