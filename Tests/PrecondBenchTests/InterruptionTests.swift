import Foundation
import Testing
import TestSupport

@Suite("run stops cleanly on SIGINT and SIGTERM (issue 14)", .serialized)
struct InterruptionTests {
  @Test("the run is recorded interrupted at its step, the exit code is 128 + signal, the message says --resume, and --resume finishes with the uninterrupted numbers",
    arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
  func signal(_ signal: Int32, expected: Int32, name: String) throws {
    let directory = try CommandRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // Long enough that the signal lands in the first cell's training loop.
    try tinySuite.replacingOccurrences(of: "\"steps\": 60", with: "\"steps\": 6000")
      .write(to: directory.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = CommandRunner.productsDirectory.appendingPathComponent("precond-bench")
    process.arguments = ["run", "tiny.json", "--db", "signalled.sqlite"]
    process.currentDirectoryURL = directory
    let errorFile = directory.appendingPathComponent("stderr.txt")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: errorFile)
    try process.run()
    // Signal once the first evaluation is stored (the first cell is then training).
    let deadline = Date().addingTimeInterval(60)
    var evaluations = 0
    while Date() < deadline && process.isRunning && evaluations < 3 {
      let probe = try? CommandRunner.run(["export", "--db", "signalled.sqlite", "--format", "csv", "--without-timings"],
        currentDirectory: directory)
      evaluations = probe.map { $0.stdout.split(separator: "\n").count } ?? 0
      Thread.sleep(forTimeInterval: 0.05)
    }
    #expect(process.isRunning, "the run ended before it could be signalled")
    kill(process.processIdentifier, signal)
    let stopDeadline = Date().addingTimeInterval(30)
    while process.isRunning && Date() < stopDeadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
    #expect(process.terminationReason == .exit, "ended by an uncaught signal: \(stderr)")
    #expect(process.terminationStatus == expected, "\(stderr)")
    #expect(stderr.contains("interrupted by \(name)") && stderr.contains("--resume"), "\(stderr)")
    #expect(stderr.contains("precond-bench run tiny.json --db signalled.sqlite --resume"), "\(stderr)")

    let stored = try CommandRunner.run(["export", "--db", "signalled.sqlite", "--without-timings"], currentDirectory: directory)
    #expect(stored.exitCode == 0, "\(stored.stderr)")
    #expect(stored.stdout.contains("\"status\": \"interrupted\""), "no run is marked interrupted")
    #expect(!stored.stdout.contains("\"status\": \"running\""))
    #expect(stored.stdout.contains("\"statusStep\": "), "the interrupted run has no step")

    let resumed = try CommandRunner.run(["run", "tiny.json", "--db", "signalled.sqlite", "--resume"], currentDirectory: directory)
    #expect(resumed.exitCode == 0, "\(resumed.stderr)")
    let straight = try CommandRunner.run(["run", "tiny.json", "--db", "straight.sqlite"], currentDirectory: directory)
    #expect(straight.exitCode == 0, "\(straight.stderr)")
    let a = try CommandRunner.run(["export", "--db", "straight.sqlite", "--without-timings"], currentDirectory: directory)
    let b = try CommandRunner.run(["export", "--db", "signalled.sqlite", "--without-timings"], currentDirectory: directory)
    #expect(!a.stdout.isEmpty && a.stdout == b.stdout, "resumed results differ from an uninterrupted run")
  }
}
