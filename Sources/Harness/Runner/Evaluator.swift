import Foundation
import Diffusion
import Distillation
import Metrics
import NeuralNet
import TensorCore

/// Measures a student's samples against a problem's reference (docs/math.md section 6), with noise
/// fixed per problem so that every cell of a suite is evaluated on the same draws (paired).
public final class Evaluator: @unchecked Sendable {
  /// The seed of evaluation noise, the same for every cell.
  public static let evaluationSeed: UInt64 = 0x4556_414C  // "EVAL"

  let problem: PreparedProblem
  let specification: EvaluationSpecification
  private var referenceMoments: [String: FeatureMoments] = [:]
  /// Teacher trajectories by (NFE, number of noises).
  private var teacherTrajectories: [[Int]: [Tensor]] = [:]
  private var sortedReference: (SlicedWasserstein, SlicedWasserstein.SortedReference)? = nil
  private let lock = NSLockLike()

  /// An evaluator for one problem.
  public init(problem: PreparedProblem, specification: EvaluationSpecification) {
    self.problem = problem
    self.specification = specification
  }

  /// The fixed evaluation noise for `nfe`.
  func noise(count: Int) -> Tensor {
    RandomStream(seed: Evaluator.evaluationSeed, purpose: .samplingNoise).normalTensor(shape: [count] + problem.sampleShape)
  }

  /// Every requested metric at every NFE for `parameters` of `student`, on the first `samples`
  /// of the fixed noises (default: all `specification.samples`). `fd-effnet` and `fd-inception`
  /// are measured only when `final` (the run's last evaluation) and their weights are prepared
  /// (`FeatureNetwork.defaultWeightsPath`); otherwise they are left out.
  public func evaluate(
    student: Student, parameters: ParameterSet, sampler: SamplerConfiguration, method: DistillationMethod, samples count: Int? = nil,
    final: Bool = false
  ) throws -> [MetricValue] {
    var values = [MetricValue]()
    let z = noise(count: count ?? specification.samples)
    for nfe in specification.nfe {
      let (samples, _) = student.sample(noise: z, nfe: nfe, sampler: sampler, parameters: parameters, seed: Evaluator.evaluationSeed)
      values += try distributionMetrics(of: samples, nfe: nfe, final: final)
      // Trajectory alignment needs a deterministic sampler whose states sit on the grid: CTM's
      // (gamma = 0) at every NFE; CD's one-step sampler.
      let deterministic = (method == .ctm && sampler.kind == .deterministic) || (method == .cd && nfe == 1)
      if specification.metrics.contains("alignment"), deterministic {
        let alignmentCount = min(specification.alignmentSamples, z.shape[0])
        let zSmall = z.rows(0..<alignmentCount)
        let (_, states) = student.sample(noise: zSmall, nfe: nfe, sampler: sampler, parameters: parameters, seed: Evaluator.evaluationSeed)
        let alignment = Diagnostics.trajectoryAlignment(states: states, teacherStates: trajectory(noise: zSmall, nfe: nfe))
        values.append(MetricValue(name: "alignment", nfe: nfe, value: alignment.mean))
        values.append(MetricValue(name: "alignment-final", nfe: nfe, value: alignment.final))
      }
    }
    return values
  }

  /// The requested metrics that compare a set of samples with the reference distribution
  /// (`sw2`, `fd-pixels`, `fd-randconv`; `fd-effnet` when `final` and its weights are prepared),
  /// recorded at `nfe`; non-finite samples score infinity.
  func distributionMetrics(of samples: Tensor, nfe: Int, final: Bool = false) throws -> [MetricValue] {
    var values = [MetricValue]()
    for metric in specification.metrics {
      switch metric {
      case "sw2":
        let flat = samples.reshaped([samples.shape[0], samples.count / samples.shape[0]])
        let (sw2, reference) = slicedWasserstein()
        let value = samples.isFinite ? sw2.distance(flat, reference) : .infinity
        values.append(MetricValue(name: "sw2", nfe: nfe, value: value))
      case "fd-pixels", "fd-randconv", "fd-effnet", "fd-inception":
        let extractor: FeatureExtractor =
          metric == "fd-pixels" ? .pixels : metric == "fd-randconv" ? .randconv : metric == "fd-effnet" ? .effnet : .inception
        // Pretrained networks: at the final evaluation only, and only with prepared weights; the
        // Inception distance is recorded as `fid` with pytorch-fid's standard weights.
        var name = metric
        if let network = extractor.network {
          guard final && Evaluator.weightsPrepared(network) else { continue }
          name = try PretrainedFeatures(network: network, weightsPath: network.defaultWeightsPath).metricName
        }
        guard samples.isFinite else {
          values.append(MetricValue(name: name, nfe: nfe, value: .infinity))
          continue
        }
        let reference = try moments(of: extractor)
        let generated = FeatureMoments(features: try extractor.features(of: samples))
        let distance = try FrechetDistance(between: generated, and: reference, names: ("samples", "reference"))
        values.append(MetricValue(name: name, nfe: nfe, value: distance.value))
      default:
        continue
      }
    }
    return values
  }

  /// The teacher's own distribution metrics on the evaluation protocol: EDM's Heun sampler on a
  /// Karras grid of `grid` levels (`2 (grid - 1)` NFE) from the same fixed noises (all
  /// `specification.samples`), recorded with that NFE.
  public func evaluateTeacher(grid: Int) throws -> [MetricValue] {
    precondition(grid >= 2, "evaluateTeacher: a Karras grid needs >= 2 levels, got \(grid)")
    let samples = ProbabilityFlow(problem.teacher).sample(noise: noise(count: specification.samples), grid: KarrasGrid(count: grid))
    return try distributionMetrics(of: samples, nfe: 2 * (grid - 1))
  }

  /// Whether `network`'s converted weights are where `fd-effnet` / `fd-inception` read them.
  public static func weightsPrepared(_ network: FeatureNetwork) -> Bool {
    FileManager.default.fileExists(atPath: network.defaultWeightsPath)
  }

  /// The SW2 directions and the reference sorted along them (once per problem).
  func slicedWasserstein() -> (SlicedWasserstein, SlicedWasserstein.SortedReference) {
    lock.lock()
    defer { lock.unlock() }
    if let cached = sortedReference { return cached }
    let reference = problem.reference.reshaped([problem.reference.shape[0], problem.reference.count / problem.reference.shape[0]])
    let sw2 = SlicedWasserstein(dimension: reference.shape[1])
    let value = (sw2, sw2.sortedReference(reference))
    sortedReference = value
    return value
  }

  func moments(of extractor: FeatureExtractor) throws -> FeatureMoments {
    lock.lock()
    defer { lock.unlock() }
    if let cached = referenceMoments[extractor.rawValue] { return cached }
    let moments = FeatureMoments(features: try extractor.features(of: problem.reference))
    referenceMoments[extractor.rawValue] = moments
    return moments
  }

  /// The teacher flow `Phi_{tMax -> t_i}` of the fixed noise on the grid of `nfe + 1` levels
  /// (computed once per problem, NFE and number of noises).
  func trajectory(noise z: Tensor, nfe: Int) -> [Tensor] {
    lock.lock()
    if let cached = teacherTrajectories[[nfe, z.shape[0]]] {
      lock.unlock()
      return cached
    }
    lock.unlock()
    let states = Diagnostics.teacherTrajectory(problem.teacher, noise: z, times: KarrasGrid(count: nfe + 1).times, substepsPerJump: 32)
    lock.lock()
    teacherTrajectories[[nfe, z.shape[0]]] = states
    lock.unlock()
    return states
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A minimal mutex (pthread) for caches shared by the runner's threads.
final class NSLockLike: @unchecked Sendable {
  private var mutex = pthread_mutex_t()
  init() { pthread_mutex_init(&mutex, nil) }
  deinit { pthread_mutex_destroy(&mutex) }
  func lock() { pthread_mutex_lock(&mutex) }
  func unlock() { pthread_mutex_unlock(&mutex) }
}
