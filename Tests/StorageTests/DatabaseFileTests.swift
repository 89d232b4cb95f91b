import CSQLite
import Foundation
import Harness
import Storage
import SyntheticResults
import Testing
import TestSupport

@Suite("Database files")
struct DatabaseFileTests {
  @Test("an older schema is migrated forward and keeps its rows")
  func migration() throws {
    try withTemporaryDatabase { temporary in
      do {
        let database = try SQLiteDatabase(path: temporary.path, mode: .create)
        #expect(try Schema.migrate(database, upTo: 1) == [1])
        #expect(try database.userVersion() == 1)
        // A version-1 run (no process columns yet).
        try database.executeScript(
          """
          INSERT INTO machines VALUES ('m1', 'cpu', 2, 1024, 'os', 'k', '6.3', 'release');
          INSERT INTO commits VALUES ('abc', 0, '2026-01-01');
          INSERT INTO suites (name, spec_hash, spec_json, reference_preconditioning, targets_json, registered_at)
            VALUES ('old', 'h', '{}', 'ctm', '[{"direction":"lower","metric":"sw2","nfe":2,"threshold":0.5}]', '2026-01-01T00:00:00Z');
          INSERT INTO cells (suite, spec_hash, seed, dataset, teacher, method, preconditioning, configuration)
            VALUES ('old', 'h', 0, 'd', 't', 'ctm', 'ctm', '{}');
          INSERT INTO runs (uid, cell_id, machine_id, commit_sha, commit_dirty, status, started_at, finished_at)
            VALUES ('u1', 1, 'm1', 'abc', 0, 'completed', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z');
          INSERT INTO evaluations (run_id, step, samples_seen, training_wall_seconds, training_cpu_seconds,
                                   evaluation_seconds, loss) VALUES (1, 10, 640, 1.5, 3, 0.1, NULL);
          INSERT INTO metrics VALUES (1, 'sw2', 2, 0.25);
          """)
      }
      let store = try ResultStore(path: temporary.path)
      #expect(try store.schemaVersion() == Schema.latestVersion)
      let results = try #require(try store.results(suite: "old"))
      #expect(results.suite.rules == [.absolute(metric: "sw2", nfe: 2, threshold: 0.5)])
      #expect(results.teacherValues.isEmpty)  // version-6 table exists
      #expect(results.runs.count == 1)
      #expect(results.runs[0].run.processID == 0 && results.runs[0].run.host == "")
      #expect(results.runs[0].evaluations[0].loss.isNaN)
      #expect(
        results.runs[0].evaluations[0].metrics == [MetricValue(name: "sw2", nfe: 2, value: 0.25)])
      #expect(try store.baselineSummaries().isEmpty)  // version-2 tables exist
      #expect(try store.integrityCheck() == ["ok"])
    }
  }

  @Test(
    "another application's SQLite database is refused and left untouched; ours carry our application_id"
  )
  func foreign() throws {
    try withTemporaryDatabase { temporary in
      let foreign = temporary.file("other-app.sqlite")
      do {
        let database = try SQLiteDatabase(path: foreign, mode: .create)
        try database.executeScript(
          "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES (1, 'x');"
        )
      }
      let before = fileBytes(foreign)
      do {
        _ = try ResultStore(path: foreign)
        Issue.record("expected an error")
      } catch let error as StorageError {
        guard case .foreignDatabase(let path, _, let tables) = error else {
          Issue.record("unexpected \(error)")
          return
        }
        #expect(path == foreign && tables == 1)
        #expect(error.description.contains("not a PrecondBench results database"))
      }
      #expect(fileBytes(foreign) == before)
      _ = try ResultStore(path: temporary.path, create: true)
      let ours = try SQLiteDatabase(path: temporary.path, mode: .readOnly)
      #expect(
        try ours.query("PRAGMA application_id") { try $0.int64(0) } == [Int64(Schema.applicationID)]
      )
    }
  }

  @Test("a database from a newer precond-bench is refused")
  func newerSchema() throws {
    try withTemporaryDatabase { temporary in
      do {
        let database = try SQLiteDatabase(path: temporary.path, mode: .create)
        try Schema.migrate(database)
        try database.setUserVersion(Schema.latestVersion + 1)
      }
      #expect(
        throws: StorageError.schemaTooNew(
          path: temporary.path, version: Schema.latestVersion + 1, supported: Schema.latestVersion)
      ) {
        _ = try ResultStore(path: temporary.path)
      }
    }
  }

  @Test("a missing file is not created unless asked")
  func missing() throws {
    try withTemporaryDatabase { temporary in
      #expect(throws: StorageError.notFound(path: temporary.path)) {
        _ = try ResultStore(path: temporary.path)
      }
      #expect(!FileManager.default.fileExists(atPath: temporary.path))
      let nested = temporary.file("a/b/results.sqlite")
      _ = try ResultStore(path: nested, create: true)
      #expect(FileManager.default.fileExists(atPath: nested))
    }
  }

  @Test(
    "a file that is not SQLite, or a damaged database, is a corrupt error and is left untouched")
  func corrupt() throws {
    try withTemporaryDatabase { temporary in
      let text = temporary.file("notes.sqlite")
      try Data("these are not the results you are looking for\n".utf8).write(
        to: URL(fileURLWithPath: text))
      let before = fileBytes(text)
      do {
        _ = try ResultStore(path: text)
        Issue.record("expected an error")
      } catch let error as StorageError {
        guard case .corrupt(let path, _) = error else {
          Issue.record("unexpected \(error)")
          return
        }
        #expect(path == text)
        #expect(error.description.contains(text))
      }
      #expect(fileBytes(text) == before)
      #expect(!FileManager.default.fileExists(atPath: text + "-wal"))

      // A real database with its pages overwritten after the header.
      let damaged = temporary.file("damaged.sqlite")
      do {
        let store = try ResultStore(path: damaged, create: true)
        try SyntheticResults(seeds: [0]).write(to: store)
      }
      var bytes = try #require(fileBytes(damaged))
      #expect(bytes.count > 8192)
      for index in 100..<bytes.count where index % 7 != 0 {
        bytes[index] = UInt8(truncatingIfNeeded: index &* 31)
      }
      try bytes.write(to: URL(fileURLWithPath: damaged))
      #expect(throws: StorageError.self) { _ = try ResultStore(path: damaged) }
      #expect(fileBytes(damaged) == bytes)
    }
  }
}
