import Foundation
import TestSupport
import Testing

@Suite("precond-bench baseline")
struct BaselineCommandTests {
  @Test("save, export, import into another database, export again: byte-identical; list and delete")
  func roundTrip() throws {
    try withWorkspace { workspace in
      try workspace.synthesize(["--scenario", "diverged"])
      let save = try workspace.run(["baseline", "save", "smoke", "--db", workspace.database])
      #expect(save.exitCode == 0, "\(save.stderr)")
      #expect(save.stdout.contains("saved baseline 'smoke'"))
      let again = try workspace.run(["baseline", "save", "smoke", "--db", workspace.database])
      #expect(again.exitCode == 64 && again.stderr.contains("--replace"))
      #expect(
        try workspace.run(["baseline", "save", "smoke", "--db", workspace.database, "--replace"])
          .exitCode == 0)

      #expect(
        try workspace.run(["baseline", "export", "smoke", "--db", workspace.database]).exitCode == 0
      )
      let exported = try #require(workspace.read("Baselines/smoke.json"))
      #expect(exported.hasSuffix("}\n"))
      let other = workspace.path("other.sqlite")
      let imported = try workspace.run([
        "baseline", "import", workspace.path("Baselines/smoke.json"), "--db", other,
      ])
      #expect(imported.exitCode == 0, "\(imported.stderr)")
      let printed = try workspace.run(["baseline", "export", "smoke", "--db", other, "--out", "-"])
      #expect(printed.exitCode == 0)
      #expect(printed.stdout == exported)

      let renamed = try workspace.run([
        "baseline", "import", workspace.path("Baselines/smoke.json"), "--name", "copy", "--db",
        other,
      ])
      #expect(renamed.exitCode == 0)
      let list = try workspace.run(["baseline", "list", "--db", other])
      #expect(
        list.stdout.split(separator: "\n").map {
          $0.split(separator: "\t").first.map(String.init) ?? ""
        } == ["copy", "smoke"])
      #expect(try workspace.run(["baseline", "delete", "copy", "--db", other]).exitCode == 0)
      #expect(try workspace.run(["baseline", "delete", "copy", "--db", other]).exitCode == 5)
      #expect(try workspace.run(["baseline", "export", "copy", "--db", other]).exitCode == 5)
      #expect(
        try workspace.run(["baseline", "import", workspace.path("missing.json"), "--db", other])
          .exitCode == 5)
      try Data("{\"format\": 1,".utf8).write(
        to: URL(fileURLWithPath: workspace.path("truncated.json")))
      let truncated = try workspace.run([
        "baseline", "import", workspace.path("truncated.json"), "--db", other,
      ])
      #expect(truncated.exitCode == 65 && truncated.stderr.contains("truncated.json: at byte"))
      let group = try workspace.run(["baseline"])
      #expect(group.exitCode == 64 && group.stderr.contains("baseline save"))
    }
  }
}
