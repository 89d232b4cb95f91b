import Foundation
import TestSupport
import Testing

@Suite("precond-bench merge")
struct MergeCommandTests {
  @Test("shards merge into one database; merging again adds nothing")
  func merge() throws {
    try withWorkspace { workspace in
      let first = workspace.path("shard-1.sqlite")
      let second = workspace.path("shard-2.sqlite")
      try workspace.synthesize(["--suite", "one"], database: first)
      try workspace.synthesize(["--suite", "two"], database: second)
      let merged = workspace.path("merged/results.sqlite")
      let result = try workspace.run(["merge", first, second, "--into", merged])
      #expect(result.exitCode == 0, "\(result.stderr)")
      #expect(result.stdout.contains("shard-1.sqlite: 9 run(s) added, 0 already present"))
      let again = try workspace.run(["merge", first, second, "--into", merged])
      #expect(again.stdout.contains("shard-2.sqlite: 0 run(s) added, 9 already present"))
      let one = try workspace.run(["export", "one", "--db", merged, "--without-timings"])
      #expect(
        one.stdout
          == (try workspace.run(["export", "one", "--db", first, "--without-timings"])).stdout)
      #expect(try workspace.run(["merge", "--into", merged]).exitCode == 64)
      #expect(try workspace.run(["merge", merged, "--into", merged]).exitCode == 64)
      let missing = try workspace.run(["merge", workspace.path("nope.sqlite"), "--into", merged])
      #expect(missing.exitCode == 65 && missing.stderr.contains("nope.sqlite"))
    }
  }
}
