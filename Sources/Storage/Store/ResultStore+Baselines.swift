import CanonicalJSON
import Foundation
import Harness

/// A stored baseline's name, date, suite and source commit (for `baseline list`).
public struct BaselineSummary: Sendable, Hashable {
  /// The name.
  public var name: String
  /// When it was made.
  public var created: String
  /// The suite.
  public var suite: String
  /// The source commit's sha (with `+dirty`).
  public var sourceCommit: String
}

/// Baselines and comparisons.
extension ResultStore {
  /// Stores `baseline` under its name. With `replacing` false an existing baseline of that name
  /// is an error; returns whether one was replaced.
  @discardableResult
  public func saveBaseline(_ baseline: BaselineRecord, replacing: Bool) throws -> Bool {
    try locked {
      try database.transaction {
        let exists =
          !(try database.query(
            "SELECT 1 FROM baselines WHERE name = ?", [.text(baseline.name)]
          ) { _ in 1 }).isEmpty
        if exists && !replacing {
          throw ResultSinkError(
            "a baseline named '\(baseline.name)' already exists in \(path) (pass --replace to overwrite it)"
          )
        }
        try database.execute(
          """
          INSERT INTO baselines (name, created, source_commit, suite, document) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (name) DO UPDATE SET created = excluded.created, source_commit = excluded.source_commit,
            suite = excluded.suite, document = excluded.document
          """,
          [
            .text(baseline.name), .text(baseline.created.description),
            .text(baseline.sourceCommit.shortDescription), .text(baseline.suite),
            .text(baseline.fileText),
          ])
        return exists
      }
    }
  }

  /// The stored baseline `name`, or `nil`.
  public func baseline(named name: String) throws -> BaselineRecord? {
    try locked {
      guard
        let text = try database.query(
          "SELECT document FROM baselines WHERE name = ?", [.text(name)], { try $0.text(0) }
        )
        .first
      else { return nil }
      return try BaselineRecord(fileText: text, file: "baseline '\(name)' in \(path)")
    }
  }

  /// Every stored baseline, by name.
  public func baselineSummaries() throws -> [BaselineSummary] {
    try locked {
      try database.query("SELECT name, created, suite, source_commit FROM baselines ORDER BY name")
      { row in
        BaselineSummary(
          name: try row.text(0), created: try row.text(1), suite: try row.text(2),
          sourceCommit: try row.text(3))
      }
    }
  }

  /// Deletes baseline `name`; returns whether it existed.
  @discardableResult
  public func deleteBaseline(named name: String) throws -> Bool {
    try locked {
      try database.transaction {
        try database.execute("DELETE FROM baselines WHERE name = ?", [.text(name)])
        return database.changes > 0
      }
    }
  }

  /// Stores a comparison with one verdict row per verdict; returns its id.
  @discardableResult
  public func recordComparison(_ comparison: ComparisonRecord) throws -> Int64 {
    let document = try Self.encodeComparison(comparison)
    return try locked {
      try database.transaction {
        try database.execute(
          """
          INSERT INTO comparisons (baseline, suite, created, candidate_commit, status, document)
          VALUES (?, ?, ?, ?, ?, ?)
          """,
          [
            .text(comparison.baseline), .text(comparison.suite),
            .text(comparison.created.description),
            .text(comparison.candidateCommit.shortDescription), .text(comparison.status.rawValue),
            .text(document),
          ])
        let id = database.lastInsertRowID
        let insert = try database.prepare(
          """
          INSERT INTO verdicts (comparison_id, row_index, spec_hashes, dataset, teacher, method, preconditioning,
            quantity, metric, nfe, threshold, direction, baseline_value, candidate_value, baseline_seeds,
            candidate_seeds, relative_tolerance, absolute_tolerance, p_value, outcome, reason, gating, target_rule)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
        for (index, verdict) in comparison.verdicts.enumerated() {
          try insert.run([
            .integer(id), .int(index), .text(verdict.specHashes.joined(separator: ",")),
            .text(verdict.arm.dataset),
            .text(verdict.arm.teacher), .text(verdict.arm.method),
            .text(verdict.arm.preconditioning),
            .text(verdict.quantity.kind), .text(verdict.quantity.metric?.name),
            .int(verdict.quantity.metric?.nfe),
            .real(verdict.quantity.target?.threshold), .text(verdict.direction.rawValue),
            .real(verdict.baselineMedian), .real(verdict.candidateMedian),
            .int(verdict.baselineSeeds),
            .int(verdict.candidateSeeds), .real(verdict.relativeTolerance),
            .real(verdict.absoluteTolerance),
            .real(verdict.pValue), .text(verdict.outcome.rawValue), .text(verdict.reason),
            .bool(verdict.gating), .text(verdict.quantity.target?.rule.map { $0.json.serialized(pretty: false) }),
          ])
        }
        return id
      }
    }
  }

  /// The most recent comparison of suite `name`, or `nil`.
  public func latestComparison(suite name: String) throws -> ComparisonRecord? {
    try locked {
      guard
        let text = try database.query(
          "SELECT document FROM comparisons WHERE suite = ? ORDER BY created DESC, id DESC LIMIT 1",
          [.text(name)],
          { try $0.text(0) }
        ).first
      else { return nil }
      do {
        return try Self.decoder.decode(ComparisonRecord.self, from: Data(text.utf8))
      } catch {
        throw StorageError.malformedRow(
          path: path, detail: "a stored comparison of suite '\(name)' cannot be read: \(error)")
      }
    }
  }

  static func encodeComparison(_ comparison: ComparisonRecord) throws -> String {
    try JSONValueEncoder(nonFinite: .strings).encode(comparison).serialized(pretty: false)
  }

  static var decoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}
