import Diffusion
import Distillation
import Foundation
import NeuralNet
import TensorCore

/// An estimate of a suite's cost on this machine, from a few timed training steps of stand-ins
/// (random data and weights of the suite's shapes): no data are loaded and nothing is cached.
public struct CostEstimate: Sendable {
  /// Seconds of distillation over all cells (training plus evaluation overhead).
  public var distillationSeconds: Double
  /// Seconds of network-teacher training and initial-network fitting, if not already cached.
  public var teacherSeconds: Double
  /// Number of cells.
  public var cells: Int

  /// Total seconds.
  public var totalSeconds: Double { distillationSeconds + teacherSeconds }

  /// Measures `suite` (about a second per problem).
  public static func measure(_ suite: SuiteSpecification, imageCount: Int = 20_000) -> CostEstimate {
    var distillation = 0.0
    var teachers = 0.0
    for problem in suite.problems {
      let shape: [Int]
      let n: Int
      switch problem.data {
      case .ring(_, _, _, let count), .grid(_, _, _, let count): shape = [2]; n = count
      case .mixture(let d, _, _, _, _, _, let count): shape = [d]; n = count
      case .images(let format, _, let resolution, _, let limit):
        shape = [format == .cifar10 || format == .npy ? 3 : 1, resolution, resolution]
        n = limit ?? imageCount
      }
      let data = RandomStream(seed: 1, purpose: .testing).normalTensor(shape: [min(n, 20_000)] + shape)
      let teacher: any Denoiser
      switch problem.teacher {
      case .exact(let bandwidth):
        if problem.data.isImages {
          teacher = EmpiricalTeacher(data: data, bandwidth: bandwidth)
        } else {
          teacher = GaussianMixtureTeacher(components: [MixtureComponent(weight: 1, mean: [Double](repeating: 0, count: shape[0]), variance: 1)])
        }
      case .network(let spec):
        let architecture = spec.network.architecture(sampleShape: shape)
        let (network, parameters) = architecture.build(timeInputs: 1, seed: 0)
        teacher = NetworkDenoiser(network: network, parameters: parameters, preconditioning: EDMPreconditioning(sigmaData: 0.5))
        teachers += Double(spec.steps) * timeTeacherSteps(architecture: architecture, data: data, batch: spec.batchSize)
      }
      if case .exact = problem.teacher, suite.student.initialization == .teacher {
        let architecture = suite.student.network.architecture(sampleShape: shape)
        teachers += Double(suite.student.fit.steps) * timeTeacherSteps(architecture: architecture, data: data, batch: suite.student.fit.batchSize)
      }
      for arm in suite.arms {
        let perStep = timeDistillationSteps(suite: suite, method: arm.method, shape: shape, data: data, teacher: teacher)
        let evaluation = suite.evaluation
        let evaluations = Double(evaluation.evaluationSteps(total: suite.training.steps).count)
        let samplesEvaluated = (evaluations - 1) * Double(evaluation.curveSamples ?? evaluation.samples)
          + Double(evaluation.samples + (evaluation.curveSamples ?? 0))
        let evaluationSeconds = samplesEvaluated * Double(evaluation.nfe.reduce(0, +))
          / Double(suite.training.batchSize) * perStep * 0.3
        distillation += Double(arm.preconditionings.count * suite.seeds.count) * (Double(suite.training.steps) * perStep + evaluationSeconds)
      }
    }
    return CostEstimate(distillationSeconds: distillation, teacherSeconds: teachers, cells: suite.cells.count)
  }

  static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

  static func timeDistillationSteps(suite: SuiteSpecification, method: DistillationMethod, shape: [Int], data: Tensor, teacher: any Denoiser) -> Double {
    let (network, parameters) = suite.student.network.architecture(sampleShape: shape).build(timeInputs: 2, seed: 0)
    let configuration = DistillationConfiguration(method: method, preconditioning: .ctm, gridCount: suite.training.gridCount,
      maxJump: suite.training.maxJump, steps: 3, batchSize: suite.training.batchSize, denoisingLoss: suite.training.denoisingLoss,
      seed: 0, sigmaData: 0.5)
    var trainer = DistillationTrainer(configuration: configuration, teacher: teacher, data: data, network: network, initialParameters: parameters)
    _ = trainer.trainStep()
    let clock = ContinuousClock()
    let start = clock.now
    _ = trainer.trainStep()
    _ = trainer.trainStep()
    return seconds(clock.now - start) / 2
  }

  static func timeTeacherSteps(architecture: NetworkArchitecture, data: Tensor, batch: Int) -> Double {
    var trainer = TeacherTrainer(configuration: TeacherTrainingConfiguration(architecture: architecture, sigmaData: 0.5, steps: 3,
      batchSize: batch), data: data)
    trainer.trainStep()
    let clock = ContinuousClock()
    let start = clock.now
    trainer.trainStep()
    trainer.trainStep()
    return seconds(clock.now - start) / 2
  }
}
