import Foundation
import Harness
import Storage
import SyntheticResults
import Testing
import TestSupport

/// A `precond-bench` process whose stdout is read line by line while it runs.
final class RunningCommand {
  let process = Process()
  private let output = Pipe()
  private var buffer = Data()
  private(set) var lines: [String] = []

  init(_ arguments: [String]) throws {
    process.executableURL = CommandRunner.productsDirectory.appendingPathComponent("precond-bench")
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
  }

  /// Reads until `count` lines have arrived or the output ends; returns whether they did.
  func waitForLines(_ count: Int) -> Bool {
    while lines.count < count {
      let data = output.fileHandleForReading.availableData
      if data.isEmpty { return false }
      buffer.append(data)
      while let newline = buffer.firstIndex(of: 0x0A) {
        lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
        buffer.removeSubrange(buffer.startIndex...newline)
      }
    }
    return true
  }

  /// Drains the output and waits for the exit status.
  func finish() -> Int32 {
    _ = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus
  }
}

@Suite("Database under several processes")
struct ConcurrentWritersTests {
  @Test("two processes write one database at the same time; nothing is lost")
  func twoWriters() throws {
    try withTemporaryDatabase { temporary in
      // Create the database first, so both writers open an existing WAL database.
      _ = try ResultStore(path: temporary.path, create: true)
      let arguments = [
        "synthetic-results", "--db", temporary.path, "--delay-ms", "2", "--seeds", "2",
      ]
      let first = try RunningCommand(arguments)
      let second = try RunningCommand(arguments + ["--scenario", "improvement"])
      #expect(first.finish() == 0)
      #expect(second.finish() == 0)
      let store = try ResultStore(path: temporary.path)
      #expect(try store.integrityCheck() == ["ok"])
      let results = try #require(try store.results(suite: "synthetic"))
      #expect(results.runs.count == 12)
      #expect(results.runs.allSatisfy { $0.run.status == .completed })
      #expect(
        results.runs.allSatisfy {
          $0.evaluations.count == 8 && $0.evaluations.allSatisfy { $0.metrics.count == 3 }
        })
      // Both writers' numbers are there, each run intact.
      let expected =
        SyntheticResults(seeds: [0, 1]).results().runs
        + SyntheticResults(scenario: .improvement, seeds: [0, 1]).results().runs
      let stored = Set(results.runs.map { RunContent($0).evaluations })
      #expect(stored == Set(expected.map { RunContent($0).evaluations }))
    }
  }

  @Test(
    "SIGKILL while writing: integrity ok, recorded evaluations complete, the run marked interrupted"
  )
  func killed() throws {
    try withTemporaryDatabase { temporary in
      let writer = try RunningCommand([
        "synthetic-results", "--db", temporary.path, "--evaluations", "400", "--delay-ms", "5",
        "--progress",
      ])
      #expect(writer.waitForLines(12))
      kill(writer.process.processIdentifier, SIGKILL)
      writer.process.waitUntilExit()
      #expect(writer.process.terminationReason == .uncaughtSignal)

      let store = try ResultStore(path: temporary.path)
      #expect(try store.integrityCheck() == ["ok"])
      #expect(store.recoveredRuns.count == 1)
      let results = try #require(try store.results(suite: "synthetic"))
      #expect(results.runs.count == 1)
      let run = results.runs[0]
      #expect(run.run.status == .interrupted)
      // Every evaluation reported before the kill is there (one more may have committed after
      // the last line was read), and each has all its metrics.
      #expect(run.evaluations.count >= 12 && run.evaluations.count <= writer.lines.count + 1)
      #expect(run.evaluations.allSatisfy { $0.metrics.count == 3 })
      let synthetic = SyntheticResults(evaluations: 400)
      for (index, evaluation) in run.evaluations.enumerated() {
        #expect(evaluation.metrics == synthetic.evaluation(of: run.run.cell, index: index).metrics)
      }
      // A second open finds nothing more to recover.
      #expect(try ResultStore(path: temporary.path).recoveredRuns.isEmpty)
    }
  }
}
