/// A teacher's own value of a metric on a suite's evaluation protocol (same fixed noises and
/// sample count as the students), with EDM's Heun sampler on a Karras grid of `grid` levels: what
/// a rule relative to the teacher resolves against (docs/harness.md, "Targets as rules").
public struct TeacherValue: Codable, Sendable, Hashable, Comparable {
  /// The problem (the setting's dataset).
  public var dataset: String
  /// The teacher kind of the setting (`exact` or `network`).
  public var teacher: String
  /// The teacher's identity (its cache key or exact description) it was measured on.
  public var teacherIdentity: String
  /// The metric's name.
  public var metric: String
  /// Karras grid levels of the Heun sampler (NFE `2 (grid - 1)`).
  public var grid: Int
  /// Samples (the evaluation's `samples`).
  public var samples: Int
  /// The value.
  public var value: Double
  /// Seconds it took to sample and measure (all metrics of the grid together).
  public var seconds: Double

  /// A value from its parts.
  public init(dataset: String, teacher: String, teacherIdentity: String, metric: String, grid: Int, samples: Int, value: Double, seconds: Double) {
    self.dataset = dataset
    self.teacher = teacher
    self.teacherIdentity = teacherIdentity
    self.metric = metric
    self.grid = grid
    self.samples = samples
    self.value = value
    self.seconds = seconds
  }

  /// Orders by dataset, teacher, metric, grid.
  public static func < (a: TeacherValue, b: TeacherValue) -> Bool {
    (a.dataset, a.teacher, a.metric, a.grid, a.teacherIdentity) < (b.dataset, b.teacher, b.metric, b.grid, b.teacherIdentity)
  }
}
