import Harness

/// Renders a suite's results as a Markdown report with SVG figures beside it (docs/harness.md,
/// "Reports"). Pure: the same records give byte-identical files; nothing reads the clock or the
/// file system.
public enum ReportRenderer {
  /// The report of `results` (its selected runs: one per arm and seed) with the comparison
  /// `comparison` if any. The first file is the Markdown (`SUITE.md`), the others are the figures
  /// it links to by relative name.
  public static func render(
    _ results: SuiteResults, comparison: ComparisonRecord? = nil,
    options: ReportOptions = ReportOptions()
  ) -> [ReportFile] {
    let context = ReportContext(results: results, options: options)
    let entries = SpeedUp.table(results, level: options.level, resamples: options.resamples)
    var parts: [String] = [
      HeaderSection.render(context), HeadlineSection.render(context, entries: entries),
      EnvironmentSection.render(context), CaveatSection.render(context),
    ]
    var figures: [ReportFile] = []
    // The long tables are folded (GitHub renders <details>): the answer above is what most
    // readers need.
    let sections: [(render: (ReportContext) -> (String, [ReportFile]), folded: String?)] = [
      ({ SpeedUpSection.render($0, entries: entries) }, nil), (QualitySection.render, nil),
      (GapSection.render, "Consistency gap and jump error per jump"),
      (CoefficientSection.render, "Coefficients A and B of every tabulated jump, with standard errors"),
    ]
    for section in sections {
      let (text, files) = section.render(context)
      parts.append(section.folded.map { fold(text, summary: $0) } ?? text)
      figures += files
    }
    parts.append(ComparisonMarkdown.section(comparison))
    parts.append(IncompleteRunsSection.render(context))
    parts.append(GlossarySection.render(context))
    let markdown = parts.filter { !$0.isEmpty }.joined(separator: "\n\n") + "\n"
    return [ReportFile(name: context.baseName + ".md", contents: markdown)] + figures
  }
}

/// `text` inside a `<details>` block whose summary is `summary` (blank lines around the Markdown
/// so that GitHub renders it).
func fold(_ text: String, summary: String) -> String {
  "<details>\n<summary>\(summary)</summary>\n\n\(text)\n\n</details>"
}

/// What every section needs.
struct ReportContext {
  let results: SuiteResults
  let options: ReportOptions
  /// One run per arm and seed.
  let runs: [RunResult]
  /// The preconditionings present, sorted.
  let preconditionings: [String]
  /// The file-name stem of every file.
  let baseName: String

  init(results: SuiteResults, options: ReportOptions) {
    self.results = results
    self.options = options
    self.runs = results.selectedRuns()
    self.preconditionings = Array(Set(runs.map { $0.run.cell.preconditioning })).sorted()
    self.baseName = FileNames.slug([results.suite.name])
  }

  var settings: [Setting] { Array(Set(runs.map { $0.run.cell.arm.setting })).sorted() }

  func runs(in setting: Setting) -> [RunResult] {
    runs.filter { $0.run.cell.arm.setting == setting }
  }

  func color(_ preconditioning: String) -> String {
    Palette.color(preconditioning, among: preconditionings)
  }

  /// The preconditioning's name as tables show it, marking the reference.
  func label(_ preconditioning: String) -> String {
    Cell.code(preconditioning)
      + (preconditioning == results.suite.referencePreconditioning ? " (reference)" : "")
  }

  /// `arms` with the reference preconditioning first, then by name: the order of every table
  /// and legend.
  func ordered(_ arms: [Arm]) -> [Arm] {
    let reference = results.suite.referencePreconditioning
    return arms.sorted { a, b in
      if a.setting != b.setting { return a.setting < b.setting }
      let (x, y) = (a.preconditioning == reference, b.preconditioning == reference)
      return x != y ? x : a.preconditioning < b.preconditioning
    }
  }

  /// A figure's file name.
  func figureName(_ parts: [String]) -> String { FileNames.slug([baseName] + parts) + ".svg" }
}
