import Foundation
import Harness
import Storage
import SyntheticResults
import Testing

@Suite("external metrics (migration 7)")
struct ExternalMetricTests {
  @Test("recorded per run and step, read back with the run, replaced on re-import, merged by run uid, cut by a resume")
  func roundTrip() throws {
    try withTemporaryDatabase { temporary in
      let shardPath = temporary.file("shard.sqlite")
      let shard = try ResultStore(path: shardPath, create: true)
      try SyntheticResults(seeds: [0]).write(to: shard)
      let run = try #require(try shard.allRuns().first)
      let last = try #require(run.finalEvaluation).step
      let first = try #require(run.evaluations.first).step
      let fid = ExternalMetric(step: last, name: "fid", nfe: 2, value: 12.5, source: "pytorch-fid", recordedAt: Timestamp(secondsSinceEpoch: 5))
      #expect(try shard.recordExternalMetric(fid, run: run.run.id) == false)
      var replaced = fid
      replaced.value = 11
      #expect(try shard.recordExternalMetric(replaced, run: run.run.id) == true)
      let early = ExternalMetric(step: first, name: "fid", nfe: 2, value: 40, source: "pytorch-fid", recordedAt: Timestamp(secondsSinceEpoch: 6))
      try shard.recordExternalMetric(early, run: run.run.id)
      let read = try #require(try shard.run(id: run.run.id))
      #expect(read.externalMetrics == [early, replaced])
      #expect(try shard.allRuns().dropFirst().allSatisfy { $0.externalMetrics.isEmpty })

      // A merge copies them with their run, once.
      let target = try ResultStore(path: temporary.path, create: true)
      _ = try target.merge(from: shardPath)
      _ = try target.merge(from: shardPath)
      let merged = try #require(try target.allRuns().first { $0.run.uid == run.run.uid })
      #expect(merged.externalMetrics == [early, replaced])

      // Resuming a run drops what was imported for the evaluations it discards.
      try shard.resumeRun(run.run.id, keepingEvaluationsThrough: first, processID: getpid(), host: "h")
      #expect(try shard.run(id: run.run.id)?.externalMetrics == [early])
      #expect(try shard.integrityCheck() == ["ok"])
    }
  }

  @Test("runs by cell: problem, method, preconditioning and seed")
  func runsByCell() throws {
    try withTemporaryDatabase { temporary in
      let store = try ResultStore(path: temporary.path, create: true)
      try SyntheticResults(seeds: [0, 1]).write(to: store)
      let run = try #require(try store.allRuns().last)
      let cell = run.run.cell
      let found = try store.runs(problem: cell.dataset, method: cell.method, preconditioning: cell.preconditioning, seed: cell.seed)
      #expect(found.map(\.run.id) == [run.run.id])
      #expect(try store.runs(problem: "nowhere", method: cell.method, preconditioning: cell.preconditioning, seed: cell.seed).isEmpty)
      #expect(try store.run(id: RunID(99_999)) == nil)
    }
  }
}
