import Diffusion
import NeuralNet

/// The weight of the auxiliary denoising-score-matching loss of CTM (docs/math.md section 4).
public enum DenoisingLossWeighting: Hashable, Sendable {
  /// CTM's adaptive weight `|grad_last L_CTM| / (|grad_last L_DSM| + 1e-4)`, clamped to [0, 1e4].
  case adaptive
  /// A fixed weight.
  case fixed(Double)
  /// No auxiliary loss.
  case off

  /// CTM's adaptive DSM weight (Kim et al. 2024, official code `calculate_adaptive_weight`):
  /// `w = |grad_last L_CTM| / (|grad_last L_DSM| + 1e-4)` clamped to `[0, 1e4]`, and 0 when either
  /// norm is not finite, where `grad_last` is the gradient with respect to the network's last layer.
  public static func adaptiveWeight(consistencyGradientNorm: Double, denoisingGradientNorm: Double) -> Double {
    let weight = min(max(consistencyGradientNorm / (denoisingGradientNorm + 1e-4), 0), 1e4)
    return weight.isFinite ? weight : 0
  }
}

extension DenoisingLossWeighting: Codable {
  /// Encoded as `"adaptive"`, `"off"`, or the fixed weight as a number.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let weight = try? container.decode(Double.self) {
      guard weight.isFinite && weight >= 0 else {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "a fixed denoising-loss weight must be finite and >= 0, got \(weight)")
      }
      self = .fixed(weight)
      return
    }
    let name = try container.decode(String.self)
    switch name {
    case "adaptive": self = .adaptive
    case "off": self = .off
    default:
      throw DecodingError.dataCorruptedError(in: container,
        debugDescription: "unknown denoising-loss weighting '\(name)' (valid: \"adaptive\", \"off\", or a number)")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .adaptive: try container.encode("adaptive")
    case .off: try container.encode("off")
    case .fixed(let weight): try container.encode(weight)
    }
  }
}

/// Everything that determines a distillation run : one Codable value, stored with
/// every result.
public struct DistillationConfiguration: Codable, Hashable, Sendable {
  /// CD or CTM.
  public var method: DistillationMethod
  /// The preconditioning under test.
  public var preconditioning: Preconditioning
  /// Points `N` of the Karras grid the teacher solver walks (18 for CIFAR-10 in the papers).
  public var gridCount: Int
  /// Largest CTM jump `K` in grid steps (nil: `N - 1`).
  public var maxJump: Int?
  /// Training steps.
  public var steps: Int
  /// Minibatch size.
  public var batchSize: Int
  /// Optimiser.
  public var optimizer: OptimizerConfiguration
  /// EMA rate `muTarget` of the target network `theta-`.
  public var targetEMARate: Double
  /// EMA rate of the evaluation copy.
  public var evaluationEMARate: Double
  /// Auxiliary DSM loss weighting.
  public var denoisingLoss: DenoisingLossWeighting
  /// Seed of every draw of the run.
  public var seed: UInt64
  /// `sigmaData`.
  public var sigmaData: Double
  /// How the Analytic-Precond statistics are estimated.
  public var statistics: StatisticsConfiguration

  /// Creates a configuration; defaults follow CTM (muTarget 0.999, adaptive DSM, Adam lr 4e-4).
  public init(method: DistillationMethod, preconditioning: Preconditioning, gridCount: Int = 18, maxJump: Int? = nil,
              steps: Int, batchSize: Int, optimizer: OptimizerConfiguration = OptimizerConfiguration(learningRate: 4e-4),
              targetEMARate: Double = 0.999, evaluationEMARate: Double = 0.999, denoisingLoss: DenoisingLossWeighting = .adaptive,
              seed: UInt64, sigmaData: Double, statistics: StatisticsConfiguration = StatisticsConfiguration()) {
    self.method = method
    self.preconditioning = preconditioning
    self.gridCount = gridCount
    self.maxJump = maxJump
    self.steps = steps
    self.batchSize = batchSize
    self.optimizer = optimizer
    self.targetEMARate = targetEMARate
    self.evaluationEMARate = evaluationEMARate
    self.denoisingLoss = denoisingLoss
    self.seed = seed
    self.sigmaData = sigmaData
    self.statistics = statistics
  }

  /// `K`.
  public var effectiveMaxJump: Int { min(maxJump ?? (gridCount - 1), gridCount - 1) }

  /// Problems with the configuration, each naming its key (empty when valid).
  public var problems: [String] {
    var out = [String]()
    if !method.admits(preconditioning) {
      out.append("preconditioning 'edm' is for CD only: on trajectories EDM's coefficients extended to jumps are exactly 'ctm' (docs/math.md section 3); use 'ctm'")
    }
    if gridCount < 2 { out.append("gridCount must be >= 2, got \(gridCount)") }
    if let k = maxJump, k < 1 { out.append("maxJump must be >= 1, got \(k)") }
    if steps < 0 { out.append("steps must be >= 0, got \(steps)") }
    if batchSize < 1 { out.append("batchSize must be >= 1, got \(batchSize)") }
    if !(0..<1).contains(targetEMARate) { out.append("targetEMARate must be in [0, 1), got \(targetEMARate)") }
    if !(0..<1).contains(evaluationEMARate) { out.append("evaluationEMARate must be in [0, 1), got \(evaluationEMARate)") }
    if !(sigmaData > 0) { out.append("sigmaData must be > 0, got \(sigmaData)") }
    if !(optimizer.learningRate > 0) { out.append("optimizer.learningRate must be > 0, got \(optimizer.learningRate)") }
    return out
  }
}
