import Foundation
import TestSupport
import Testing

@Suite("precond-bench metric import")
struct MetricImportCommandTests {
  static func importing(_ run: String, _ extra: [String] = [], value: String = "12.5", in workspace: ResultsWorkspace) throws
    -> CommandResult
  {
    try workspace.run(["metric", "import", run, "--name", "fid", "--nfe", "2", "--value", value,
      "--source", "pytorch-fid 0.3.0, 300 samples", "--db", workspace.database] + extra)
  }

  /// The runs of `export` (JSON, with timings) in the workspace's database.
  static func exportedRuns(_ workspace: ResultsWorkspace, _ extra: [String] = []) throws -> [[String: Any]] {
    let export = try workspace.run(["export", "--db", workspace.database] + extra)
    #expect(export.exitCode == 0, "\(export.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any]
    return (object?["runs"] as? [[String: Any]]) ?? []
  }

  @Test("an imported metric round-trips through export (JSON and CSV) as external; re-importing replaces it")
  func roundTrip() throws {
    try withWorkspace { workspace in
      try workspace.synthesize(["--seeds", "1", "--evaluations", "3"])
      let before = try Self.exportedRuns(workspace)
      let first = try #require(before.first)
      let id = try #require((first["run"] as? [String: Any])?["id"] as? Int)
      let steps = ((first["evaluations"] as? [[String: Any]]) ?? []).compactMap { $0["step"] as? Int }
      #expect(steps.count == 3 && (first["externalMetrics"] as? [Any])?.isEmpty == true)

      let result = try Self.importing("\(id)", in: workspace)
      #expect(result.exitCode == 0, "\(result.stderr)")
      #expect(result.stdout.contains("external fid (NFE 2) = 12.5"))
      #expect(try Self.importing("\(id)", ["--step", "\(steps[0])", "--name", "fid-early"], value: "30", in: workspace).exitCode == 0)

      let after = try Self.exportedRuns(workspace, ["--without-timings"])
      let external = try #require(after.first?["externalMetrics"] as? [[String: Any]])
      #expect(external.count == 2)
      let final = try #require(external.first { $0["name"] as? String == "fid" })
      #expect(final["step"] as? Int == steps.last && final["nfe"] as? Int == 2 && final["value"] as? Double == 12.5)
      #expect(final["source"] as? String == "pytorch-fid 0.3.0, 300 samples" && final["recordedAt"] == nil)
      #expect(external.contains { $0["name"] as? String == "fid-early" && $0["step"] as? Int == steps[0] })
      // Other runs are untouched.
      #expect(after.dropFirst().allSatisfy { ($0["externalMetrics"] as? [Any])?.isEmpty == true })
      let timed = try Self.exportedRuns(workspace)
      #expect((timed.first?["externalMetrics"] as? [[String: Any]])?.first?["recordedAt"] is String)

      let csv = try workspace.run(["export", "--db", workspace.database, "--format", "csv", "--without-timings"])
      let rows = csv.stdout.split(separator: "\n").filter { $0.contains("external: ") }
      #expect(rows.count == 2, "\(csv.stdout.prefix(2000))")
      #expect(rows.contains { $0.contains(",fid,2,12.5,\"external: pytorch-fid 0.3.0, 300 samples\"") }, "\(rows)")
      #expect(csv.stdout.split(separator: "\n").dropFirst().filter { $0.hasSuffix(",harness") }.count > 0)

      // Importing again replaces the value.
      let again = try Self.importing("\(id)", value: "11", in: workspace)
      #expect(again.exitCode == 0 && again.stdout.contains("replacing"), "\(again.stdout)")
      let replaced = try Self.exportedRuns(workspace, ["--without-timings"])
      let values = (replaced.first?["externalMetrics"] as? [[String: Any]])?.filter { $0["name"] as? String == "fid" }
      #expect(values?.count == 1 && values?.first?["value"] as? Double == 11)
    }
  }

  @Test("a missing run, database or step is 65; malformed options are 64; each error names what is wrong")
  func errors() throws {
    try withWorkspace { workspace in
      try workspace.synthesize(["--seeds", "1", "--evaluations", "2"])
      let missingRun = try Self.importing("999", in: workspace)
      #expect(missingRun.exitCode == 65 && missingRun.stderr.contains("no run 999"), "\(missingRun.stderr)")
      let missingCell = try Self.importing("nowhere/ctm/ctm/seed1", in: workspace)
      #expect(missingCell.exitCode == 65 && missingCell.stderr.contains("nowhere/ctm/ctm/seed1"), "\(missingCell.stderr)")
      let badStep = try Self.importing("1", ["--step", "7777"], in: workspace)
      #expect(badStep.exitCode == 65 && badStep.stderr.contains("step 7777"), "\(badStep.stderr)")
      let noDatabase = try workspace.run(["metric", "import", "1", "--name", "fid", "--nfe", "1", "--value", "1", "--source", "x",
        "--db", "none.sqlite"])
      #expect(noDatabase.exitCode == 65 && noDatabase.stderr.contains("none.sqlite"), "\(noDatabase.stderr)")
      for (extra, option) in [(["--name", "f i d"], "--name"), (["--nfe", "0"], "--nfe"), (["--source", " "], "--source")] {
        let result = try Self.importing("1", extra, in: workspace)
        #expect(result.exitCode == 64 && result.stderr.contains(option), "\(extra): \(result.stderr)")
      }
      let nan = try Self.importing("1", value: "nan", in: workspace)
      #expect(nan.exitCode == 64 && nan.stderr.contains("--value"), "\(nan.stderr)")
      // Nothing was recorded by the failures.
      #expect(try Self.exportedRuns(workspace).allSatisfy { ($0["externalMetrics"] as? [Any])?.isEmpty == true })
    }
  }

  @Test("--help of samples and metric import: usage with examples")
  func help() throws {
    for command in [["samples"], ["metric", "import"]] {
      let result = try CommandRunner.run(command + ["--help"])
      #expect(result.exitCode == 0 && result.stdout.contains("USAGE: precond-bench \(command.joined(separator: " "))")
        && result.stdout.contains("EXAMPLES:"), "\(result.stdout)")
    }
    let group = try CommandRunner.run(["metric"])
    #expect(group.exitCode == 64 && group.stderr.contains("metric import"))
  }
}
