import Foundation
import Harness
import Report
import SyntheticResults
import Testing

@Suite("Report glossary")
struct GlossarySectionTests {
  /// The Markdown of a rendered report.
  static func markdown(_ results: SuiteResults) throws -> String {
    try #require(ReportRenderer.render(results, options: ReportOptions(resamples: 200)).first).contents
  }

  @Test("every report ends with a glossary that defines every metric it shows and cites docs/math.md in-repo")
  func glossary() throws {
    let results = SyntheticResults(scenario: .diverged).results()
    let text = try Self.markdown(results)
    let start = try #require(text.range(of: "\n## Glossary\n"))
    let glossary = String(text[start.lowerBound...])
    // Near the end: after every other section, including the comparison and incomplete runs.
    for heading in ["## Baseline comparison", "## Runs that did not complete", "## Coefficients"] {
      let other = try #require(text.range(of: heading), "missing \(heading)")
      #expect(other.lowerBound < start.lowerBound, "\(heading) comes after the glossary")
    }
    let shown = Set(QualitySummary.metricKeys(results.selectedRuns()).map { $0.name })
    #expect(!shown.isEmpty)
    let required = shown.union([
      "sw2", "fd-pixels", "fd-randconv", "alignment", "alignment-final", "consistency-loss",
    ])
    for metric in required {
      let name = metric.hasSuffix("-full") ? String(metric.dropLast(5)) : metric
      #expect(glossary.contains("- **`\(name)`**:"), "no glossary line for \(metric)")
    }
    for term in [
      "**NFE**", "**exact teacher**", "**network teacher**", "**`l`, `s`**", "**gap**", "**jump error**",
      "**speed-up**", "**resolution**", "above 1 = faster", "squared data units",
    ] {
      #expect(glossary.contains(term), "no glossary entry \(term)")
    }
    #expect(glossary.contains("docs/math.md section 5") && glossary.contains("docs/math.md section 6"))
    #expect(!glossary.contains("../"), "the glossary points outside the repository")
    // One line per term, each citing where it is defined.
    let lines = glossary.split(separator: "\n").filter { $0.hasPrefix("- **") }
    #expect(lines.count >= 15)
    #expect(lines.allSatisfy { $0.contains("docs/math.md section") || $0.contains("docs/harness.md") })
  }

  @Test("a report without runs still has the glossary")
  func emptyReport() throws {
    let text = try Self.markdown(SuiteResults(suite: SyntheticResults().suite, runs: []))
    #expect(text.contains("## Glossary"))
  }
}
