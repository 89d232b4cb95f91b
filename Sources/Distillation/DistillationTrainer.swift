import Autodiff
import Diffusion
import NeuralNet
import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one training step produced.
public struct StepReport: Sendable {
  /// The consistency (CD or CTM) loss, measured at tMin.
  public var consistencyLoss: Double
  /// The auxiliary DSM loss (nil when off).
  public var denoisingLoss: Double?
  /// The weight the DSM gradient was given.
  public var denoisingWeight: Double
  /// Whether losses and updated parameters are finite.
  public var isFinite: Bool
}

/// The random inputs of one training step (see `DistillationTrainer.randomInputs(step:)`).
public struct StepInputs: Sendable {
  /// The clean minibatch `x0`, `[batch, ...]`.
  public var clean: Tensor
  /// The noise `eps` of `x_t = x0 + t eps`, shaped like `clean`.
  public var noise: Tensor
  /// The times and jump length.
  public var draw: ConsistencyObjective.Draw
  /// The DSM noise levels, one per sample (drawn whether or not the DSM loss is on).
  public var denoisingLevels: [Double]
  /// The DSM noise before scaling by the levels, shaped like `clean`.
  public var denoisingNoise: Tensor
}

/// Trains a CD or CTM student against a teacher (docs/math.md section 4), deterministically:
/// every draw comes from `RandomStream(seed, purpose, step)` at the sample's index in the minibatch.
///
/// CTM, per minibatch: `k` in `1..K` with `P(k) ∝ k` (`.jumpLength`); per sample `n ~ U{0..N-1-k}`
/// (`.timeIndex`), `j ~ U{n+k..N-1}` (`.jumpTarget`); `t = t_n`, `u = t_{n+k}`, `s = t_j`;
/// estimate `f_theta-(f_theta(x_t, t, s), s, tMin)` (gradient through the inner jump), target
/// `f_theta-(f_sg(theta)(Heun^k(x_t, t -> u), u, s), s, tMin)`. CD: `n ~ U{0..N-2}`, estimate
/// `f_theta(x_t, t_n, tMin)`, target `f_theta-(Heun(x_t, t_n -> t_{n+1}), t_{n+1}, tMin)`.
/// Distances are mean squared errors (LPIPS needs ImageNet weights). Auxiliary DSM on
/// `D_theta(x_sigma, sigma, sigma)` with the EDM weight; even-indexed samples draw `ln sigma ~
/// N(-1.2, 1.2^2)`, odd-indexed ones a level from the upper half of the Karras curve.
public struct DistillationTrainer {
  /// The configuration.
  public let configuration: DistillationConfiguration
  /// The student (network and preconditioning).
  public let student: Student
  /// The teacher.
  public let teacher: any Denoiser
  /// The Karras grid `t_0 > ... > t_{N-1}`.
  public let grid: [Double]
  /// The student's parameters `theta`.
  public private(set) var parameters: ParameterSet
  /// The target network `theta-`.
  public private(set) var target: ParameterSet
  /// The evaluation EMA.
  public private(set) var evaluation: ParameterSet
  /// Optimiser state.
  public private(set) var optimizer: Optimizer
  let data: Tensor
  let lastLayer: Int

  /// Steps taken.
  public var step: Int { optimizer.step }

  /// A trainer starting from `initialParameters` (a student network with two noise inputs);
  /// `statistics` are required by the analytic preconditionings.
  public init(
    configuration: DistillationConfiguration, teacher: any Denoiser, data: Tensor, network: any Network,
    initialParameters: ParameterSet, statistics: AnalyticStatistics? = nil
  ) {
    let problems = configuration.problems
    precondition(problems.isEmpty, "DistillationTrainer: invalid configuration: \(problems.joined(separator: "; "))")
    precondition(Array(data.shape.dropFirst()) == network.sampleShape && teacher.sampleShape == network.sampleShape,
      "DistillationTrainer: data \(data.shape), teacher \(teacher.sampleShape) and student \(network.sampleShape) disagree")
    self.configuration = configuration
    self.teacher = teacher
    self.data = data
    self.grid = KarrasGrid(count: configuration.gridCount).times
    let jumper = Jumper(preconditioning: configuration.preconditioning, sigmaData: configuration.sigmaData,
      statistics: statistics, precomputedTimes: grid)
    self.student = Student(network: network, jumper: jumper)
    self.parameters = initialParameters
    self.target = initialParameters
    self.evaluation = initialParameters
    self.optimizer = Optimizer(configuration.optimizer, for: initialParameters)
    let names = initialParameters.names
    self.lastLayer = names.firstIndex(of: "mlp.out.weight") ?? names.firstIndex(of: "unet.conv_out.weight")
      ?? (names.lastIndex { $0.hasSuffix(".weight") } ?? names.count - 1)
  }

  /// Takes one optimisation step.
  public mutating func trainStep() -> StepReport {
    let c = configuration
    let n = step
    let batch = c.batchSize
    let seed = c.seed
    let (clean, noise) = minibatch(step: n)
    let flow = ProbabilityFlow(teacher)
    let tMin = student.jumper.tMin
    // Everything that holds the parameter tensors (the tape, the bound and constant copies)
    // lives in this closure and ends before the update, so that the optimiser and the EMAs
    // write the parameters in place instead of copying them first.
    let (gradients, consistencyLoss, denoisingValue, weight) = { () -> ([Tensor], Float, Double?, Double) in
      let targetParameters = target.constants()
      let currentConstants = parameters.constants()

      let tape = Tape()
      let bound = parameters.bind(on: tape)
      let student = self.student
      let pair = ConsistencyObjective.pair(
        method: c.method, clean: clean, noise: noise, grid: grid, tMin: tMin, maxJump: c.effectiveMaxJump, seed: seed, step: n,
        flow: flow
      ) { x, t, s, role in
        switch role {
        case .online: return student.jump(x, from: t, to: s, parameters: bound)
        case .onlineStopped: return student.jump(x, from: t, to: s, parameters: currentConstants)
        case .target: return student.jump(x, from: t, to: s, parameters: targetParameters)
        }
      }
      let consistency = meanSquaredError(pair.estimate, pair.target.detached)

      var gradients = tape.gradients(of: consistency).values(for: bound)
      var denoisingValue: Double? = nil
      var weight = 0.0
      switch c.denoisingLoss {
      case .off:
        break
      case .adaptive, .fixed:
        let levels = denoisingLevels(step: n, batch: batch)
        let noisy = clean + denoisingNoise(step: n, shape: clean.shape).scaledRows(by: levels)
        let denoised = student.denoise(Variable(noisy), t: levels, s: levels, parameters: bound)
        let dsm = DenoisingLoss.value(denoised: denoised, target: Variable(clean), noiseLevels: levels,
          preconditioning: student.jumper.edm)
        denoisingValue = Double(dsm.value.scalar)
        let dsmGradients = tape.gradients(of: dsm).values(for: bound)
        switch c.denoisingLoss {
        case .adaptive:
          weight = DenoisingLossWeighting.adaptiveWeight(
            consistencyGradientNorm: gradients[lastLayer].sumOfSquares().squareRoot(),
            denoisingGradientNorm: dsmGradients[lastLayer].sumOfSquares().squareRoot())
        case .fixed(let w):
          weight = w
        case .off:
          break
        }
        for i in 0..<gradients.count { gradients[i].addScaled(dsmGradients[i], by: Float(weight)) }
      }
      return (gradients, consistency.value.scalar, denoisingValue, weight)
    }()
    let loss = Double(consistencyLoss)
    let lossesFinite = loss.isFinite && (denoisingValue?.isFinite ?? true)
    optimizer.update(&parameters, gradients: gradients)
    ExponentialMovingAverage.update(&target, towards: parameters, rate: c.targetEMARate)
    ExponentialMovingAverage.update(&evaluation, towards: parameters, rate: c.evaluationEMARate)
    return StepReport(consistencyLoss: loss, denoisingLoss: denoisingValue, denoisingWeight: weight,
      isFinite: lossesFinite && parameters.isFinite)
  }

  /// The clean minibatch of step `n` (rows of the data drawn by `.dataOrder`) and its noise
  /// `eps` (`.trainingNoise`), so that `x_t = x0 + t eps`.
  func minibatch(step n: Int) -> (clean: Tensor, noise: Tensor) {
    let indexStream = RandomStream(seed: configuration.seed, purpose: .dataOrder, step: n)
    let clean = data.gatherRows((0..<configuration.batchSize).map { indexStream.integer(below: data.shape[0], sample: $0) })
    return (clean, RandomStream(seed: configuration.seed, purpose: .trainingNoise, step: n).normalTensor(shape: clean.shape))
  }

  /// The DSM noise of step `n` (`.denoisingNoise`), before scaling by the levels.
  func denoisingNoise(step n: Int, shape: [Int]) -> Tensor {
    RandomStream(seed: configuration.seed, purpose: .denoisingNoise, step: n).normalTensor(shape: shape)
  }

  /// Every random input of step `n`, exactly as `trainStep` draws it (the same functions), for
  /// tests that recompute a step independently (the golden run of
  /// Tests/DistillationTests/GoldenRunTests.swift): the minibatch, its noise, the time draw, the
  /// DSM levels and the DSM noise. Drawing them changes no state.
  public func randomInputs(step n: Int) -> StepInputs {
    let (clean, noise) = minibatch(step: n)
    let draw = ConsistencyObjective.draw(method: configuration.method, batch: configuration.batchSize, grid: grid,
      tMin: student.jumper.tMin, maxJump: configuration.effectiveMaxJump, seed: configuration.seed, step: n)
    return StepInputs(clean: clean, noise: noise, draw: draw,
      denoisingLevels: denoisingLevels(step: n, batch: configuration.batchSize),
      denoisingNoise: denoisingNoise(step: n, shape: clean.shape))
  }

  /// The DSM noise levels of a step: even samples `ln sigma ~ N(P_mean, P_std^2)` (EDM's
  /// `DenoisingLoss.logNoiseMean`, `.logNoiseStandardDeviation`), odd samples
  /// `sigma = (tMax^(1/7) + xi (tMin^(1/7) - tMax^(1/7)))^7` with `xi ~ U[0, 1/2]` (the upper half of
  /// the Karras curve, `KarrasGrid.level(atFraction:)`).
  func denoisingLevels(step n: Int, batch: Int) -> [Double] {
    let stream = RandomStream(seed: configuration.seed, purpose: .denoisingNoiseLevel, step: n)
    let curve = KarrasGrid(count: 2)
    return (0..<batch).map { i in
      if i % 2 == 0 {
        return DenoisingLoss.logNormalLevel(standardNormal: stream.normal(sample: i, count: 1)[0])
      }
      return curve.level(atFraction: 0.5 * stream.uniform(sample: i, count: 1)[0])
    }
  }

  /// The trainer's state as a checkpoint; `restore(from:)` continues bit for bit.
  public func checkpoint(metadata: [String: String] = [:]) -> Checkpoint {
    var checkpoint = Checkpoint(metadata: metadata.merging(["configuration": canonicalJSON(configuration)]) { $1 })
    checkpoint.store(parameters, as: "parameters")
    checkpoint.store(target, as: "target")
    checkpoint.store(evaluation, as: "evaluation")
    checkpoint.store(optimizer)
    return checkpoint
  }

  /// Restores the state saved by `checkpoint()`.
  public mutating func restore(from checkpoint: Checkpoint) throws {
    guard checkpoint.metadata["configuration"] == canonicalJSON(configuration) else {
      throw CheckpointError(path: nil, reason: "the checkpoint was written by a different configuration")
    }
    optimizer = try checkpoint.optimizer(configuration.optimizer, like: parameters)
    parameters = try checkpoint.parameters("parameters", like: parameters)
    target = try checkpoint.parameters("target", like: parameters)
    evaluation = try checkpoint.parameters("evaluation", like: parameters)
  }
}

extension Gradients {
  /// The gradients of every bound parameter, in order.
  func values(for bound: BoundParameters) -> [Tensor] { bound.variables.map { self[$0] } }
}
