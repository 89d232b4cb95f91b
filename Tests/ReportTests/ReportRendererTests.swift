import Foundation
import Harness
import Report
import SyntheticResults
import Testing
import TestSupport

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Collects element names and checks that an SVG parses as XML.
final class SVGChecker: NSObject, XMLParserDelegate {
  var elements: [String: Int] = [:]
  var root: String?
  var texts: [String] = []
  private var inText = false

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    if root == nil { root = elementName }
    elements[elementName, default: 0] += 1
    if elementName == "text" {
      inText = true
      texts.append("")
    }
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName: String?
  ) {
    if elementName == "text" { inText = false }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if inText, !texts.isEmpty { texts[texts.count - 1] += string }
  }

  /// Parses `text`; returns whether it is well-formed.
  static func check(_ text: String) -> (ok: Bool, checker: SVGChecker) {
    let checker = SVGChecker()
    let parser = XMLParser(data: Data(text.utf8))
    parser.delegate = checker
    return (parser.parse(), checker)
  }
}

let options = ReportOptions(resamples: 500)

@Suite("Report rendering")
struct ReportRendererTests {
  @Test("re-rendering the same records gives byte-identical files")
  func deterministic() {
    let results = SyntheticResults(scenario: .diverged).results()
    let first = ReportRenderer.render(results, options: options)
    let second = ReportRenderer.render(
      SyntheticResults(scenario: .diverged).results(), options: options)
    #expect(first == second)
    #expect(first.first?.name == "synthetic.md")
    #expect(first.count > 1)
  }

  @Test(
    "every figure is well-formed SVG with axes, ticks, units and a legend, and is linked from the Markdown"
  )
  func figures() throws {
    let files = ReportRenderer.render(SyntheticResults().results(), options: options)
    let markdown = try #require(files.first).contents
    for file in files.dropFirst() {
      #expect(file.name.hasSuffix(".svg"))
      #expect(
        file.name.allSatisfy {
          $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".")
        })
      let (ok, checker) = SVGChecker.check(file.contents)
      #expect(ok, "\(file.name) is not well-formed XML")
      #expect(checker.root == "svg")
      #expect((checker.elements["polyline"] ?? 0) >= 3, "\(file.name): lines")
      #expect((checker.elements["line"] ?? 0) >= 10, "\(file.name): axes and ticks")
      #expect(checker.texts.contains { $0.contains("ctm") }, "\(file.name): legend")
      #expect(markdown.contains("](\(file.name))"), "\(file.name) is not linked")
    }
    let quality = try #require(
      files.first { $0.name.contains("quality") && $0.name.hasSuffix("fd-pixels-nfe2.svg") })
    let (_, checker) = SVGChecker.check(quality.contents)
    #expect(checker.elements["polygon"] ?? 0 >= 3, "seed bands")
    #expect(checker.texts.contains("training step"))
    #expect(checker.texts.contains { $0.contains("target <= 0.6") })
    #expect(checker.texts.contains { $0.contains("not FID") })
    let coefficients = try #require(files.first { $0.name.contains("coefficient-b") })
    #expect(
      SVGChecker.check(coefficients.contents).checker.texts.contains { $0.contains("flagged") })
  }

  @Test("tick labels use one notation: whole numbers in full, bare exponents (no 1e+04, no 2e-05)")
  func tickNotation() throws {
    // 40000 steps: the step axis ticks at 10000, 20000, ... which %g would print as 1e+04.
    let files = ReportRenderer.render(
      SyntheticResults(evaluations: 8, evalEvery: 5000).results(), options: options)
    var ticks: [String] = []
    for file in files.dropFirst() {
      let texts = SVGChecker.check(file.contents).checker.texts
      for text in texts where text.first.map({ $0.isNumber || $0 == "-" }) == true && !text.contains(" ") {
        ticks.append(text)
        #expect(!text.contains("e+"), "\(file.name): tick \(text)")
        #expect(!text.contains("e0") && !text.contains("e-0"), "\(file.name): tick \(text)")
      }
    }
    #expect(ticks.contains("10000") || ticks.contains("20000"), "step ticks: \(Set(ticks).sorted())")
  }

  @Test("the Markdown states what the metrics are not, and shows every section")
  func sections() throws {
    let markdown = try #require(
      ReportRenderer.render(SyntheticResults(scenario: .diverged).results(), options: options).first
    )
    .contents
    for heading in [
      "# PrecondBench report: `synthetic`", "## Environment", "## Read this first",
      "## Speed-up to quality targets",
      "## Final quality", "## Consistency gap", "## Coefficients", "## Baseline comparison",
      "## Runs that did not complete",
    ] {
      #expect(markdown.contains(heading), "missing \(heading)")
    }
    #expect(markdown.contains("**Not FID.**"))
    #expect(
      markdown.contains("Inception weights cannot be shipped")
        || markdown.contains("weights cannot be shipped"))
    #expect(markdown.contains("**MSE, not LPIPS.**"))
    #expect(markdown.contains("**Analytic-Precond is a reconstruction.**"))
    #expect(markdown.contains("**Synthetic results.**"))
    #expect(markdown.contains("Synthetic CPU @ 3.0GHz"))
    #expect(markdown.contains("**flagged**"))
    #expect(markdown.contains("| `ctm` (reference) | 3/3 |"))
    #expect(markdown.contains("diverged"))
    // Without Analytic-Precond runs there is no reconstruction note.
    let plain = try #require(
      ReportRenderer.render(
        SyntheticResults(preconditionings: ["edm", "ctm"]).results(), options: options
      ).first
    ).contents
    #expect(!plain.contains("Analytic-Precond is a reconstruction"))
  }

  @Test(
    "speed-ups: about 2 for analytic over ctm; a preconditioning slower than the reference is reported as such"
  )
  func speedUps() throws {
    let markdown = try #require(
      ReportRenderer.render(SyntheticResults().results(), options: options).first
    ).contents
    #expect(markdown.contains("| `analytic` | 3/3 | 150 [150, 150] | 1.667 [1.667, 1.667] |"))
    // With analytic as the reference, ctm loses, and the report says so.
    let losing = try #require(
      ReportRenderer.render(
        SyntheticResults(preconditionings: ["analytic", "ctm"]).results(), options: options
      ).first
    ).contents
    #expect(losing.contains("| `ctm` | 3/3 | 250 [250, 250] | 0.6 [0.6, 0.6] |"))
    #expect(
      losing.contains(
        "- `ctm` (steps): faster than `analytic` on 0 of 2 targets; slower on 2 (0.6x); not distinguishable on 0."),
      "\(losing.prefix(3000))")
    // The answer comes first: the compact table and one sentence per preconditioning, before
    // the environment and the detailed tables (folded).
    let answer = try #require(markdown.range(of: "## The answer"))
    let environment = try #require(markdown.range(of: "## Environment"))
    #expect(answer.lowerBound < environment.lowerBound)
    #expect(markdown.contains("| fd-pixels (NFE 2) <= 0.6 | 250 [250, 250] | steps 1.7x [1.7, 1.7]<br>CPU 1.6x [1.6, 1.8] |"),
      "\(markdown.prefix(3000))")
    #expect(markdown.contains("- `analytic` (steps): faster than `ctm` on 2 of 2 targets (1.7x); slower on 0; not distinguishable on 0. Never slower."))
    #expect(markdown.contains("<details>\n<summary>Per-target tables"))
    #expect(markdown.contains("steps diverged") == false)
  }

  @Test("the comparison section and the verdict Markdown")
  func comparison() throws {
    let created = Timestamp(secondsSinceEpoch: 1_795_000_000)
    let baseline = BaselineBuilder.make(
      name: "smoke", created: created, results: SyntheticResults().results())
    let candidate = SyntheticResults(scenario: .regression).results()
    let comparison = Comparison.compare(candidate: candidate, baseline: baseline, created: created)
    let text = ComparisonMarkdown.render(comparison)
    #expect(text.contains("**Status: regression**"))
    #expect(text.contains("| **regression** |"))
    // Regressions come first in the verdict table.
    let rows = text.split(separator: "\n").filter {
      $0.hasPrefix("| ") && !$0.hasPrefix("| Outcome") && !$0.hasPrefix("| ---")
    }
    #expect(rows.first?.hasPrefix("| **regression**") == true)
    let report = try #require(
      ReportRenderer.render(candidate, comparison: comparison, options: options).first
    ).contents
    #expect(report.contains("**Status: regression**"))
    let changed = Comparison.compare(
      candidate: SyntheticResults(scenario: .specChange).results(), baseline: baseline,
      created: created)
    #expect(
      ComparisonMarkdown.render(changed).contains("### Not comparable: configuration changed"))
  }

  @Test("a suite with no runs renders without figures")
  func empty() {
    let suite = SyntheticResults().suite
    let files = ReportRenderer.render(SuiteResults(suite: suite, runs: []), options: options)
    #expect(files.count == 1)
    #expect(files[0].contents.contains("No runs recorded."))
  }
}
