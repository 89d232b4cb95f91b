import Distillation
import NeuralNet

/// A benchmark suite (docs/harness.md, "Suites, cells and runs"): problems (dataset + teacher), the
/// methods and preconditionings under test, the student, training, evaluation protocol, quality
/// targets and the pre-registered seeds. Parsed strictly from `Benchmarks/Suites/NAME.json`
/// (`SuiteParser`); encoded canonically into every cell's spec hash.
public struct SuiteSpecification: Codable, Hashable, Sendable {
  /// The suite's name (its file stem).
  public var name: String
  /// What the suite measures and why.
  public var description: String
  /// The problems: a dataset and a teacher each.
  public var problems: [ProblemSpecification]
  /// Preconditionings per method, in report order.
  public var arms: [MethodArms]
  /// The preconditioning speed-ups are measured against (`ctm`).
  public var reference: Preconditioning
  /// The student network and its initialisation.
  public var student: StudentSpecification
  /// The distillation hyper-parameters shared by every cell.
  public var training: TrainingSpecification
  /// How Analytic-Precond statistics are estimated.
  public var statistics: StatisticsConfiguration
  /// When and how students are evaluated.
  public var evaluation: EvaluationSpecification
  /// Quality targets for time-to-target.
  public var targets: [TargetRule]
  /// Pre-registered seeds.
  public var seeds: [Int]
  /// Training steps between checkpoints (used by `--resume`).
  public var checkpointEvery: Int
}

/// The preconditionings run with one method.
public struct MethodArms: Codable, Hashable, Sendable {
  /// CD or CTM.
  public var method: DistillationMethod
  /// The preconditionings.
  public var preconditionings: [Preconditioning]

  /// Creates the arms of one method.
  public init(method: DistillationMethod, preconditionings: [Preconditioning]) {
    self.method = method
    self.preconditionings = preconditionings
  }
}

/// One dataset with one teacher.
public struct ProblemSpecification: Codable, Hashable, Sendable {
  /// A short name used in reports.
  public var name: String
  /// The data.
  public var data: DataSpecification
  /// The teacher.
  public var teacher: TeacherChoice
}

/// Where a problem's data come from.
public enum DataSpecification: Codable, Hashable, Sendable {
  /// `components` isotropic Gaussians evenly on a circle (2-D).
  case ring(components: Int, radius: Double, variance: Double, count: Int)
  /// A `side x side` grid of isotropic Gaussians (2-D).
  case grid(side: Int, spacing: Double, variance: Double, count: Int)
  /// A `dimension`-dimensional mixture: zero mean, or moved by `offset` along the diagonal.
  case mixture(dimension: Int, components: Int, radius: Double, variance: Double, offset: Double, mixtureSeed: Int, count: Int)
  /// Real images: `format` (fashion-mnist, cifar10, npy) at `path`, area-downsampled to
  /// `resolution`, optionally restricted to `classes` and the first `limit` images.
  case images(format: ImageSource, path: String, resolution: Int, classes: [Int]?, limit: Int?)

  /// Whether the data are images.
  public var isImages: Bool {
    if case .images = self { return true }
    return false
  }
}

/// The publisher formats the image problems read.
public enum ImageSource: String, Codable, Hashable, Sendable, CaseIterable {
  /// Fashion-MNIST IDX files (Debian package `dataset-fashion-mnist`).
  case fashionMNIST = "fashion-mnist"
  /// CIFAR-10 binary batches.
  case cifar10
  /// A `.npy` written by `Scripts/prepare-dataset` (FFHQ, ImageNet-64).
  case npy

  /// Where the data live by default.
  public var defaultPath: String {
    switch self {
    case .fashionMNIST: return "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
    case .cifar10: return "data/cifar-10-batches-bin"
    case .npy: return "data/images.npy"
    }
  }
}

/// The teacher of a problem.
public enum TeacherChoice: Codable, Hashable, Sendable {
  /// The exact denoiser: the Gaussian mixture of synthetic data, or the empirical denoiser of an
  /// image set (optionally smoothed by `bandwidth`).
  case exact(bandwidth: Double)
  /// An EDM-trained network teacher (trained once and cached).
  case network(NetworkTeacherSpecification)
}

/// How a network teacher is trained.
public struct NetworkTeacherSpecification: Codable, Hashable, Sendable {
  /// The raw network (data-dependent sizes are filled in from the data).
  public var network: NetworkChoice
  /// Training steps.
  public var steps: Int
  /// Minibatch size.
  public var batchSize: Int
  /// Adam learning rate.
  public var learningRate: Double
  /// EMA decay of the teacher's weights.
  public var emaRate: Double
  /// Seed of the teacher's training.
  public var seed: Int
}

/// A network shape, with the data-dependent sizes left to the data.
public enum NetworkChoice: Codable, Hashable, Sendable {
  /// An MLP with these hidden widths.
  case mlp(hiddenWidths: [Int], embeddingFeatures: Int, conditioningWidth: Int)
  /// The two-level U-Net with this base width.
  case unet(baseWidth: Int, embeddingFeatures: Int, conditioningWidth: Int, groups: Int)

  /// The architecture for samples of `sampleShape`.
  public func architecture(sampleShape: [Int]) -> NetworkArchitecture {
    switch self {
    case .mlp(let widths, let features, let conditioning):
      return .mlp(MLPConfiguration(dataDimension: sampleShape.reduce(1, *), hiddenWidths: widths,
        embeddingFeatures: features, conditioningWidth: conditioning))
    case .unet(let base, let features, let conditioning, let groups):
      return .unet(UNetConfiguration(channels: sampleShape[0], resolution: sampleShape[1], baseWidth: base,
        embeddingFeatures: features, conditioningWidth: conditioning, groups: groups))
    }
  }
}

/// The student's network and where its weights start.
public struct StudentSpecification: Codable, Hashable, Sendable {
  /// The raw network (same shape as a network teacher's, plus the `s` input).
  public var network: NetworkChoice
  /// Where the weights start.
  public var initialization: StudentInitialization
  /// For exact teachers with `initialization: teacher`: how the network that the student starts
  /// from is fitted to the exact denoiser (regression onto it with the EDM weight; cached).
  public var fit: FitSpecification
}

/// Where a student's weights start (docs/math.md section 2).
public enum StudentInitialization: String, Codable, Hashable, Sendable, CaseIterable {
  /// From the teacher network (or a network fitted to the exact teacher), with the `s` branch at
  /// zero, so the student starts as the teacher's denoiser.
  case teacher
  /// At random.
  case random
}

/// Training of the network a student starts from when the teacher is exact.
public struct FitSpecification: Codable, Hashable, Sendable {
  /// Steps.
  public var steps: Int
  /// Minibatch size.
  public var batchSize: Int
  /// Learning rate.
  public var learningRate: Double
}

/// The distillation settings shared by a suite's cells.
public struct TrainingSpecification: Codable, Hashable, Sendable {
  /// Training steps per run.
  public var steps: Int
  /// Minibatch size.
  public var batchSize: Int
  /// Karras grid points `N`.
  public var gridCount: Int
  /// Largest CTM jump `K` (nil: `N - 1`).
  public var maxJump: Int?
  /// Optimiser.
  public var optimizer: OptimizerConfiguration
  /// `muTarget`.
  public var targetEMARate: Double
  /// EMA rate of the evaluated weights.
  public var evaluationEMARate: Double
  /// DSM weighting.
  public var denoisingLoss: DenoisingLossWeighting
  /// A run diverges when its consistency loss exceeds this multiple of its initial loss (the mean
  /// of its first `DivergenceRule.initialSteps` steps), or an evaluated metric exceeds this multiple
  /// of its first evaluated value, or either is not finite (default 1000).
  public var divergenceFactor: Double
}

/// Extra evaluation steps, denser than `every` where the arms differ most (early training).
public enum EvaluationSchedule: Codable, Hashable, Sendable {
  /// `first, first r, first r^2, ...` rounded to whole steps (duplicates dropped): spacing of
  /// about `(r - 1)` of the step everywhere, so a step to a target is resolved to that fraction.
  case geometric(first: Int, ratio: Double)
  /// An explicit list of steps.
  case steps([Int])

  /// The schedule's steps in `1...total`, increasing.
  public func steps(upTo total: Int) -> [Int] {
    switch self {
    case .geometric(let first, let ratio):
      var out: [Int] = []
      var value = Double(first)
      while value.rounded() <= Double(total) {
        let step = Int(value.rounded())
        if out.last != step { out.append(step) }
        value *= ratio
      }
      return out
    case .steps(let list):
      return Array(Set(list.filter { $0 >= 1 && $0 <= total })).sorted()
    }
  }
}

/// The evaluation protocol.
public struct EvaluationSpecification: Codable, Hashable, Sendable {
  /// Training steps between evaluations (and at the end).
  public var every: Int
  /// Evaluations besides every `every` steps (nil: none).
  public var schedule: EvaluationSchedule?
  /// Samples of the evaluations before the last (the curves and the quality targets), the first
  /// `curveSamples` of the fixed evaluation noises; the last evaluation measures these and, under
  /// the metric's name with `-full` appended, all `samples` (nil: every evaluation uses `samples`).
  public var curveSamples: Int?

  /// Every step evaluated in a run of `total` steps: the schedule's, the multiples of `every`, and
  /// `total`, increasing.
  public func evaluationSteps(total: Int) -> [Int] {
    var steps = Set(stride(from: every, through: total, by: every))
    steps.insert(total)
    if let schedule { steps.formUnion(schedule.steps(upTo: total)) }
    return steps.sorted()
  }

  /// The suffix of the full-set metrics of the last evaluation.
  public static let fullSetSuffix = "-full"
  /// Numbers of function evaluations to sample with.
  public var nfe: [Int]
  /// Samples per metric.
  public var samples: Int
  /// Reference samples (held-out data, or exact samples of a synthetic problem).
  public var referenceSamples: Int
  /// Metrics: `sw2`, `fd-pixels`, `fd-randconv`, `alignment` (also records `alignment-final`),
  /// `fd-effnet`, `fd-inception` (final evaluation only, when their weights are prepared; the
  /// latter recorded as `fid` with pytorch-fid's standard weights).
  public var metrics: [String]
  /// Samples used by trajectory alignment (it needs a fine teacher solve).
  public var alignmentSamples: Int
  /// Side of the (t, s) grid of the consistency-gap table (0: none).
  public var gapGrid: Int
  /// Samples per gap cell.
  public var gapSamples: Int
  /// `gamma` of CTM's gamma-sampling for CTM students (0: deterministic).
  public var gamma: Double
}

