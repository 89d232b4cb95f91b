import Foundation
import Harness

/// Recording metrics computed outside (`precond-bench metric import`).
extension ResultStore {
  /// Records `metric` for run `run`, replacing a value recorded before for the same step, name
  /// and NFE. Returns whether one was replaced.
  @discardableResult
  public func recordExternalMetric(_ metric: ExternalMetric, run: RunID) throws -> Bool {
    try locked {
      try database.transaction {
        let existing = try database.query(
          "SELECT count(*) FROM external_metrics WHERE run_id = ? AND step = ? AND name = ? AND nfe = ?",
          [.integer(run.rawValue), .int(metric.step), .text(metric.name), .int(metric.nfe)]
        ) { try $0.int(0) }.first ?? 0
        try database.execute(
          """
          INSERT INTO external_metrics (run_id, step, name, nfe, value, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (run_id, step, name, nfe) DO UPDATE
            SET value = excluded.value, source = excluded.source, recorded_at = excluded.recorded_at
          """,
          [
            .integer(run.rawValue), .int(metric.step), .text(metric.name), .int(metric.nfe), .real(metric.value),
            .text(metric.source), .text(metric.recordedAt.description),
          ])
        return existing > 0
      }
    }
  }
}
