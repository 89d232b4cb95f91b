/// A file of a rendered report: its name (relative to the report directory) and its contents.
/// The renderer never touches the file system; the command line writes these.
public struct ReportFile: Sendable, Hashable {
  /// The file name, e.g. `smoke.md` or `smoke-quality-gmm2d-gmm-ctm-fd-pixels-nfe2.svg`.
  public let name: String
  /// The file's text.
  public let contents: String

  /// A file from its parts.
  public init(name: String, contents: String) {
    self.name = name
    self.contents = contents
  }
}

/// How a report is rendered.
public struct ReportOptions: Sendable, Hashable {
  /// Bootstrap resamples for every interval.
  public var resamples: Int
  /// The coverage of the intervals.
  public var level: Double
  /// Whether to render figures (SVG files linked from the Markdown).
  public var figures: Bool

  /// Options; defaults: 10,000 resamples, 95% intervals, figures on.
  public init(resamples: Int = 10_000, level: Double = 0.95, figures: Bool = true) {
    self.resamples = resamples
    self.level = level
    self.figures = figures
  }
}
