import Foundation
import Harness
import Storage
import TestSupport

/// A temporary directory with a database path inside; removed by `cleanUp`.
struct TemporaryDatabase {
  let directory: URL
  var path: String { directory.appendingPathComponent("results.sqlite").path }

  init() throws { directory = try CommandRunner.temporaryDirectory("storage-test") }

  func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

  func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}

/// Runs `body` with a fresh temporary database directory.
func withTemporaryDatabase(_ body: (TemporaryDatabase) throws -> Void) throws {
  let database = try TemporaryDatabase()
  defer { database.cleanUp() }
  try body(database)
}

/// The deterministic part of a run (no ids, uids or process data) for comparing stores.
struct RunContent: Equatable {
  let cell: CellRecord
  let status: RunStatus
  let statusStep: Int?
  let evaluations: String
  let coefficients: [CoefficientRow]
  let gaps: [GapRow]

  init(_ result: RunResult) {
    cell = result.run.cell
    status = result.run.status
    statusStep = result.run.statusStep
    // Through text so that NaN compares equal to NaN.
    evaluations = result.evaluations.map { evaluation in
      "\(evaluation.step) \(evaluation.samplesSeen) \(evaluation.trainingWallSeconds) \(evaluation.trainingCPUSeconds) "
        + "\(evaluation.evaluationSeconds) \(evaluation.loss) "
        + evaluation.metrics.map { "\($0.name)@\($0.nfe)=\($0.value)" }.joined(separator: ",")
    }.joined(separator: "\n")
    coefficients = result.coefficients
    gaps = result.gaps
  }
}

/// Bytes of a file (for "not modified" checks).
func fileBytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
