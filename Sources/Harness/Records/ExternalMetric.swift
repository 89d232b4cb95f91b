/// A metric computed outside PrecondBench (e.g. FID by pytorch-fid on the samples that
/// `precond-bench samples` exported) and recorded with `precond-bench metric import` for one
/// evaluation of a run. Reports and exports show it as external, with its source; it never
/// enters comparisons, baselines or targets.
public struct ExternalMetric: Codable, Sendable, Hashable {
  /// The evaluated step it belongs to (the run's final one unless `--step` said otherwise).
  public var step: Int
  /// The metric's name, e.g. `fid`.
  public var name: String
  /// The NFE of the sampler the samples were drawn with.
  public var nfe: Int
  /// The value.
  public var value: Double
  /// Where it comes from (tool, version, reference statistics, sample count), as given.
  public var source: String
  /// When it was recorded.
  public var recordedAt: Timestamp

  /// A value from its parts.
  public init(step: Int, name: String, nfe: Int, value: Double, source: String, recordedAt: Timestamp) {
    self.step = step
    self.name = name
    self.nfe = nfe
    self.value = value
    self.source = source
    self.recordedAt = recordedAt
  }

  /// Whether `name` is an acceptable external metric name: 1 to 64 characters from ASCII
  /// letters, digits, `.`, `_` and `-`.
  public static func isValidName(_ name: String) -> Bool {
    (1...64).contains(name.count)
      && name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
      }
  }
}
