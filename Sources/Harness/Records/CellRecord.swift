/// One cell of a suite: a (dataset, teacher, method, preconditioning, seed) with its whole
/// configuration (so that any number in a report can be rerun from it).
///
/// `specHash` covers everything that determines the cell's numbers (the dataset's content hash
/// and the seed included, as the runner's `CellSpecification.specHash`). A comparison pairs a
/// candidate cell only with the baseline cell of the same spec hash and seed, then pools the
/// paired seeds of each arm for its rank test. A cell is identified by (suite, specHash, seed).
public struct CellRecord: Codable, Sendable, Hashable {
  /// The suite's name.
  public var suite: String
  /// The dataset's name as the suite spells it.
  public var dataset: String
  /// The teacher's name as the suite spells it.
  public var teacher: String
  /// The distillation method: `cd` or `ctm`.
  public var method: String
  /// The preconditioning: `edm`, `ctm`, `analytic`, `analytic-backward`, `analytic-l`.
  public var preconditioning: String
  /// The seed (pre-registered in the suite).
  public var seed: Int
  /// The hash of the configuration (seed included).
  public var specHash: String
  /// The full configuration (seed included) as canonical JSON.
  public var configuration: String

  /// A cell from its parts.
  public init(
    suite: String, dataset: String, teacher: String, method: String, preconditioning: String,
    seed: Int, specHash: String, configuration: String
  ) {
    self.suite = suite
    self.dataset = dataset
    self.teacher = teacher
    self.method = method
    self.preconditioning = preconditioning
    self.seed = seed
    self.specHash = specHash
    self.configuration = configuration
  }

  /// The arm the cell belongs to (the cell without its seed).
  public var arm: Arm {
    Arm(dataset: dataset, teacher: teacher, method: method, preconditioning: preconditioning)
  }
}

/// A (dataset, teacher, method): the setting in which preconditionings are compared.
public struct Setting: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The dataset's name.
  public var dataset: String
  /// The teacher's name.
  public var teacher: String
  /// `cd` or `ctm`.
  public var method: String

  /// A setting from its parts.
  public init(dataset: String, teacher: String, method: String) {
    self.dataset = dataset
    self.teacher = teacher
    self.method = method
  }

  /// `dataset / teacher / METHOD`.
  public var description: String { "\(dataset) / \(teacher) / \(method.uppercased())" }

  /// Orders by dataset, teacher, method.
  public static func < (a: Setting, b: Setting) -> Bool {
    (a.dataset, a.teacher, a.method) < (b.dataset, b.teacher, b.method)
  }
}

/// A (dataset, teacher, method, preconditioning): all seeds of one configuration.
public struct Arm: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The dataset's name.
  public var dataset: String
  /// The teacher's name.
  public var teacher: String
  /// `cd` or `ctm`.
  public var method: String
  /// The preconditioning's name.
  public var preconditioning: String

  /// An arm from its parts.
  public init(dataset: String, teacher: String, method: String, preconditioning: String) {
    self.dataset = dataset
    self.teacher = teacher
    self.method = method
    self.preconditioning = preconditioning
  }

  /// The setting the arm belongs to.
  public var setting: Setting { Setting(dataset: dataset, teacher: teacher, method: method) }

  /// `dataset / teacher / METHOD / preconditioning`.
  public var description: String { "\(setting) / \(preconditioning)" }

  /// Orders by setting, then preconditioning.
  public static func < (a: Arm, b: Arm) -> Bool {
    (a.dataset, a.teacher, a.method, a.preconditioning)
      < (b.dataset, b.teacher, b.method, b.preconditioning)
  }
}
