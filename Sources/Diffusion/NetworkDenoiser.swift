import Autodiff
import NeuralNet
import TensorCore

/// A network teacher: an EDM-preconditioned raw network (docs/math.md section 2),
/// `D(x, t) = cSkip(t) x + cOut(t) F(cIn(t) x, cNoise(t))`.
public struct NetworkDenoiser: Denoiser {
  /// The raw network `F` (one noise input).
  public let network: any Network
  /// Its parameters (usually the EMA of training).
  public let parameters: ParameterSet
  /// The preconditioning.
  public let preconditioning: EDMPreconditioning

  /// Wraps a trained network.
  public init(network: any Network, parameters: ParameterSet, preconditioning: EDMPreconditioning) {
    precondition(network.timeInputs == 1, "NetworkDenoiser: the raw network must take one noise input, has \(network.timeInputs)")
    self.network = network
    self.parameters = parameters
    self.preconditioning = preconditioning
  }

  /// The shape of one sample.
  public var sampleShape: [Int] { network.sampleShape }

  /// `D(x, t)` on a variable, so that vector-Jacobian products with respect to `x` are available
  /// (the Hutchinson trace estimates of Analytic-Precond). Parameters enter as constants.
  public func denoise(_ x: Variable, noiseLevels t: [Double]) -> Variable {
    preconditioning.denoise(x, noiseLevels: t, network: network, parameters: parameters.constants())
  }

  /// `D(x_b, t_b)` for every row.
  public func denoise(_ x: Tensor, noiseLevels: [Double]) -> Tensor {
    checkBatch(x, noiseLevels, sampleShape: sampleShape, "NetworkDenoiser")
    return denoise(Variable(x), noiseLevels: noiseLevels).value
  }
}
