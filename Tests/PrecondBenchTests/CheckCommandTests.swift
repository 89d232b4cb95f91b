import Foundation
import TestSupport
import Testing

@Suite("precond-bench check and compare")
struct CheckCommandTests {
  /// A workspace whose database has a saved baseline `base` of the plain synthetic suite.
  static func withBaseline(_ body: (ResultsWorkspace) throws -> Void) throws {
    try withWorkspace { workspace in
      try workspace.synthesize()
      let save = try workspace.run(["baseline", "save", "base", "--db", workspace.database])
      #expect(save.exitCode == 0, "\(save.stderr)")
      try body(workspace)
    }
  }

  @Test(
    "exit codes: 0 unchanged, 2 regression, 3 diverged, 4 improvement only, 6 spec-hash mismatch",
    arguments: [
      ("baseline", Int32(0)), ("regression", 2), ("diverged", 3), ("improvement", 4),
      ("spec-change", 6),
      ("slower", 0),
    ])
  func exitCodes(scenario: String, expected: Int32) throws {
    try Self.withBaseline { workspace in
      // A fresh candidate database for each scenario, the baseline read from a file.
      let export = try workspace.run([
        "baseline", "export", "base", "--db", workspace.database, "--out",
        workspace.path("base.json"),
      ])
      #expect(export.exitCode == 0)
      let candidate = workspace.path("candidate.sqlite")
      try workspace.synthesize(["--scenario", scenario], database: candidate)
      let summary = workspace.path("summary.md")
      let result = try workspace.run(
        ["check", "--baseline", workspace.path("base.json"), "--db", candidate],
        environment: ["GITHUB_STEP_SUMMARY": summary])
      #expect(result.exitCode == expected, "\(scenario): \(result.stderr)")
      #expect(result.stdout.contains("## precond-bench check: synthetic"))
      #expect(workspace.read("summary.md") == result.stdout + "\n")
    }
  }

  @Test("a missing baseline exits 5; a malformed baseline file exits 65 naming the key")
  func baselineErrors() throws {
    try Self.withBaseline { workspace in
      let missing = try workspace.run(["check", "--baseline", "nope", "--db", workspace.database])
      #expect(missing.exitCode == 5)
      #expect(
        missing.stderr.contains("no baseline 'nope'")
          && missing.stderr.contains("Baselines/nope.json"))
      let missingFile = try workspace.run([
        "check", "--baseline", workspace.path("nope.json"), "--db", workspace.database,
      ])
      #expect(missingFile.exitCode == 5)
      // Baselines/NAME.json beside the working directory is found by name.
      let export = try workspace.run(["baseline", "export", "base", "--db", workspace.database])
      #expect(export.exitCode == 0)
      let text = try #require(workspace.read("Baselines/base.json"))
      try Data(text.replacingOccurrences(of: "\"loss\"", with: "\"lost\"").utf8)
        .write(to: URL(fileURLWithPath: workspace.path("Baselines/broken.json")))
      let other = workspace.path("other.sqlite")
      try workspace.synthesize(database: other)
      let broken = try workspace.run(["check", "--baseline", "broken", "--db", other])
      #expect(broken.exitCode == 65)
      #expect(broken.stderr.contains("Baselines/broken.json: key 'cells."))
      #expect(broken.stderr.contains(".lost': unknown key"))
      let byName = try workspace.run(["check", "--baseline", "base", "--db", other])
      #expect(byName.exitCode == 0, "\(byName.stderr)")
      let usage = try workspace.run(["check", "--db", other])
      #expect(usage.exitCode == 64 && usage.stderr.contains("--baseline"))
    }
  }

  @Test(
    "compare prints every verdict as Markdown or JSON, exits 0, and records the comparison for the report"
  )
  func compare() throws {
    try Self.withBaseline { workspace in
      try workspace.synthesize(["--scenario", "regression"])
      let markdown = try workspace.run([
        "compare", "--baseline", "base", "--db", workspace.database,
      ])
      #expect(markdown.exitCode == 0, "\(markdown.stderr)")
      #expect(markdown.stdout.contains("**Status: regression**"))
      let json = try workspace.run([
        "compare", "--baseline", "base", "--db", workspace.database, "--format", "json",
        "--no-record",
      ])
      #expect(json.exitCode == 0)
      let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
      #expect(object?["status"] as? String == "regression")
      #expect((object?["verdicts"] as? [Any])?.count == 27)
      let report = try workspace.run([
        "report", "--db", workspace.database, "--out", "-", "--resamples", "100",
      ])
      #expect(report.stdout.contains("**Status: regression**"))
      let badFormat = try workspace.run([
        "compare", "--baseline", "base", "--db", workspace.database, "--format", "xml",
      ])
      #expect(badFormat.exitCode == 64)
      let badLevel = try workspace.run([
        "compare", "--baseline", "base", "--db", workspace.database, "--level", "2",
      ])
      #expect(badLevel.exitCode == 64)
    }
  }
}
