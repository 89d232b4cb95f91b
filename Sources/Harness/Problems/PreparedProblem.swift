import Datasets
import Diffusion
import Foundation
import Metrics
import NeuralNet
import TensorCore

/// A problem ready to distil: its training set, teacher, reference samples and the network a
/// student starts from.
public struct PreparedProblem: Sendable {
  /// The problem as the suite declares it.
  public let specification: ProblemSpecification
  /// Training data `[n] + sampleShape` in model units.
  public let data: Tensor
  /// Held-out reference samples for the metrics.
  public let reference: Tensor
  /// SHA-256 identifying the training data (content hash of decoded pixels, or of the generated
  /// samples).
  public let dataHash: String
  /// `sigmaData`: 0.5 for images, the data's standard deviation otherwise (docs/math.md section 1).
  public let sigmaData: Double
  /// The teacher.
  public let teacher: any Denoiser
  /// "exact" or "network" (the cell record's teacher field).
  public let teacherKind: String
  /// What identifies the teacher in spec hashes ("exact" with its bandwidth, or the cache key).
  public let teacherIdentity: String
  /// The network a student starts from when initialised from the teacher (a network teacher, or
  /// a network fitted to the exact teacher); nil when students start at random.
  public let initialNetwork: NetworkDenoiser?

  /// The shape of one sample.
  public var sampleShape: [Int] { Array(data.shape.dropFirst()) }
}

/// Options of problem preparation.
public struct PreparationOptions: Sendable {
  /// Cache of downsampled datasets.
  public var datasetCache: String
  /// Cache of trained teachers and fitted networks.
  public var teacherCache: String
  /// Cache of Analytic-Precond statistics (one estimate per teacher and statistics settings).
  public var statisticsCache: String = ".precond-bench/statistics"
  /// Progress reports while a teacher trains: (what, step, total, loss).
  public var progress: @Sendable (String, Int, Int, Double) -> Void

  /// Options with the default cache locations under `.precond-bench/`.
  public init(datasetCache: String = ".precond-bench/cache", teacherCache: String = ".precond-bench/teachers",
              progress: @escaping @Sendable (String, Int, Int, Double) -> Void = { _, _, _, _ in }) {
    self.datasetCache = datasetCache
    self.teacherCache = teacherCache
    self.progress = progress
  }
}

/// A problem that cannot be prepared (missing or malformed dataset, diverged teacher).
public struct ProblemError: Error, CustomStringConvertible, Sendable {
  /// The problem.
  public let problem: String
  /// What went wrong and what to do.
  public let message: String
  /// Whether the input was missing or malformed (exit 65) rather than a failure (exit 3).
  public let isInputError: Bool
  /// "problem NAME: MESSAGE".
  public var description: String { "problem \(problem): \(message)" }
}

extension PreparedProblem {
  /// The fixed seed of synthetic training sets and reference draws (data are part of the
  /// problem, not of a run's seed).
  static let dataSeed: UInt64 = 0x5052_4543  // "PREC"

  /// Loads or generates the data, builds the teacher (training or loading a network teacher from
  /// the cache) and the student's initial network.
  public static func prepare(
    _ specification: ProblemSpecification, student: StudentSpecification, evaluation: EvaluationSpecification,
    options: PreparationOptions = PreparationOptions()
  ) throws -> PreparedProblem {
    let name = specification.name
    var data: Tensor
    var reference: Tensor
    var dataHash: String
    var sigmaData: Double
    var mixture: GaussianMixtureTeacher? = nil
    switch specification.data {
    case .ring, .grid, .mixture:
      let spec = mixtureSpecification(specification.data)
      do { try spec.validate() } catch { throw ProblemError(problem: name, message: "\(error)", isInputError: true) }
      let count = sampleCount(specification.data)
      data = spec.sample(count: count, from: RandomStream(seed: dataSeed, purpose: .datasetSynthesis, step: 0))
      reference = spec.sample(count: evaluation.referenceSamples, from: RandomStream(seed: dataSeed, purpose: .datasetSynthesis, step: 1))
      let teacher = GaussianMixtureTeacher(components: (0..<spec.componentCount).map {
        MixtureComponent(weight: spec.weights[$0], mean: spec.means[$0], variance: spec.variances[$0])
      })
      mixture = teacher
      sigmaData = teacher.standardDeviation
      var hasher = SHA256()
      hasher.update(string: canonicalJSON(specification.data))
      hasher.update(floats: data.scalars)
      dataHash = SHA256.hexString(hasher.finalize())
    case .images(let format, let path, let resolution, let classes, let limit):
      var dataset: ImageDataset
      do {
        dataset = try ImageDataset.load(path: path, format: datasetFormat(format))
        if let classes { dataset = try dataset.subset(classes: classes) }
        if let limit, limit < dataset.count { dataset = dataset.images(0..<limit) }
        if dataset.height != resolution || dataset.width != resolution {
          dataset = try DatasetCache(directory: options.datasetCache).downsampled(dataset, to: resolution)
        }
      } catch let error as DatasetError {
        throw ProblemError(problem: name, message: "\(error)\n\(format.missingAdvice)", isInputError: true)
      }
      let held = min(evaluation.referenceSamples, dataset.count / 2)
      let all = dataset.tensor()
      data = all.rows(0..<(dataset.count - held))
      reference = all.rows((dataset.count - held)..<dataset.count)
      sigmaData = 0.5
      dataHash = SHA256.hex(Array("\(dataset.contentHash)|\(dataset.shape)|train=\(dataset.count - held)".utf8))
    }
    let teacher: any Denoiser
    let teacherKind: String
    let teacherIdentity: String
    var initialNetwork: NetworkDenoiser? = nil
    let cache = TeacherCache(directory: options.teacherCache)
    let sampleShape = Array(data.shape.dropFirst())
    switch specification.teacher {
    case .exact(let bandwidth):
      teacher = mixture ?? EmpiricalTeacher(data: data, bandwidth: bandwidth)
      teacherKind = "exact"
      teacherIdentity = "exact(bandwidth=\(bandwidth))"
    case .network(let spec):
      let configuration = TeacherTrainingConfiguration(
        architecture: spec.network.architecture(sampleShape: sampleShape), sigmaData: sigmaData, steps: spec.steps,
        batchSize: spec.batchSize, optimizer: OptimizerConfiguration(learningRate: spec.learningRate, warmupSteps: min(200, spec.steps / 10)),
        emaRate: spec.emaRate, seed: UInt64(spec.seed))
      do {
        let trained = try cache.trainOrLoad(configuration: configuration, data: data, dataHash: dataHash) { step, loss in
          options.progress("teacher \(name)", step, spec.steps, loss)
        }
        teacher = trained.teacher
        initialNetwork = trained.teacher
        teacherIdentity = TeacherCache.key(configuration: configuration, dataHash: dataHash)
      } catch let error as TeacherTrainingError {
        throw ProblemError(problem: name, message: "\(error)", isInputError: false)
      }
      teacherKind = "network"
    }
    if student.initialization == .teacher && initialNetwork == nil {
      // An exact teacher has no network: fit one to the exact denoiser (cached like a teacher).
      let configuration = TeacherTrainingConfiguration(
        architecture: student.network.architecture(sampleShape: sampleShape), sigmaData: sigmaData, steps: student.fit.steps,
        batchSize: student.fit.batchSize, optimizer: OptimizerConfiguration(learningRate: student.fit.learningRate,
          warmupSteps: min(200, student.fit.steps / 10)),
        emaRate: 0.999, seed: 0, fitTarget: .exactDenoiser)
      do {
        initialNetwork = try cache.trainOrLoad(configuration: configuration, data: data, dataHash: dataHash + "|" + teacherIdentity,
          exactDenoiser: teacher) { step, loss in
          options.progress("fit \(name)", step, student.fit.steps, loss)
        }.teacher
      } catch let error as TeacherTrainingError {
        throw ProblemError(problem: name, message: "fitting the initial network: \(error)", isInputError: false)
      }
    }
    return PreparedProblem(specification: specification, data: data, reference: reference, dataHash: dataHash, sigmaData: sigmaData,
      teacher: teacher, teacherKind: teacherKind, teacherIdentity: teacherIdentity, initialNetwork: initialNetwork)
  }

  static func mixtureSpecification(_ data: DataSpecification) -> GaussianMixtureSpec {
    switch data {
    case .ring(let components, let radius, let variance, _):
      return .ring(components: components, radius: radius, variance: variance)
    case .grid(let side, let spacing, let variance, _):
      return .grid(side: side, spacing: spacing, variance: variance)
    case .mixture(let dimension, let components, let radius, let variance, let offset, let seed, _):
      return offset == 0
        ? .centered(dimension: dimension, components: components, radius: radius, variance: variance, seed: UInt64(seed))
        : .offset(dimension: dimension, components: components, radius: radius, variance: variance, offset: offset, seed: UInt64(seed))
    case .images:
      preconditionFailure("mixtureSpecification: image data")
    }
  }

  static func sampleCount(_ data: DataSpecification) -> Int {
    switch data {
    case .ring(_, _, _, let count), .grid(_, _, _, let count), .mixture(_, _, _, _, _, _, let count): return count
    case .images: return 0
    }
  }

  static func datasetFormat(_ source: ImageSource) -> DatasetFormat {
    switch source {
    case .fashionMNIST: return .idx
    case .cifar10: return .cifar10
    case .npy: return .npy
    }
  }
}

extension ImageSource {
  /// What to do when the data are missing.
  var missingAdvice: String {
    switch self {
    case .fashionMNIST:
      return "Install the Debian package: `sudo apt-get install dataset-fashion-mnist` (or run `Scripts/prepare-dataset fashion-mnist`); files land in /usr/share/datasets/fashion-mnist/."
    case .cifar10:
      return "Download the CIFAR-10 binary version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it so that data/cifar-10-batches-bin/data_batch_1.bin exists (or set \"path\" in the suite)."
    case .npy:
      return "Convert the dataset with `Scripts/prepare-dataset ffhq|imagenet64 ... --out data/NAME.npy` (see README.md, \"Datasets\") and set \"path\" in the suite."
    }
  }
}
