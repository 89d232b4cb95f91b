import Diffusion
import Distillation
import Foundation
import NeuralNet
import TensorCore

/// A completed run's student, kept after the run (docs/harness.md, "Students and samples"): the
/// evaluation (EMA) parameters, the ones every recorded metric was measured on, in a checkpoint
/// file `DIRECTORY/SUITE-SPECHASH20-seedS.ckpt` whose metadata holds everything needed to rebuild
/// the student without the teacher or the data: the cell's specification, the sample shape,
/// `sigmaData` and, for the analytic preconditionings, the teacher statistics.
public enum StudentFile {
  /// The default directory (`precond-bench run --students` and `samples --students`).
  public static let defaultDirectory = ".precond-bench/students"

  /// The metadata `kind` of a student file.
  static let kind = "student"

  /// The file of a cell's student in `directory`.
  public static func path(directory: String, suite: String, specHash: String, seed: Int) -> String {
    (directory.hasSuffix("/") ? directory : directory + "/") + "\(suite)-\(specHash.prefix(20))-seed\(seed).ckpt"
  }

  /// The metadata of a student file for `specification` (everything but the parameters).
  static func metadata(specHash: String, specification: CellSpecification, sampleShape: [Int], sigmaData: Double,
                       statistics: AnalyticStatistics?) -> [String: String] {
    var metadata = [
      "kind": kind, "specHash": specHash, "cell": specification.canonicalText,
      "sampleShape": canonicalJSON(sampleShape), "sigmaData": "\(sigmaData)",
    ]
    if let statistics { metadata["statistics"] = canonicalJSON(statistics) }
    return metadata
  }

  /// Writes the evaluation parameters with `metadata` (from `metadata(...)`) atomically.
  static func write(_ parameters: ParameterSet, step: Int, metadata: [String: String], to path: String) throws {
    var checkpoint = Checkpoint(metadata: metadata.merging(["step": "\(step)"]) { $1 })
    checkpoint.store(parameters, as: "evaluation")
    try checkpoint.write(to: path)
  }
}

/// A student read back from its file: what `precond-bench samples` draws from.
public struct KeptStudent: Sendable {
  /// The cell's specification (its canonical text is the spec hash's input).
  public let specification: CellSpecification
  /// The spec hash the file was written for.
  public let specHash: String
  /// The shape of one sample (`[C, H, W]` for images, `[D]` for vectors).
  public let sampleShape: [Int]
  /// The student network with its preconditioning.
  public let student: Student
  /// The evaluation (EMA) parameters.
  public let parameters: ParameterSet
  /// The training step the parameters are from.
  public let step: Int

  /// Reads and verifies the student file at `path`.
  public init(contentsOf path: String) throws {
    let checkpoint = try Checkpoint.read(from: path)
    func fail(_ reason: String) -> CheckpointError { CheckpointError(path: path, reason: reason) }
    let metadata = checkpoint.metadata
    guard metadata["kind"] == StudentFile.kind, let specHash = metadata["specHash"], let cellText = metadata["cell"],
          let shapeText = metadata["sampleShape"], let sigmaText = metadata["sigmaData"], let sigmaData = Double(sigmaText),
          let stepText = metadata["step"], let step = Int(stepText) else {
      throw fail("not a student file (metadata kind, specHash, cell, sampleShape, sigmaData or step missing)")
    }
    let decoder = AtomicFile.decoder()
    do {
      specification = try decoder.decode(CellSpecification.self, from: Data(cellText.utf8))
      sampleShape = try decoder.decode([Int].self, from: Data(shapeText.utf8))
    } catch {
      throw fail("unreadable cell specification or sample shape (\(error))")
    }
    guard specification.specHash == specHash else {
      throw fail("the stored cell specification does not hash to the stored spec hash \(specHash)")
    }
    guard !sampleShape.isEmpty, sampleShape.allSatisfy({ $0 > 0 }) else { throw fail("invalid sample shape \(sampleShape)") }
    var statistics: AnalyticStatistics? = nil
    if let text = metadata["statistics"] {
      do {
        statistics = try decoder.decode(AnalyticStatistics.self, from: Data(text.utf8))
      } catch {
        throw fail("unreadable teacher statistics (\(error))")
      }
    }
    if specification.preconditioning.needsStatistics && statistics == nil {
      throw fail("\(specification.preconditioning.rawValue) needs the teacher statistics, which the file lacks")
    }
    let architecture = specification.student.network.architecture(sampleShape: sampleShape)
    let (network, template) = architecture.build(timeInputs: 2, seed: UInt64(specification.seed), zeroExtraTimeInputs: true)
    do {
      parameters = try checkpoint.parameters("evaluation", like: template)
    } catch let error as CheckpointError {
      throw fail(error.reason)
    }
    let jumper = Jumper(preconditioning: specification.preconditioning, sigmaData: sigmaData, statistics: statistics)
    student = Student(network: network, jumper: jumper)
    self.specHash = specHash
    self.step = step
  }

  /// The sampler the harness evaluates this cell with (`CellSpecification.sampler`).
  public var sampler: SamplerConfiguration { specification.sampler }

  /// The number of samples generated at once by `samples`: fixed, so that the samples do not
  /// depend on anything but the student, the NFE, the seed and the sample index.
  public static let batchSize = 256

  /// `count` samples with `nfe` jumps of the harness's sampler, from the noise of `seed`
  /// (`Evaluator.evaluationSeed` by default: the evaluation's own noises, sample `i` drawn from
  /// row `i` of them), in batches of `batchSize`; `body` receives each batch and its first
  /// sample's index. Bit-identical for any number of threads.
  public func samples(count: Int, nfe: Int, seed: UInt64 = Evaluator.evaluationSeed,
                      _ body: (_ batch: Tensor, _ firstSample: Int) throws -> Void) rethrows {
    precondition(count >= 1 && nfe >= 1, "KeptStudent.samples: count and nfe must be >= 1")
    var first = 0
    while first < count {
      let size = min(KeptStudent.batchSize, count - first)
      let noise = RandomStream(seed: seed, purpose: .samplingNoise).normalTensor(shape: [size] + sampleShape, firstSample: first)
      let (batch, _) = student.sample(noise: noise, nfe: nfe, sampler: sampler, parameters: parameters, seed: seed, firstSample: first)
      try body(batch, first)
      first += size
    }
  }
}
