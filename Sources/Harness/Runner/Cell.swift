import Diffusion
import Distillation
import TensorCore

/// One (problem, method, preconditioning, seed) of a suite: everything that determines its
/// numbers, whose canonical JSON (with the dataset's content hash and the teacher's identity) is
/// the spec hash. Results with different spec hashes are never compared.
public struct CellSpecification: Codable, Hashable, Sendable {
  /// The problem.
  public var problem: ProblemSpecification
  /// The training data's content hash.
  public var dataHash: String
  /// The teacher's identity (exact with bandwidth, or its cache key).
  public var teacher: String
  /// CD or CTM.
  public var method: DistillationMethod
  /// The preconditioning.
  public var preconditioning: Preconditioning
  /// The run's seed.
  public var seed: Int
  /// Student network and initialisation.
  public var student: StudentSpecification
  /// Training settings.
  public var training: TrainingSpecification
  /// Statistics estimation.
  public var statistics: StatisticsConfiguration
  /// Evaluation protocol.
  public var evaluation: EvaluationSpecification
  /// The version of the harness's measurement procedure (bumped when a change alters numbers).
  public var protocolVersion: Int
  /// The version of the statistics estimator (`StatisticsEstimator.version`), for the analytic
  /// preconditionings only: a new estimator changes their numbers and no other cell's spec hash.
  public var statisticsEstimator: Int? = nil

  /// The current protocol version. 2: runs whose loss or metrics grow past the suite's
  /// divergence factor stop as diverged (version 1 let them finish).
  public static let currentProtocolVersion = 2

  /// The canonical JSON of the whole specification (`canonicalJSON`), as stored with the cell.
  public var canonicalText: String { canonicalJSON(self) }

  /// The spec hash (`SpecHash.of(canonicalText:)` of `canonicalText`).
  public var specHash: String { SpecHash.of(canonicalText: canonicalText) }

  /// The distillation configuration of the cell.
  public func configuration(sigmaData: Double) -> DistillationConfiguration {
    DistillationConfiguration(method: method, preconditioning: preconditioning, gridCount: training.gridCount, maxJump: training.maxJump,
      steps: training.steps, batchSize: training.batchSize, optimizer: training.optimizer, targetEMARate: training.targetEMARate,
      evaluationEMARate: training.evaluationEMARate, denoisingLoss: training.denoisingLoss, seed: UInt64(seed), sigmaData: sigmaData,
      statistics: statistics)
  }

  /// The sampler students of this cell are evaluated with.
  public var sampler: SamplerConfiguration {
    switch method {
    case .cd: return SamplerConfiguration(kind: .consistency)
    case .ctm: return evaluation.gamma == 0 ? SamplerConfiguration(kind: .deterministic) : SamplerConfiguration(kind: .gamma, gamma: evaluation.gamma)
    }
  }
}

/// A cell located in its suite.
public struct SuiteCell: Sendable {
  /// Position in the suite's canonical order: problem, then seed, then method and
  /// preconditioning, so that the arms of one seed run back to back (interleaved: every arm of
  /// seed 1, then every arm of seed 2, ...) and a change of machine load during a suite falls on
  /// every arm alike.
  public var index: Int
  /// The cell's block: the index of its (problem, seed) pair; a block holds every arm once.
  public var block: Int
  /// Number of blocks in the suite.
  public var blocks: Int
  /// The problem's name.
  public var problem: String
  /// Method.
  public var method: DistillationMethod
  /// Preconditioning.
  public var preconditioning: Preconditioning
  /// Seed.
  public var seed: Int

  /// "problem/method/preconditioning/seed".
  public var label: String { "\(problem)/\(method.rawValue)/\(preconditioning.rawValue)/seed\(seed)" }
}

extension SuiteSpecification {
  /// Every cell, in canonical (interleaved) order: problem, seed, method, preconditioning.
  public var cells: [SuiteCell] {
    var out = [SuiteCell]()
    let blocks = problems.count * seeds.count
    for (p, problem) in problems.enumerated() {
      for (k, seed) in seeds.enumerated() {
        for arm in arms {
          for preconditioning in arm.preconditionings {
            out.append(SuiteCell(index: out.count, block: p * seeds.count + k, blocks: blocks, problem: problem.name,
              method: arm.method, preconditioning: preconditioning, seed: seed))
          }
        }
      }
    }
    return out
  }

  /// The suite record the store keeps.
  public var record: SuiteRecord {
    let text = canonicalJSON(self)
    return SuiteRecord(name: name, specJSON: text, specHash: SpecHash.of(canonicalText: text),
      referencePreconditioning: reference.rawValue, rules: targets)
  }
}

/// Which shard of a suite a process runs: whole blocks (a problem and seed with every arm) whose
/// block index is `index` modulo `count`, so that each shard keeps the arms interleaved and runs
/// them on the same machine; a suite with fewer blocks than shards is split by cell index
/// modulo `count` instead.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
  /// This shard, `0..<count`.
  public let index: Int
  /// Number of shards.
  public let count: Int

  /// Parses "I/N" (1-based `I`, as `--shard 1/4`).
  public init?(parsing text: String) {
    let parts = text.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
    index = i - 1
    count = n
  }

  /// The whole suite.
  public static let all = Shard(index: 0, count: 1)

  init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  /// Whether this shard runs `cell`.
  public func contains(_ cell: SuiteCell) -> Bool {
    cell.blocks >= count ? cell.block % count == index : cell.index % count == index
  }

  /// "I/N".
  public var description: String { "\(index + 1)/\(count)" }
}
