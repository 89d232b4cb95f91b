import Foundation
import TestSupport
import Testing

@Suite("precond-bench report")
struct ReportCommandTests {
  @Test(
    "writes Reports/SUITE.md and its figures; rendering again gives the same bytes; '-' prints Markdown"
  )
  func writesReport() throws {
    try withWorkspace { workspace in
      try workspace.synthesize(["--scenario", "diverged"])
      let first = try workspace.run(["report", "--db", workspace.database, "--resamples", "300"])
      #expect(first.exitCode == 0, "\(first.stderr)")
      let names = try FileManager.default.contentsOfDirectory(atPath: workspace.path("Reports"))
        .sorted()
      #expect(names.contains("synthetic.md"))
      #expect(names.filter { $0.hasSuffix(".svg") }.count == 6)
      let contents = names.map { workspace.read("Reports/\($0)") }
      let again = try workspace.run([
        "report", "synthetic", "--db", workspace.database, "--resamples", "300",
      ])
      #expect(again.exitCode == 0)
      #expect(names.map { workspace.read("Reports/\($0)") } == contents)
      let stdout = try workspace.run([
        "report", "--db", workspace.database, "--resamples", "300", "--out", "-",
      ])
      #expect(stdout.exitCode == 0)
      #expect(stdout.stdout.hasPrefix("# PrecondBench report: `synthetic`"))
      #expect(!stdout.stdout.contains(".svg)"))
      // With the database named by the environment and another directory.
      let environment = try workspace.run(
        ["report", "--out", workspace.path("elsewhere"), "--resamples", "300"],
        environment: ["PRECOND_BENCH_DB": workspace.database])
      #expect(environment.exitCode == 0)
      #expect(
        workspace.read("elsewhere/synthetic.md")
          == contents[names.firstIndex(of: "synthetic.md") ?? 0])
    }
  }

  @Test("rendering again removes the figures the old report linked to and the new one does not, and only those")
  func removesStaleFigures() throws {
    try withWorkspace { workspace in
      try workspace.synthesize(["--scenario", "diverged"])
      let first = try workspace.run(["report", "--db", workspace.database, "--resamples", "300"])
      #expect(first.exitCode == 0, "\(first.stderr)")
      let svgs = {
        try FileManager.default.contentsOfDirectory(atPath: workspace.path("Reports"))
          .filter { $0.hasSuffix(".svg") }.sorted()
      }
      let figures = try svgs()
      #expect(figures.count == 6)
      // Another report's figure sharing the prefix, which no synthetic.md links to.
      let other = "synthetic-long-quality.svg"
      try Data("<svg/>".utf8).write(to: URL(fileURLWithPath: workspace.path("Reports/\(other)")))
      let bare = try workspace.run(["report", "--db", workspace.database, "--resamples", "300", "--no-figures"])
      #expect(bare.exitCode == 0, "\(bare.stderr)")
      #expect(bare.stderr.contains("removed 6 figure(s)"), "\(bare.stderr)")
      #expect(try svgs() == [other])
      #expect(workspace.read("Reports/synthetic.md")?.contains(".svg") == false)
      let again = try workspace.run(["report", "--db", workspace.database, "--resamples", "300"])
      #expect(again.exitCode == 0 && !again.stderr.contains("removed"), "\(again.stderr)")
      #expect(try svgs() == (figures + [other]).sorted())
    }
  }

  @Test("missing, corrupt and ambiguous databases are clear errors")
  func errors() throws {
    try withWorkspace { workspace in
      let missing = try workspace.run(["report", "--db", workspace.path("none.sqlite")])
      #expect(missing.exitCode == 65)
      #expect(missing.stderr.contains("none.sqlite: no results database here"))
      #expect(!FileManager.default.fileExists(atPath: workspace.path("none.sqlite")))
      // The default path, relative to the working directory.
      let fallback = try workspace.run(["report"])
      #expect(fallback.exitCode == 65 && fallback.stderr.contains(".precond-bench/results.sqlite"))

      let corrupt = workspace.path("corrupt.sqlite")
      let garbage = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
      try garbage.write(to: URL(fileURLWithPath: corrupt))
      let result = try workspace.run(["report", "--db", corrupt])
      #expect(result.exitCode == 65)
      #expect(result.stderr.contains(corrupt))
      #expect(result.stderr.contains("not a usable results database"))
      #expect(FileManager.default.contents(atPath: corrupt) == garbage)

      try workspace.synthesize(["--suite", "one"])
      try workspace.synthesize(["--suite", "two"])
      let ambiguous = try workspace.run(["report", "--db", workspace.database])
      #expect(ambiguous.exitCode == 64)
      #expect(ambiguous.stderr.contains("one, two"))
      let unknown = try workspace.run(["report", "three", "--db", workspace.database])
      #expect(unknown.exitCode == 65 && unknown.stderr.contains("no results for suite 'three'"))
      let help = try workspace.run(["report", "--help"])
      #expect(help.exitCode == 0 && help.stdout.contains("EXIT CODES"))
    }
  }
}
