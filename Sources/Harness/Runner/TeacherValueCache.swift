import Diffusion
import Foundation
import TensorCore

/// The teachers' own metric values for rules relative to the teacher (docs/harness.md, "Targets
/// as rules"), measured once per (teacher, data, evaluation protocol, grid) and cached beside the
/// teachers as `teacher-values-KEY16.json` (written atomically; a file that does not hold its
/// key's values is an error that names it).
public struct TeacherValueCache: Sendable {
  /// The cache directory (the teacher cache's).
  public let directory: String

  /// A cache in `directory` (created on demand).
  public init(directory: String) { self.directory = directory }

  /// Everything that determines the values.
  struct KeyMaterial: Codable {
    var teacher: String
    var dataHash: String
    var grid: Int
    var samples: Int
    var referenceSamples: Int
    var metrics: [String]
    var evaluationSeed: UInt64
  }

  struct Entry: Codable {
    var key: String
    var material: KeyMaterial
    var values: [MetricValue]
    var seconds: Double
  }

  /// The teacher values of `problem` for each of `grids`, from the cache or measured now with
  /// `evaluator` (then cached), as records of suite problem `problem.specification.name`.
  public func values(problem: PreparedProblem, evaluator: Evaluator, grids: [Int]) throws -> [TeacherValue] {
    var out = [TeacherValue]()
    for grid in Array(Set(grids)).sorted() {
      let specification = evaluator.specification
      let material = KeyMaterial(teacher: problem.teacherIdentity, dataHash: problem.dataHash, grid: grid,
        samples: specification.samples, referenceSamples: specification.referenceSamples, metrics: specification.metrics.sorted(),
        evaluationSeed: Evaluator.evaluationSeed)
      let key = SHA256.hex(Array(canonicalJSON(material).utf8))
      let file = URL(fileURLWithPath: directory).appendingPathComponent("teacher-values-\(key.prefix(16)).json").path
      let entry: Entry
      if FileManager.default.fileExists(atPath: file) {
        do {
          entry = try AtomicFile.decoder().decode(Entry.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
          throw TeacherValueCacheError(path: file, reason: "cannot be decoded (\(error)); delete it to measure the teacher again")
        }
        guard entry.key == key else {
          throw TeacherValueCacheError(path: file, reason: "holds key \(entry.key.prefix(16)), expected \(key.prefix(16)); delete it")
        }
      } else {
        let clock = ContinuousClock.now
        let measured = try evaluator.evaluateTeacher(grid: grid)
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        entry = Entry(key: key, material: material, values: measured, seconds: seconds)
        do throws(AtomicFile.Failure) {
          try AtomicFile.write(Data(canonicalJSON(entry).utf8), to: file)
        } catch {
          throw TeacherValueCacheError(path: file, reason: "cannot be written: \(error.reason); choose a writable teacher cache directory")
        }
      }
      for value in entry.values where value.value.isFinite {
        out.append(TeacherValue(dataset: problem.specification.name, teacher: problem.teacherKind, teacherIdentity: problem.teacherIdentity,
          metric: value.name, grid: grid, samples: entry.material.samples, value: value.value, seconds: entry.seconds))
      }
    }
    return out
  }
}

/// A teacher-values cache file that cannot be used.
public struct TeacherValueCacheError: Error, CustomStringConvertible, Sendable {
  /// The file.
  public let path: String
  /// What is wrong and what to do.
  public let reason: String
  /// "teacher values cache file PATH: REASON".
  public var description: String { "teacher values cache file \(path): \(reason)" }
}
