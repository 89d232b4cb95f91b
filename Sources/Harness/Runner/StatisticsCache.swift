import Diffusion
import Distillation
import Foundation
import TensorCore

/// The Analytic-Precond statistics cached on disk, one converged estimate per (teacher, data,
/// statistics configuration, training grid), shared by every run and seed (issue 16, issue 10
/// item 3). Files are `statistics-KEY16.json` in `directory`, written to a temporary file and
/// renamed into place, so concurrent writers (shards) never leave a torn file: the last rename
/// wins and both wrote the same deterministic estimate. A file that cannot be read or does not
/// hold the estimate of its key is an error that names it (delete it to recompute).
public struct StatisticsCache: Sendable {
  /// The cache directory.
  public let directory: String

  /// A cache in `directory` (created on demand).
  public init(directory: String) { self.directory = directory }

  /// Everything that determines an estimate.
  struct KeyMaterial: Codable {
    var estimator: Int
    var seed: UInt64
    var teacher: String
    var dataHash: String
    var configuration: StatisticsConfiguration
    var jumpTimes: [Double]
  }

  /// What a cache file holds.
  struct Entry: Codable {
    var key: String
    var material: KeyMaterial
    var estimate: StatisticsEstimate
  }

  /// The cache key: SHA-256 of the canonical JSON of the estimator version, the statistics seed,
  /// the teacher's identity, the data's content hash, the configuration and the jump times.
  public static func key(
    teacher: String, dataHash: String, configuration: StatisticsConfiguration, jumpTimes: [Double],
    seed: UInt64 = AnalyticStatistics.estimateSeed
  ) -> String {
    SHA256.hex(Array(canonicalJSON(material(teacher: teacher, dataHash: dataHash, configuration: configuration,
      jumpTimes: jumpTimes, seed: seed)).utf8))
  }

  static func material(
    teacher: String, dataHash: String, configuration: StatisticsConfiguration, jumpTimes: [Double], seed: UInt64
  ) -> KeyMaterial {
    KeyMaterial(estimator: StatisticsEstimator.version, seed: seed, teacher: teacher, dataHash: dataHash,
      configuration: configuration, jumpTimes: Array(Set(jumpTimes)).sorted())
  }

  /// The file of `key`.
  public func path(forKey key: String) -> String {
    URL(fileURLWithPath: directory).appendingPathComponent("statistics-\(key.prefix(16)).json").path
  }

  /// The file of an unfinished estimate of `key` (`StatisticsEstimatorState` after its last
  /// finished grid point; removed when the estimate is cached).
  public func partialPath(forKey key: String) -> String {
    URL(fileURLWithPath: directory).appendingPathComponent("statistics-\(key.prefix(16)).partial.json").path
  }

  /// What a partial file holds.
  struct PartialEntry: Codable {
    var key: String
    var material: KeyMaterial
    var state: StatisticsEstimatorState
  }

  /// The cached estimate for `problem`'s teacher, or a new one (computed, then cached). With
  /// `seed` other than the shared `AnalyticStatistics.estimateSeed` the estimate is another sample
  /// of the same statistics (to measure their spread), cached under its own key and never used by
  /// runs. An interrupted computation continues from its partial file (written at most every
  /// `checkpointSeconds` and at every round) with the same result.
  public func estimateOrLoad(
    problem: PreparedProblem, configuration: StatisticsConfiguration, jumpTimes: [Double],
    seed: UInt64 = AnalyticStatistics.estimateSeed, checkpointSeconds: Double = 30,
    pointProgress: (StatisticsEstimatorState) -> Void = { _ in },
    progress: (Int, Int, Double) -> Void = { _, _, _ in }
  ) throws -> (estimate: StatisticsEstimate, cached: Bool) {
    try estimateOrLoad(teacher: problem.teacherIdentity, dataHash: problem.dataHash, configuration: configuration,
      jumpTimes: jumpTimes, seed: seed, checkpointSeconds: checkpointSeconds) { resume, checkpoint in
      StatisticsEstimator.estimate(teacher: problem.teacher, data: problem.data, configuration: configuration,
        seed: seed, jumpTimes: jumpTimes, resume: resume,
        checkpoint: { state in checkpoint(state); pointProgress(state) }, progress: progress)
    }
  }

  /// The cached estimate for the key of these parts, or `compute()` (then cached).
  public func estimateOrLoad(
    teacher: String, dataHash: String, configuration: StatisticsConfiguration, jumpTimes: [Double],
    compute: () throws -> StatisticsEstimate
  ) throws -> (estimate: StatisticsEstimate, cached: Bool) {
    try estimateOrLoad(teacher: teacher, dataHash: dataHash, configuration: configuration, jumpTimes: jumpTimes,
      seed: AnalyticStatistics.estimateSeed) { _, _ in try compute() }
  }

  /// The cached estimate for the key of these parts, or `compute(resume, checkpoint)` (then
  /// cached): `resume` is the state of the partial file left by an interrupted computation of the
  /// same key (nil if none), and `checkpoint` writes a state to that file (at most every
  /// `checkpointSeconds`, and whenever a round begins). A partial file that cannot be read or
  /// belongs to another key is an error that names it.
  public func estimateOrLoad(
    teacher: String, dataHash: String, configuration: StatisticsConfiguration, jumpTimes: [Double],
    seed: UInt64, checkpointSeconds: Double = 30,
    compute: (StatisticsEstimatorState?, (StatisticsEstimatorState) -> Void) throws -> StatisticsEstimate
  ) throws -> (estimate: StatisticsEstimate, cached: Bool) {
    let material = StatisticsCache.material(teacher: teacher, dataHash: dataHash, configuration: configuration,
      jumpTimes: jumpTimes, seed: seed)
    let key = SHA256.hex(Array(canonicalJSON(material).utf8))
    let file = path(forKey: key)
    if FileManager.default.fileExists(atPath: file) {
      return (try load(file, key: key), true)
    }
    let partial = partialPath(forKey: key)
    let resume = try loadPartial(partial, key: key)
    let clock = ContinuousClock()
    var lastWrite = clock.now
    var writeFailure: Error? = nil
    let estimate = try compute(resume) { state in
      guard writeFailure == nil else { return }
      let now = clock.now
      guard state.nextPoint == 0 || now - lastWrite >= .seconds(checkpointSeconds) else { return }
      lastWrite = now
      do throws(AtomicFile.Failure) {
        try AtomicFile.write(Data(canonicalJSON(PartialEntry(key: key, material: material, state: state)).utf8), to: partial)
      } catch {
        writeFailure = StatisticsCacheError.unwritable(path: partial, reason: "\(error.reason); choose a writable cache directory")
      }
    }
    if let writeFailure { throw writeFailure }
    try store(Entry(key: key, material: material, estimate: estimate), to: file)
    try? FileManager.default.removeItem(atPath: partial)
    return (estimate, false)
  }

  func loadPartial(_ file: String, key: String) throws -> StatisticsEstimatorState? {
    guard FileManager.default.fileExists(atPath: file) else { return nil }
    let entry: PartialEntry
    do {
      entry = try AtomicFile.decoder().decode(PartialEntry.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
    } catch {
      throw StatisticsCacheError.corrupt(path: file, reason: "cannot be decoded as an unfinished estimate (\(error))")
    }
    guard entry.key == key else {
      throw StatisticsCacheError.corrupt(path: file, reason: "holds key \(entry.key.prefix(16)), expected \(key.prefix(16))")
    }
    let s = entry.state
    let (groups, block) = StatisticsEstimator.grouping(samplesPerPoint: entry.material.configuration.samplesPerPoint)
    guard s.fits(lambdaCount: entry.material.configuration.lambdaCount, groupCount: groups, blockSize: block) else {
      throw StatisticsCacheError.corrupt(path: file, reason: "its sums do not fit the configuration's grid and groups")
    }
    return s
  }

  func load(_ file: String, key: String) throws -> StatisticsEstimate {
    let entry: Entry
    do {
      let data = try Data(contentsOf: URL(fileURLWithPath: file))
      entry = try AtomicFile.decoder().decode(Entry.self, from: data)
    } catch {
      throw StatisticsCacheError.corrupt(path: file, reason: "cannot be decoded (\(error))")
    }
    let e = entry.estimate
    let n = e.lambdas.count
    guard entry.key == key else {
      throw StatisticsCacheError.corrupt(path: file, reason: "holds key \(entry.key.prefix(16)), expected \(key.prefix(16))")
    }
    guard n >= 2, e.linear.count == n, e.growth.count == n, zip(e.lambdas, e.lambdas.dropFirst()).allSatisfy({ $0 < $1 }),
      e.linearReplicates.count == e.growthReplicates.count,
      (e.linearReplicates + e.growthReplicates).allSatisfy({ $0.count == n })
    else {
      throw StatisticsCacheError.corrupt(path: file, reason: "grid and statistics disagree in length or order")
    }
    return e
  }

  func store(_ entry: Entry, to file: String) throws {
    do throws(AtomicFile.Failure) {
      try AtomicFile.write(Data(canonicalJSON(entry).utf8), to: file)
    } catch {
      throw StatisticsCacheError.unwritable(path: file, reason: "\(error.reason); choose a writable cache directory")
    }
  }
}

/// A statistics cache file that cannot be used.
public enum StatisticsCacheError: Error, CustomStringConvertible, Sendable {
  /// The file exists but does not hold a valid estimate.
  case corrupt(path: String, reason: String)
  /// The file cannot be written.
  case unwritable(path: String, reason: String)

  /// A message that names the file and what to do.
  public var description: String {
    switch self {
    case .corrupt(let path, let reason):
      return "statistics cache file \(path) is corrupt: \(reason); delete it to recompute the statistics"
    case .unwritable(let path, let reason):
      return "cannot write statistics cache file \(path): \(reason)"
    }
  }
}

/// The statistics of an analytic cell did not meet the suite's tolerance.
public struct StatisticsNotConverged: Error, CustomStringConvertible, Sendable {
  /// What the estimate took and where it stopped.
  public let cost: StatisticsCost

  /// Names the jump that did not converge.
  public var description: String {
    let worst = cost.worstJump.map { "\($0)" } ?? "no jump"
    return "Analytic-Precond statistics did not converge: \(worst) exceeds the tolerance \(cost.tolerance ?? .nan) "
      + "after \(cost.rounds) rounds, at \(cost.samplesPerPoint) samples per point (the cap; raise statistics.maxSamplesPerPoint)"
  }
}
