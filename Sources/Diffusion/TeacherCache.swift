import CanonicalJSON
import Foundation
import NeuralNet
import TensorCore

/// Network teachers cached on disk under a hash of everything that produced them (the training
/// configuration and the dataset's content hash), so a suite trains each teacher once. Training
/// checkpoints every `checkpointEvery` steps to a `.partial` file and resumes from it after an
/// interruption; the resumed teacher equals an uninterrupted one bit for bit.
public struct TeacherCache: Sendable {
  /// The cache directory.
  public let directory: String

  /// A cache in `directory` (created on demand).
  public init(directory: String) { self.directory = directory }

  /// The cache key: SHA-256 of the configuration's canonical JSON and the data hash.
  public static func key(configuration: TeacherTrainingConfiguration, dataHash: String) -> String {
    var hasher = SHA256()
    hasher.update(string: canonicalJSON(configuration))
    hasher.update(string: "|data=\(dataHash)")
    return SHA256.hexString(hasher.finalize())
  }

  /// The path of the finished teacher with `key`.
  public func path(forKey key: String) -> String {
    URL(fileURLWithPath: directory).appendingPathComponent("teacher-\(key.prefix(16)).ckpt").path
  }

  /// Loads the cached teacher, or trains it (resuming a partial run) and caches it.
  ///
  /// - Parameters:
  ///   - progress: called after every step with (step, loss).
  /// - Returns: the teacher, the checkpoint path and whether it came from the cache.
  public func trainOrLoad(
    configuration: TeacherTrainingConfiguration, data: Tensor, dataHash: String, checkpointEvery: Int = 500,
    exactDenoiser: (any Denoiser)? = nil, progress: (Int, Double) -> Void = { _, _ in }
  ) throws -> (teacher: NetworkDenoiser, path: String, cached: Bool) {
    let key = TeacherCache.key(configuration: configuration, dataHash: dataHash)
    let finalPath = path(forKey: key)
    if FileManager.default.fileExists(atPath: finalPath) {
      return (try TeacherCache.loadTeacher(from: finalPath), finalPath, true)
    }
    let partialPath = finalPath + ".partial"
    var trainer = TeacherTrainer(configuration: configuration, data: data, exactDenoiser: exactDenoiser)
    let metadata = [
      "kind": "teacher", "configuration": canonicalJSON(configuration), "dataHash": dataHash, "cacheKey": key,
    ]
    if FileManager.default.fileExists(atPath: partialPath) {
      // A damaged partial file only costs the steps it held: start over.
      if let partial = try? Checkpoint.read(from: partialPath), partial.metadata["cacheKey"] == key {
        try trainer.restore(from: partial)
      }
    }
    while trainer.step < configuration.steps {
      let loss = trainer.trainStep()
      guard loss.isFinite else {
        throw TeacherTrainingError.diverged(step: trainer.step, loss: loss)
      }
      progress(trainer.step, loss)
      if trainer.step % checkpointEvery == 0 && trainer.step < configuration.steps {
        try trainer.checkpoint(metadata: metadata).write(to: partialPath)
      }
    }
    try trainer.checkpoint(metadata: metadata).write(to: finalPath)
    try? FileManager.default.removeItem(atPath: partialPath)
    return (trainer.denoiser, finalPath, false)
  }

  /// Loads a teacher checkpoint written by `trainOrLoad` (or `teacher train`): rebuilds the
  /// network from the stored configuration and takes its EMA parameters.
  public static func loadTeacher(from path: String) throws -> NetworkDenoiser {
    let checkpoint = try Checkpoint.read(from: path)
    guard let json = checkpoint.metadata["configuration"],
          let configuration = try? JSONDecoder().decode(TeacherTrainingConfiguration.self, from: Data(json.utf8)) else {
      throw CheckpointError(path: path, reason: "not a teacher checkpoint (no readable training configuration in its metadata)")
    }
    let (network, template) = configuration.architecture.build(timeInputs: 1, seed: configuration.seed)
    let parameters: ParameterSet
    do {
      parameters = try checkpoint.parameters("ema", like: template)
    } catch let error as CheckpointError {
      throw CheckpointError(path: path, reason: error.reason)
    }
    return NetworkDenoiser(network: network, parameters: parameters, preconditioning: EDMPreconditioning(sigmaData: configuration.sigmaData))
  }

  /// Reads the training configuration stored in a teacher checkpoint.
  public static func configuration(of path: String) throws -> (configuration: TeacherTrainingConfiguration, metadata: [String: String]) {
    let checkpoint = try Checkpoint.read(from: path)
    guard let json = checkpoint.metadata["configuration"],
          let configuration = try? JSONDecoder().decode(TeacherTrainingConfiguration.self, from: Data(json.utf8)) else {
      throw CheckpointError(path: path, reason: "not a teacher checkpoint (no readable training configuration in its metadata)")
    }
    return (configuration, checkpoint.metadata)
  }
}

/// Teacher training failures.
public enum TeacherTrainingError: Error, CustomStringConvertible {
  /// The loss became non-finite.
  case diverged(step: Int, loss: Double)

  /// A message that names the step.
  public var description: String {
    switch self {
    case .diverged(let step, let loss): return "teacher training diverged at step \(step) (loss \(loss))"
    }
  }
}

/// The canonical JSON text of a Codable value (`JSONValue.canonicalText()`, whose documentation
/// defines the form): what cache keys, spec hashes and stored configurations are made of. A value
/// that has no canonical form (a non-finite number, an integer beyond 64 bits) is a programming
/// error.
public func canonicalJSON<T: Encodable>(_ value: T) -> String {
  do {
    return try JSONValue(encoding: value).canonicalText()
  } catch {
    preconditionFailure("canonicalJSON: \(error)")
  }
}
