import Foundation
import TestSupport
import Testing

@Suite("precond-bench export")
struct ExportCommandTests {
  @Test(
    "--without-timings: two databases of the same inputs export identically; timings differ otherwise"
  )
  func determinism() throws {
    try withWorkspace { workspace in
      let first = workspace.path("a.sqlite")
      let second = workspace.path("b.sqlite")
      try workspace.synthesize(["--scenario", "diverged"], database: first)
      try workspace.synthesize(["--scenario", "diverged"], database: second)
      let a = try workspace.run(["export", "--db", first, "--without-timings"])
      let b = try workspace.run(["export", "--db", second, "--without-timings"])
      #expect(a.exitCode == 0 && b.exitCode == 0)
      #expect(a.stdout == b.stdout)
      #expect(!a.stdout.contains("trainingWallSeconds") && !a.stdout.contains("\"machine\""))
      let object = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as? [String: Any]
      let runs = object?["runs"] as? [[String: Any]]
      #expect(runs?.count == 9)
      #expect(runs?.first?["status"] as? String == "completed")
      // With timings the run ids and uids appear, and the uids differ between databases.
      let timed = try workspace.run(["export", "--db", first])
      #expect(timed.stdout.contains("trainingWallSeconds") && timed.stdout.contains("\"uid\""))
      #expect(timed.stdout != (try workspace.run(["export", "--db", second])).stdout)
      // Exporting twice gives the same text.
      #expect(try workspace.run(["export", "--db", first]).stdout == timed.stdout)
    }
  }

  @Test("CSV: one row per evaluation and metric, header first")
  func csv() throws {
    try withWorkspace { workspace in
      try workspace.synthesize(["--seeds", "1", "--evaluations", "2"])
      let result = try workspace.run([
        "export", "synthetic", "--db", workspace.database, "--format", "csv", "--without-timings",
      ])
      #expect(result.exitCode == 0)
      let lines = result.stdout.split(separator: "\n")
      #expect(
        lines.first
          == "suite,dataset,teacher,method,preconditioning,seed,spec_hash,status,step,samples_seen,loss,metric,nfe,value,source"
      )
      #expect(lines.count == 1 + 3 * 2 * 3)
      #expect(
        try workspace.run(["export", "--db", workspace.database, "--format", "xml"]).exitCode == 64)
    }
  }
}
