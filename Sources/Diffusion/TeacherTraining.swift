import Autodiff
import NeuralNet
import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Everything that determines a network teacher (EDM training, docs/math.md section 2); with the
/// dataset's content hash it keys the teacher cache.
public struct TeacherTrainingConfiguration: Codable, Hashable, Sendable {
  /// The raw network.
  public var architecture: NetworkArchitecture
  /// `sigmaData` of the preconditioning.
  public var sigmaData: Double
  /// Training steps.
  public var steps: Int
  /// Minibatch size.
  public var batchSize: Int
  /// Optimiser.
  public var optimizer: OptimizerConfiguration
  /// EMA decay of the teacher's parameters.
  public var emaRate: Double
  /// Seed of initialisation, data order and noise.
  public var seed: UInt64
  /// Mean of `ln sigma` (EDM: -1.2).
  public var logNoiseMean: Double
  /// Standard deviation of `ln sigma` (EDM: 1.2).
  public var logNoiseStd: Double
  /// What the denoiser regresses onto: the clean data (EDM training, nil or `.data`) or an exact
  /// denoiser's output (fitting a network to an analytic teacher; lower variance).
  public var fitTarget: FitTarget?

  /// Creates a configuration with EDM's noise distribution by default.
  public init(architecture: NetworkArchitecture, sigmaData: Double, steps: Int, batchSize: Int,
              optimizer: OptimizerConfiguration = OptimizerConfiguration(learningRate: 1e-3, warmupSteps: 200),
              emaRate: Double = 0.999, seed: UInt64 = 0, logNoiseMean: Double = DenoisingLoss.logNoiseMean,
              logNoiseStd: Double = DenoisingLoss.logNoiseStandardDeviation,
              fitTarget: FitTarget? = nil) {
    self.architecture = architecture
    self.sigmaData = sigmaData
    self.steps = steps
    self.batchSize = batchSize
    self.optimizer = optimizer
    self.emaRate = emaRate
    self.seed = seed
    self.logNoiseMean = logNoiseMean
    self.logNoiseStd = logNoiseStd
    self.fitTarget = fitTarget
  }
}

/// The regression target of network-teacher training.
public enum FitTarget: String, Codable, Hashable, Sendable {
  /// `x0` (the EDM loss).
  case data
  /// `D_exact(x0 + sigma n, sigma)` of an exact teacher passed to the trainer.
  case exactDenoiser
}

/// Trains a network teacher with the EDM loss, deterministically: at step `n`, sample `b` of the
/// minibatch uses data index `RandomStream(seed, .dataOrder, n)`, noise level
/// `ln sigma = P_mean + P_std z` from `.denoisingNoiseLevel` and noise from `.denoisingNoise`, all
/// at sample index `b`. Loss: `mean_b lambda(sigma_b) mean_i (D(x0 + sigma n, sigma) - x0)_i^2` with
/// `lambda = (sigma^2 + sigmaData^2)/(sigma sigmaData)^2`.
public struct TeacherTrainer {
  /// The configuration.
  public let configuration: TeacherTrainingConfiguration
  /// The raw network.
  public let network: any Network
  /// Trained parameters.
  public private(set) var parameters: ParameterSet
  /// Their EMA (what the teacher uses).
  public private(set) var averaged: ParameterSet
  /// Optimiser state.
  public private(set) var optimizer: Optimizer
  /// Steps taken.
  public var step: Int { optimizer.step }
  let data: Tensor
  let exactDenoiser: (any Denoiser)?

  /// A fresh trainer on `data: [n] + sampleShape`; `exactDenoiser` is required when the
  /// configuration fits to it.
  public init(configuration: TeacherTrainingConfiguration, data: Tensor, exactDenoiser: (any Denoiser)? = nil) {
    precondition(configuration.fitTarget != .exactDenoiser || exactDenoiser != nil,
      "TeacherTrainer: fitting to an exact denoiser needs one")
    let (network, parameters) = configuration.architecture.build(timeInputs: 1, seed: configuration.seed)
    precondition(Array(data.shape.dropFirst()) == network.sampleShape,
      "TeacherTrainer: data \(data.shape) does not match the network's samples \(network.sampleShape)")
    self.configuration = configuration
    self.network = network
    self.parameters = parameters
    self.averaged = parameters
    self.optimizer = Optimizer(configuration.optimizer, for: parameters)
    self.data = data
    self.exactDenoiser = exactDenoiser
  }

  /// The teacher defined by the current EMA parameters.
  public var denoiser: NetworkDenoiser {
    NetworkDenoiser(network: network, parameters: averaged, preconditioning: EDMPreconditioning(sigmaData: configuration.sigmaData))
  }

  /// Takes one optimisation step and returns its loss (before the update).
  @discardableResult
  public mutating func trainStep() -> Double {
    let c = configuration
    let n = step
    let batch = c.batchSize
    let indexStream = RandomStream(seed: c.seed, purpose: .dataOrder, step: n)
    let indices = (0..<batch).map { indexStream.integer(below: data.shape[0], sample: $0) }
    let clean = data.gatherRows(indices)
    let levelStream = RandomStream(seed: c.seed, purpose: .denoisingNoiseLevel, step: n)
    let sigmas = (0..<batch).map {
      DenoisingLoss.logNormalLevel(standardNormal: levelStream.normal(sample: $0, count: 1)[0], mean: c.logNoiseMean,
        standardDeviation: c.logNoiseStd)
    }
    let noise = RandomStream(seed: c.seed, purpose: .denoisingNoise, step: n).normalTensor(shape: clean.shape)
    let noisy = clean + noise.scaledRows(by: sigmas)
    let p = EDMPreconditioning(sigmaData: c.sigmaData)

    let regressionTarget: Tensor
    switch c.fitTarget ?? .data {
    case .data: regressionTarget = clean
    case .exactDenoiser:
      guard let exactDenoiser else { preconditionFailure("TeacherTrainer: no exact denoiser") }
      regressionTarget = exactDenoiser.denoise(noisy, noiseLevels: sigmas)
    }
    // The tape holds the parameter tensors; it ends with this closure, before the update, so
    // that the update writes them in place instead of copying them first.
    let (loss, gradients) = { [parameters, network] () -> (Float, [Tensor]) in
      let tape = Tape()
      let bound = parameters.bind(on: tape)
      let denoised = p.denoise(Variable(noisy), noiseLevels: sigmas, network: network, parameters: bound)
      let loss = DenoisingLoss.value(denoised: denoised, target: Variable(regressionTarget), noiseLevels: sigmas, preconditioning: p)
      let gradients = tape.gradients(of: loss)
      return (loss.value.scalar, bound.variables.map { gradients[$0] })
    }()
    optimizer.update(&parameters, gradients: gradients)
    ExponentialMovingAverage.update(&averaged, towards: parameters, rate: c.emaRate)
    return Double(loss)
  }

  /// The trainer's state as a checkpoint (parameters, EMA, optimiser moments, step).
  public func checkpoint(metadata: [String: String] = [:]) -> Checkpoint {
    var checkpoint = Checkpoint(metadata: metadata)
    checkpoint.store(parameters, as: "parameters")
    checkpoint.store(averaged, as: "ema")
    checkpoint.store(optimizer)
    return checkpoint
  }

  /// Restores the state saved by `checkpoint()`; continuing gives the same bits as never stopping.
  public mutating func restore(from checkpoint: Checkpoint) throws {
    optimizer = try checkpoint.optimizer(configuration.optimizer, like: parameters)
    parameters = try checkpoint.parameters("parameters", like: parameters)
    averaged = try checkpoint.parameters("ema", like: parameters)
  }
}
