import TensorCore

/// The optimiser's algorithm.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
  /// Adam (Kingma and Ba 2015) with bias correction.
  case adam
  /// Rectified Adam (Liu et al. 2020): Adam whose adaptive step is switched on once the variance
  /// of the adaptive learning rate is tractable (`rho_t > 5`), rectified by `r_t`.
  case radam
}

/// Hyper-parameters of the optimiser.
public struct OptimizerConfiguration: Codable, Hashable, Sendable {
  /// Algorithm.
  public var kind: OptimizerKind
  /// Learning rate.
  public var learningRate: Double
  /// First-moment decay.
  public var beta1: Double
  /// Second-moment decay.
  public var beta2: Double
  /// Denominator offset.
  public var epsilon: Double
  /// Linear warm-up of the learning rate over this many steps (0: none).
  public var warmupSteps: Int

  /// Creates a configuration (defaults: Adam, lr 1e-3, betas 0.9 / 0.999, eps 1e-8, no warm-up).
  public init(kind: OptimizerKind = .adam, learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
              epsilon: Double = 1e-8, warmupSteps: Int = 0) {
    self.kind = kind
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.warmupSteps = warmupSteps
  }
}

/// Adam or RAdam with its state (moments and step count); updates in place, elementwise, in a
/// fixed order.
public struct Optimizer: Sendable, Equatable {
  /// The hyper-parameters.
  public let configuration: OptimizerConfiguration
  /// First moments `m`.
  public var firstMoments: ParameterSet
  /// Second moments `v`.
  public var secondMoments: ParameterSet
  /// Steps taken.
  public var step: Int

  /// A fresh optimiser for parameters shaped like `parameters`.
  public init(_ configuration: OptimizerConfiguration, for parameters: ParameterSet) {
    self.configuration = configuration
    firstMoments = parameters.zeros()
    secondMoments = parameters.zeros()
    step = 0
  }

  /// Restores an optimiser from saved state.
  public init(_ configuration: OptimizerConfiguration, firstMoments: ParameterSet, secondMoments: ParameterSet, step: Int) {
    self.configuration = configuration
    self.firstMoments = firstMoments
    self.secondMoments = secondMoments
    self.step = step
  }

  /// Applies one update: `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`, `mhat = m / (1-b1^t)`,
  /// `vhat = v / (1-b2^t)`; Adam: `p -= lr mhat / (sqrt(vhat) + eps)`; RAdam: with
  /// `rho_inf = 2/(1-b2) - 1`, `rho_t = rho_inf - 2 t b2^t / (1-b2^t)`, `p -= lr r_t mhat / (sqrt(vhat) + eps)`
  /// when `rho_t > 5`, else `p -= lr mhat`.
  public mutating func update(_ parameters: inout ParameterSet, gradients: [Tensor]) {
    precondition(gradients.count == parameters.tensors.count,
      "Optimizer.update: \(gradients.count) gradients for \(parameters.tensors.count) parameters")
    step += 1
    let c = configuration
    let t = Double(step)
    let warm = c.warmupSteps > 0 ? min(1, t / Double(c.warmupSteps)) : 1
    let lr = c.learningRate * warm
    let b1 = c.beta1, b2 = c.beta2
    let correction1 = 1 - integerPower(b1, t)
    let correction2 = 1 - integerPower(b2, t)
    var adaptive = true
    var rectification = 1.0
    switch c.kind {
    case .adam:
      break
    case .radam:
      let rhoInfinity = 2 / (1 - b2) - 1
      let rho = rhoInfinity - 2 * t * integerPower(b2, t) / correction2
      if rho > 5 {
        rectification = (((rho - 4) * (rho - 2) * rhoInfinity) / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)).squareRoot()
      } else {
        adaptive = false
      }
    }
    let stepSize = Float(lr * rectification / correction1)
    let plainStep = Float(lr / correction1)
    let inverseCorrection2 = Float(1 / correction2)
    let (b1f, b2f, eps) = (Float(b1), Float(b2), Float(c.epsilon))
    for i in 0..<parameters.tensors.count {
      precondition(gradients[i].shape == parameters.tensors[i].shape,
        "Optimizer.update: gradient \(gradients[i].shape) for parameter \(parameters.names[i]) \(parameters.tensors[i].shape)")
      gradients[i].scalars.withUnsafeBufferPointer { g in
        firstMoments.tensors[i].scalars.withUnsafeMutableBufferPointer { m in
          secondMoments.tensors[i].scalars.withUnsafeMutableBufferPointer { v in
            parameters.tensors[i].scalars.withUnsafeMutableBufferPointer { p in
              guard let g = g.baseAddress, let m = m.baseAddress, let v = v.baseAddress, let p = p.baseAddress else { return }
              // Elementwise, so the blocks (multiples of 8, over the pool) change no bit.
              let shared = UncheckedSendable((g, m, v, p))
              ComputeThreads.forEachBlock(count: gradients[i].count, blockSize: Optimizer.blockSize) { range in
                let (g, m, v, p) = shared.value
                let start = range.lowerBound
                Optimizer.adamKernel(count: range.count, g: g + start, m: m + start, v: v + start, p: p + start,
                  b1: b1f, b2: b2f, eps: eps, stepSize: stepSize, plainStep: plainStep,
                  inverseCorrection2: inverseCorrection2, adaptive: adaptive)
              }
            }
          }
        }
      }
    }
  }
}

extension Optimizer {
  /// Elements of one parameter tensor per pool task in `update` (a multiple of 8).
  static let blockSize = 1 << 15

  /// The elementwise update, eight lanes at a time. Every lane performs exactly the scalar
  /// sequence of correctly rounded operations (Swift never contracts them into FMAs), so the
  /// result is bit-identical to the scalar loop, which handles the tail.
  @inline(__always)
  static func adamKernel(
    count: Int, g: UnsafePointer<Float>?, m: UnsafeMutablePointer<Float>?, v: UnsafeMutablePointer<Float>?,
    p: UnsafeMutablePointer<Float>?, b1: Float, b2: Float, eps: Float, stepSize: Float, plainStep: Float,
    inverseCorrection2: Float, adaptive: Bool
  ) {
    guard count > 0, let g, let m, let v, let p else { return }
    typealias V = SIMD8<Float>
    let (vb1, vb2, one) = (V(repeating: b1), V(repeating: b2), V(repeating: 1))
    let (vStep, vPlain, vCorrection, vEps) = (V(repeating: stepSize), V(repeating: plainStep), V(repeating: inverseCorrection2), V(repeating: eps))
    var j = 0
    while j + 8 <= count {
      let gj = UnsafeRawPointer(g + j).loadUnaligned(as: V.self)
      let mj = vb1 * UnsafeRawPointer(m + j).loadUnaligned(as: V.self) + (one - vb1) * gj
      let vj = vb2 * UnsafeRawPointer(v + j).loadUnaligned(as: V.self) + (one - vb2) * gj * gj
      UnsafeMutableRawPointer(m + j).storeBytes(of: mj, as: V.self)
      UnsafeMutableRawPointer(v + j).storeBytes(of: vj, as: V.self)
      let pj = UnsafeRawPointer(p + j).loadUnaligned(as: V.self)
      let updated = adaptive ? pj - vStep * mj / ((vj * vCorrection).squareRoot() + vEps) : pj - vPlain * mj
      UnsafeMutableRawPointer(p + j).storeBytes(of: updated, as: V.self)
      j += 8
    }
    while j < count {
      let gj = g[j]
      m[j] = b1 * m[j] + (1 - b1) * gj
      v[j] = b2 * v[j] + (1 - b2) * gj * gj
      if adaptive {
        p[j] -= stepSize * m[j] / ((v[j] * inverseCorrection2).squareRoot() + eps)
      } else {
        p[j] -= plainStep * m[j]
      }
      j += 1
    }
  }
}

/// `x^y` in Double without Foundation.
@inline(__always)
func integerPower(_ x: Double, _ y: Double) -> Double {
  var result = 1.0
  var base = x
  var exponent = Int(y)
  precondition(Double(exponent) == y && exponent >= 0, "pow: integer exponents only")
  while exponent > 0 {
    if exponent & 1 == 1 { result *= base }
    base *= base
    exponent >>= 1
  }
  return result
}
