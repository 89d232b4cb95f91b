import CSQLite
import Foundation
import Harness
import Storage
import SyntheticResults
import Testing
import TestSupport

@Suite("Result store")
struct ResultStoreTests {
  @Test("what the runner writes reads back unchanged, NaN and infinities included")
  func roundTrip() throws {
    try withTemporaryDatabase { temporary in
      let synthetic = SyntheticResults(scenario: .diverged)
      let store = try ResultStore(path: temporary.path, create: true)
      try synthetic.write(to: store)
      let expected = synthetic.results()
      let loaded = try #require(try store.results(suite: synthetic.suiteName))
      #expect(loaded.suite == expected.suite)
      #expect(loaded.runs.map { RunContent($0) } == expected.runs.map { RunContent($0) })
      #expect(
        loaded.runs.allSatisfy {
          $0.run.machine == synthetic.machine && $0.run.commit == synthetic.commit
        })
      #expect(
        loaded.runs.contains {
          $0.run.status == .diverged && $0.evaluations.last?.loss.isNaN == true
        })
      #expect(try store.suiteNames() == [synthetic.suiteName])
      #expect(try store.integrityCheck() == ["ok"])
      #expect(try store.schemaVersion() == Schema.latestVersion)
    }
  }

  @Test("evaluations are atomic and ordered; misuse is a typed error")
  func sinkErrors() throws {
    try withTemporaryDatabase { temporary in
      let synthetic = SyntheticResults(preconditionings: ["ctm"], seeds: [0], evaluations: 3)
      let store = try ResultStore(path: temporary.path, create: true)
      let cell = synthetic.cells[0]
      #expect(throws: ResultSinkError.self) {
        _ = try store.beginRun(
          RunStart(cell: cell, machine: synthetic.machine, commit: synthetic.commit))
      }
      try store.registerSuite(synthetic.suite)
      try store.registerSuite(synthetic.suite)  // idempotent
      let run = try store.beginRun(
        RunStart(cell: cell, machine: synthetic.machine, commit: synthetic.commit))
      try store.recordEvaluation(synthetic.evaluation(of: cell, index: 0), run: run)
      #expect(throws: ResultSinkError.self) {
        try store.recordEvaluation(synthetic.evaluation(of: cell, index: 0), run: run)
      }
      // A duplicate metric makes the whole evaluation fail: nothing of it is stored.
      var duplicate = synthetic.evaluation(of: cell, index: 1)
      duplicate.metrics.append(duplicate.metrics[0])
      #expect(throws: SQLiteError.self) { try store.recordEvaluation(duplicate, run: run) }
      #expect(try store.latestRun(of: cell)?.lastEvaluatedStep == 50)
      #expect(throws: ResultSinkError.self) {
        try store.recordEvaluation(synthetic.evaluation(of: cell, index: 1), run: RunID(99))
      }
      try store.recordEvaluation(synthetic.evaluation(of: cell, index: 1), run: run)
      try store.recordEvaluation(synthetic.evaluation(of: cell, index: 2), run: run)
      // Resume from step 50: later evaluations go, the run is running again.
      try store.finishRun(run, status: .failed, step: 150, message: "test")
      #expect(throws: ResultSinkError.self) {
        try store.recordEvaluation(synthetic.evaluation(of: cell, index: 2), run: run)
      }
      try store.resumeRun(run, keepingEvaluationsThrough: 50, processID: getpid(), host: "here")
      let summary = try #require(try store.latestRun(of: cell))
      #expect(summary.status == .running && summary.lastEvaluatedStep == 50)
      try store.recordEvaluation(synthetic.evaluation(of: cell, index: 1), run: run)
      let loaded = try #require(try store.results(suite: synthetic.suiteName))
      #expect(loaded.runs[0].evaluations.map { $0.step } == [50, 100])
      #expect(loaded.runs[0].evaluations[1].metrics.count == 3)
    }
  }

  @Test(
    "a running run whose process is gone is marked interrupted on the next open; a live one is not")
  func recovery() throws {
    try withTemporaryDatabase { temporary in
      let synthetic = SyntheticResults(preconditionings: ["ctm"], seeds: [0, 1], evaluations: 2)
      let host = UnameFields.current().nodename
      // A process id that certainly belonged to a process that has exited.
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/true")
      try process.run()
      process.waitUntilExit()
      let deadPID = process.processIdentifier
      do {
        let store = try ResultStore(path: temporary.path, create: true)
        try store.registerSuite(synthetic.suite)
        let dead = try store.beginRun(
          RunStart(
            cell: synthetic.cells[0], machine: synthetic.machine, commit: synthetic.commit,
            processID: deadPID, host: host))
        try store.recordEvaluation(
          synthetic.evaluation(of: synthetic.cells[0], index: 0), run: dead)
        _ = try store.beginRun(
          RunStart(
            cell: synthetic.cells[1], machine: synthetic.machine, commit: synthetic.commit,
            processID: getpid(), host: host))
        #expect(store.recoveredRuns.isEmpty)
      }
      let reopened = try ResultStore(path: temporary.path)
      #expect(reopened.recoveredRuns == [RunID(1)])
      let runs = try #require(try reopened.results(suite: synthetic.suiteName)).runs
      #expect(runs.map { $0.run.status } == [.interrupted, .running])
      #expect(runs[0].run.statusMessage?.contains("ended without finishing") == true)
      #expect(runs[0].evaluations.count == 1)
      #expect(try reopened.latestRun(of: synthetic.cells[0])?.status == .interrupted)
    }
  }

  @Test("baselines: save, replace only when asked, load, delete; comparisons stored and reloaded")
  func baselinesAndComparisons() throws {
    try withTemporaryDatabase { temporary in
      let store = try ResultStore(path: temporary.path, create: true)
      let synthetic = SyntheticResults()
      try synthetic.write(to: store)
      let results = try #require(try store.results(suite: synthetic.suiteName))
      let baseline = BaselineBuilder.make(
        name: "smoke", created: Timestamp(secondsSinceEpoch: 1), results: results)
      #expect(try store.saveBaseline(baseline, replacing: false) == false)
      #expect(throws: ResultSinkError.self) { try store.saveBaseline(baseline, replacing: false) }
      #expect(try store.saveBaseline(baseline, replacing: true) == true)
      let loaded = try #require(try store.baseline(named: "smoke"))
      #expect(loaded.fileText == baseline.fileText)
      #expect(try store.baselineSummaries().map { $0.name } == ["smoke"])
      let comparison = Comparison.compare(
        candidate: results, baseline: loaded, created: Timestamp(secondsSinceEpoch: 2))
      try store.recordComparison(comparison)
      #expect(try store.latestComparison(suite: synthetic.suiteName) == comparison)
      #expect(try store.deleteBaseline(named: "smoke"))
      #expect(try store.deleteBaseline(named: "smoke") == false)
      #expect(try store.baseline(named: "smoke") == nil)
    }
  }

  @Test("merge: shards combine, merging twice adds nothing, a database cannot merge into itself")
  func merge() throws {
    try withTemporaryDatabase { temporary in
      let first = temporary.file("shard-1.sqlite")
      let second = temporary.file("shard-2.sqlite")
      try SyntheticResults(seeds: [0, 1]).write(to: try ResultStore(path: first, create: true))
      let shard2 = try ResultStore(path: second, create: true)
      try SyntheticResults(seeds: [2]).write(to: shard2)
      let baseline = BaselineBuilder.make(
        name: "b", created: Timestamp(secondsSinceEpoch: 1),
        results: try #require(try shard2.results(suite: "synthetic")))
      try shard2.saveBaseline(baseline, replacing: false)

      let target = try ResultStore(path: temporary.path, create: true)
      let one = try target.merge(from: first)
      #expect(one.runsAdded == 6 && one.runsAlreadyPresent == 0)
      let two = try target.merge(from: second)
      #expect(two.runsAdded == 3 && two.baselinesAdded == 1)
      let again = try target.merge(from: first)
      #expect(again.runsAdded == 0 && again.runsAlreadyPresent == 6 && again.baselinesAdded == 0)
      #expect(try target.merge(from: second).runsAdded == 0)
      let merged = try #require(try target.results(suite: "synthetic"))
      let whole = SyntheticResults().results()
      #expect(merged.runs.map { RunContent($0) } == whole.runs.map { RunContent($0) })
      #expect(try target.integrityCheck() == ["ok"])
      #expect(throws: StorageError.self) { _ = try target.merge(from: temporary.path) }
    }
  }

  @Test("target rules and teacher values round-trip, the latest value wins, and merge carries them")
  func rulesAndTeacherValues() throws {
    try withTemporaryDatabase { temporary in
      let synthetic = SyntheticResults(seeds: [0])
      var suite: SuiteRecord = synthetic.suite
      let rule = TargetRule.reference(metric: "sw2", nfe: 2, at: 0.25, factor: 1.5)
      let teacherRule = TargetRule.teacher(metric: "sw2", nfe: 2, factor: 2, grid: 10)
      suite.rules = [rule, teacherRule, .absolute(metric: "sw2", nfe: 2, threshold: 0.5)]
      let shard = temporary.file("shard.sqlite")
      let store = try ResultStore(path: shard, create: true)
      try store.registerSuite(suite)
      let value = TeacherValue(dataset: "d", teacher: "exact", teacherIdentity: "id", metric: "sw2", grid: 10, samples: 100,
        value: 0.25, seconds: 1.5)
      try store.recordTeacherValues([value], suite: suite.name)
      var newer = value
      newer.value = 0.125
      try store.recordTeacherValues([newer], suite: suite.name)
      let read = try #require(try store.results(suite: suite.name))
      #expect(read.suite.rules == suite.rules)
      #expect(read.teacherValues == [newer])
      let target = try ResultStore(path: temporary.path, create: true)
      _ = try target.merge(from: shard)
      #expect(try target.results(suite: suite.name)?.teacherValues == [newer])
      #expect(try target.results(suite: suite.name)?.suite.rules == suite.rules)
    }
  }
}
