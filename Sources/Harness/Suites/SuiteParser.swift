import CanonicalJSON
import Distillation
import Foundation
import NeuralNet

/// Parses suite files strictly: every key is known, every value checked, and an error names the
/// file and key path and says what to do (docs/harness.md, "Suites, cells and runs": unknown keys
/// and impossible values are errors that name the key and the file).
public enum SuiteParser {
  static let remedy = "fix the suite file (see README.md, \"Adding a suite\")"

  /// The metrics a suite may request.
  public static let knownMetrics = ["sw2", "fd-pixels", "fd-randconv", "alignment", "fd-effnet", "fd-inception"]

  /// Parses the suite at `path`; the name is the file stem.
  public static func parse(path: String) throws -> SuiteSpecification {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw RecordFormatError(file: path, keyPath: nil, message: "cannot read the suite file",
        remedy: "check the path, or run `precond-bench suites` to list the suites")
    }
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    return try parse(bytes: Array(data), name: name, file: path)
  }

  /// Parses suite JSON text.
  public static func parse(bytes: [UInt8], name: String, file: String) throws -> SuiteSpecification {
    let value = try JSONValue.parse(bytes: bytes, file: file, remedy: remedy)
    var root = try JSONObjectReader(value, file: file, remedy: remedy)
    let description = try root.string("description")
    let problemValues = try root.array("problems")
    guard !problemValues.isEmpty else { throw root.failure("problems", "needs at least one problem") }
    var problems = [ProblemSpecification]()
    for (i, element) in problemValues.enumerated() {
      var reader = try root.element("problems", i, element)
      problems.append(try problem(&reader))
      try reader.finish()
    }
    if Set(problems.map { $0.name }).count != problems.count {
      throw root.failure("problems", "problem names must be unique")
    }
    var methodsReader = try root.object("methods")
    var arms = [MethodArms]()
    for method in DistillationMethod.allCases {
      guard let list = methodsReader.optionalValue(method.rawValue) else { continue }
      guard case .array(let names) = list, !names.isEmpty else {
        throw methodsReader.failure(method.rawValue, "expected a non-empty array of preconditioning names")
      }
      var preconditionings = [Preconditioning]()
      for name in names {
        guard case .string(let text) = name else { throw methodsReader.failure(method.rawValue, "expected preconditioning names (strings)") }
        let p: Preconditioning
        do { p = try Preconditioning.parse(text) } catch { throw methodsReader.failure(method.rawValue, "\(error)") }
        guard method.admits(p) else {
          throw methodsReader.failure(method.rawValue,
            "'edm' is for CD only: on trajectories EDM's coefficients extended to jumps are exactly 'ctm' (docs/math.md section 3); use 'ctm'")
        }
        guard !preconditionings.contains(p) else { throw methodsReader.failure(method.rawValue, "'\(text)' is listed twice") }
        preconditionings.append(p)
      }
      arms.append(MethodArms(method: method, preconditionings: preconditionings))
    }
    try methodsReader.finish()
    guard !arms.isEmpty else { throw root.failure("methods", "needs \"cd\" and/or \"ctm\" with preconditionings") }
    let referenceText = try root.string("reference")
    let reference: Preconditioning
    do { reference = try Preconditioning.parse(referenceText) } catch { throw root.failure("reference", "\(error)") }
    for arm in arms where !arm.preconditionings.contains(reference) {
      throw root.failure("reference", "'\(referenceText)' is not run with \(arm.method.rawValue); every method needs its reference")
    }
    var studentReader = try root.object("student")
    let student = try studentSpecification(&studentReader)
    try studentReader.finish()
    // The MLP works on flat vectors (the 2-D mixtures), the U-Net on images: the other way round
    // a trainer precondition would stop the process instead of naming the key.
    for problem in problems {
      let teacherNetwork: NetworkChoice?
      if case .network(let teacher) = problem.teacher { teacherNetwork = teacher.network } else { teacherNetwork = nil }
      for (key, network) in [("student.network.kind", student.network)] + (teacherNetwork.map { [("problems[\(problem.name)].teacher.network.kind", $0)] } ?? []) {
        switch (network, problem.data.isImages) {
        case (.mlp, true):
          throw RecordFormatError(file: file, keyPath: key, message: "an mlp cannot model the images of problem '\(problem.name)': use \"unet\"", remedy: remedy)
        case (.unet, false):
          throw RecordFormatError(file: file, keyPath: key, message: "a unet needs image data; problem '\(problem.name)' is not images: use \"mlp\"", remedy: remedy)
        default:
          continue
        }
      }
    }
    var trainingReader = try root.object("training")
    let training = try trainingSpecification(&trainingReader)
    try trainingReader.finish()
    var statisticsReader = try root.object("statistics")
    let statistics = try statisticsConfiguration(&statisticsReader)
    try statisticsReader.finish()
    var evaluationReader = try root.object("evaluation")
    let evaluation = try evaluationSpecification(&evaluationReader, problems: problems)
    try evaluationReader.finish()
    var targets = [TargetRule]()
    for (i, element) in try root.array("targets").enumerated() {
      let reader = try root.element("targets", i, element)
      let rule = try TargetRule(json: element, path: reader.path, file: file, remedy: remedy)
      let metric = rule.metric
      guard (knownMetrics + ["alignment-final"]).contains(metric) else {
        throw reader.failure("metric", "unknown metric '\(metric)' (valid: \((knownMetrics + ["alignment-final"]).joined(separator: ", ")))")
      }
      if metric == "fd-effnet" || metric == "fd-inception" {
        throw reader.failure("metric", "\(metric) is measured at the final evaluation only (when its weights are prepared), so it cannot be a target")
      }
      let requested = metric == "alignment-final" ? "alignment" : metric
      guard evaluation.metrics.contains(requested) else {
        throw reader.failure("metric", "'\(metric)' is a target but evaluation.metrics does not measure it")
      }
      let nfe = rule.nfe
      guard evaluation.nfe.contains(nfe) else { throw reader.failure("nfe", "\(nfe) is not in evaluation.nfe \(evaluation.nfe)") }
      if rule.relativeTo == .teacher, metric.hasPrefix("alignment") {
        throw reader.failure("relativeTo", "the teacher's alignment with itself is 0: a teacher rule needs a distribution metric (sw2, fd-pixels, fd-randconv)")
      }
      targets.append(rule)
    }
    let seedValues = try root.array("seeds")
    var seeds = [Int]()
    for value in seedValues {
      guard case .integer(let n) = value, n >= 0, let seed = Int(exactly: n) else { throw root.failure("seeds", "expected non-negative integers") }
      seeds.append(seed)
    }
    guard !seeds.isEmpty, Set(seeds).count == seeds.count else { throw root.failure("seeds", "needs at least one seed, no repeats") }
    let checkpointEvery = try root.optionalInteger("checkpointEvery") ?? evaluation.every
    guard checkpointEvery >= 1, checkpointEvery % evaluation.every == 0 else {
      throw root.failure("checkpointEvery", "must be a positive multiple of evaluation.every (\(evaluation.every)), so that a resumed run restarts at an evaluation")
    }
    if case .steps(let steps) = evaluation.schedule, let beyond = steps.first(where: { $0 > training.steps }) {
      throw root.failure("evaluation.schedule", "step \(beyond) is beyond training.steps (\(training.steps))")
    }
    if student.initialization == .teacher {
      for problem in problems {
        if case .network(let teacher) = problem.teacher, teacher.network != student.network {
          throw root.failure("student.network", "must equal the network of teacher '\(problem.name)' when students start from the teacher (initialization: teacher)")
        }
      }
    }
    try root.finish()
    return SuiteSpecification(name: name, description: description, problems: problems, arms: arms, reference: reference,
      student: student, training: training, statistics: statistics, evaluation: evaluation, targets: targets, seeds: seeds,
      checkpointEvery: checkpointEvery)
  }

  static func positive(_ reader: inout JSONObjectReader, _ key: String) throws -> Int {
    let value = try reader.integer(key)
    guard value >= 1 else { throw reader.failure(key, "must be >= 1, got \(value)") }
    return try bounded(reader, key, value)
  }

  /// The largest value of each size key: far above any real suite, low enough that a typo (an
  /// extra zero or three) is an error naming the key instead of an allocation that aborts or a
  /// run that never ends. Keys not listed are bounded by `defaultUpperBound`.
  static let upperBounds: [String: Int] = [
    "count": 10_000_000, "limit": 10_000_000, "components": 10_000, "side": 1_000, "dimension": 100_000,
    "resolution": 1_024, "batchSize": 65_536, "samples": 1_000_000, "referenceSamples": 1_000_000,
    "alignmentSamples": 1_000_000, "gapSamples": 1_000_000, "gapGrid": 64, "gridCount": 10_000, "lambdaCount": 10_000,
    "samplesPerPoint": 1_000_000, "hutchinsonProbes": 1_024, "baseWidth": 4_096, "embeddingFeatures": 4_096,
    "conditioningWidth": 4_096, "hiddenWidths": 65_536,
  ]
  /// The bound of keys not in `upperBounds` (steps, every, checkpointEvery, ...).
  static let defaultUpperBound = 100_000_000

  /// `value`, or an error naming `key` when it exceeds its upper bound.
  static func bounded(_ reader: JSONObjectReader, _ key: String, _ value: Int) throws -> Int {
    let limit = upperBounds[key] ?? defaultUpperBound
    guard value <= limit else { throw reader.failure(key, "must be at most \(limit), got \(value)") }
    return value
  }

  static func positiveNumber(_ reader: inout JSONObjectReader, _ key: String) throws -> Double {
    let value = try reader.number(key)
    guard value > 0 && value.isFinite else { throw reader.failure(key, "must be a positive number, got \(value)") }
    return value
  }

  static func problem(_ reader: inout JSONObjectReader) throws -> ProblemSpecification {
    let name = try reader.string("name")
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
      throw reader.failure("name", "use letters, digits, '-' and '_'")
    }
    var data = try reader.object("data")
    let kind = try data.string("kind")
    let spec: DataSpecification
    switch kind {
    case "ring":
      spec = .ring(components: try positive(&data, "components"), radius: try positiveNumber(&data, "radius"),
        variance: try positiveNumber(&data, "variance"), count: try positive(&data, "count"))
    case "grid":
      spec = .grid(side: try positive(&data, "side"), spacing: try positiveNumber(&data, "spacing"),
        variance: try positiveNumber(&data, "variance"), count: try positive(&data, "count"))
    case "mixture":
      let offset = try data.optionalNumber("offset") ?? 0
      guard offset.isFinite else { throw data.failure("offset", "must be finite") }
      let dimension = try positive(&data, "dimension"), count = try positive(&data, "count")
      guard count * dimension <= 100_000_000 else {
        throw data.failure("count", "count x dimension (\(count) x \(dimension)) must be at most 100000000 values")
      }
      spec = .mixture(dimension: dimension, components: try positive(&data, "components"),
        radius: try positiveNumber(&data, "radius"), variance: try positiveNumber(&data, "variance"), offset: offset,
        mixtureSeed: try data.optionalInteger("mixtureSeed") ?? 0, count: count)
    case "fashion-mnist", "cifar10", "npy":
      let source = ImageSource(rawValue: kind) ?? .npy
      let path = try data.optionalString("path") ?? source.defaultPath
      let resolution = try positive(&data, "resolution")
      var classes: [Int]? = nil
      if let list = data.optionalValue("classes") {
        guard case .array(let items) = list else { throw data.failure("classes", "expected an array of class indices") }
        classes = try items.map { item -> Int in
          guard case .integer(let n) = item, n >= 0, let c = Int(exactly: n) else { throw data.failure("classes", "expected non-negative integers") }
          return c
        }
      }
      let limit = try data.optionalInteger("limit")
      if let limit, limit < 2 { throw data.failure("limit", "must be >= 2") }
      if let limit { _ = try bounded(data, "limit", limit) }
      spec = .images(format: source, path: path, resolution: resolution, classes: classes, limit: limit)
    default:
      throw data.failure("kind", "unknown data kind '\(kind)' (valid: ring, grid, mixture, fashion-mnist, cifar10, npy)")
    }
    try data.finish()
    var teacherReader = try reader.object("teacher")
    let teacherKind = try teacherReader.string("kind")
    let teacher: TeacherChoice
    switch teacherKind {
    case "exact":
      let bandwidth = try teacherReader.optionalNumber("bandwidth") ?? 0
      guard bandwidth >= 0 && bandwidth.isFinite else { throw teacherReader.failure("bandwidth", "must be >= 0") }
      teacher = .exact(bandwidth: bandwidth)
    case "network":
      var networkReader = try teacherReader.object("network")
      let network = try networkChoice(&networkReader)
      try networkReader.finish()
      teacher = .network(NetworkTeacherSpecification(network: network, steps: try positive(&teacherReader, "steps"),
        batchSize: try positive(&teacherReader, "batchSize"), learningRate: try positiveNumber(&teacherReader, "learningRate"),
        emaRate: try teacherReader.optionalNumber("emaRate") ?? 0.999, seed: try teacherReader.optionalInteger("seed") ?? 0))
    default:
      throw teacherReader.failure("kind", "unknown teacher kind '\(teacherKind)' (valid: exact, network)")
    }
    try teacherReader.finish()
    return ProblemSpecification(name: name, data: spec, teacher: teacher)
  }

  static func networkChoice(_ reader: inout JSONObjectReader) throws -> NetworkChoice {
    let kind = try reader.string("kind")
    let features = try reader.optionalInteger("embeddingFeatures") ?? 32
    let conditioning = try reader.optionalInteger("conditioningWidth") ?? 128
    guard features >= 2 && features % 2 == 0 else { throw reader.failure("embeddingFeatures", "must be even and >= 2") }
    guard conditioning >= 1 else { throw reader.failure("conditioningWidth", "must be >= 1") }
    _ = try bounded(reader, "embeddingFeatures", features)
    _ = try bounded(reader, "conditioningWidth", conditioning)
    switch kind {
    case "mlp":
      let widths = try reader.array("hiddenWidths").map { value -> Int in
        guard case .integer(let n) = value, n >= 1, let w = Int(exactly: n) else { throw reader.failure("hiddenWidths", "expected positive integers") }
        _ = try bounded(reader, "hiddenWidths", w)
        return w
      }
      guard !widths.isEmpty else { throw reader.failure("hiddenWidths", "needs at least one layer") }
      return .mlp(hiddenWidths: widths, embeddingFeatures: features, conditioningWidth: conditioning)
    case "unet":
      let base = try positive(&reader, "baseWidth")
      let groups = try reader.optionalInteger("groups") ?? 8
      guard groups >= 1 && base % groups == 0 else { throw reader.failure("groups", "must divide baseWidth \(base)") }
      return .unet(baseWidth: base, embeddingFeatures: features, conditioningWidth: conditioning, groups: groups)
    default:
      throw reader.failure("kind", "unknown network kind '\(kind)' (valid: mlp, unet)")
    }
  }

  static func studentSpecification(_ reader: inout JSONObjectReader) throws -> StudentSpecification {
    var networkReader = try reader.object("network")
    let network = try networkChoice(&networkReader)
    try networkReader.finish()
    let initText = try reader.optionalString("initialization") ?? "teacher"
    guard let initialization = StudentInitialization(rawValue: initText) else {
      throw reader.failure("initialization", "unknown value '\(initText)' (valid: teacher, random)")
    }
    var fit = FitSpecification(steps: 2000, batchSize: 256, learningRate: 2e-3)
    if reader.optionalValue("fit") != nil {
      var fitReader = try reader.object("fit")
      fit = FitSpecification(steps: try positive(&fitReader, "steps"), batchSize: try positive(&fitReader, "batchSize"),
        learningRate: try positiveNumber(&fitReader, "learningRate"))
      try fitReader.finish()
    }
    return StudentSpecification(network: network, initialization: initialization, fit: fit)
  }

  static func trainingSpecification(_ reader: inout JSONObjectReader) throws -> TrainingSpecification {
    let steps = try positive(&reader, "steps")
    let batchSize = try positive(&reader, "batchSize")
    let gridCount = try reader.optionalInteger("gridCount") ?? 18
    guard gridCount >= 2 else { throw reader.failure("gridCount", "must be >= 2") }
    _ = try bounded(reader, "gridCount", gridCount)
    let maxJump = try reader.optionalInteger("maxJump")
    if let maxJump, maxJump < 1 || maxJump > gridCount - 1 { throw reader.failure("maxJump", "must be in 1...\(gridCount - 1)") }
    let kindText = try reader.optionalString("optimizer") ?? "adam"
    guard let kind = OptimizerKind(rawValue: kindText) else { throw reader.failure("optimizer", "unknown optimizer '\(kindText)' (valid: adam, radam)") }
    let learningRate = try positiveNumber(&reader, "learningRate")
    let warmup = try reader.optionalInteger("warmupSteps") ?? 0
    guard warmup >= 0 else { throw reader.failure("warmupSteps", "must be >= 0") }
    let target = try reader.optionalNumber("targetEMARate") ?? 0.999
    let evaluation = try reader.optionalNumber("evaluationEMARate") ?? 0.999
    for (key, value) in [("targetEMARate", target), ("evaluationEMARate", evaluation)] where !(0..<1).contains(value) {
      throw reader.failure(key, "must be in [0, 1), got \(value)")
    }
    let divergenceFactor = try reader.optionalNumber("divergenceFactor") ?? DivergenceRule.defaultFactor
    guard divergenceFactor > 1, divergenceFactor.isFinite else {
      throw reader.failure("divergenceFactor", "must be a finite number > 1, got \(divergenceFactor)")
    }
    var denoising = DenoisingLossWeighting.adaptive
    if let value = reader.optionalValue("denoisingLoss") {
      switch value {
      case .string("adaptive"): denoising = .adaptive
      case .string("off"): denoising = .off
      case .integer(let n) where n >= 0: denoising = .fixed(Double(n))
      case .number(let w) where w >= 0 && w.isFinite: denoising = .fixed(w)
      default: throw reader.failure("denoisingLoss", "expected \"adaptive\", \"off\" or a non-negative number")
      }
    }
    return TrainingSpecification(steps: steps, batchSize: batchSize, gridCount: gridCount, maxJump: maxJump,
      optimizer: OptimizerConfiguration(kind: kind, learningRate: learningRate, warmupSteps: warmup),
      targetEMARate: target, evaluationEMARate: evaluation, denoisingLoss: denoising, divergenceFactor: divergenceFactor)
  }

  static func statisticsConfiguration(_ reader: inout JSONObjectReader) throws -> StatisticsConfiguration {
    let defaults = StatisticsConfiguration()
    let count = try reader.optionalInteger("lambdaCount") ?? defaults.lambdaCount
    let samples = try reader.optionalInteger("samplesPerPoint") ?? defaults.samplesPerPoint
    let probes = try reader.optionalInteger("hutchinsonProbes") ?? defaults.hutchinsonProbes
    let batch = try reader.optionalInteger("batchSize") ?? defaults.batchSize
    guard count >= 2 else { throw reader.failure("lambdaCount", "must be >= 2") }
    guard samples >= 1 else { throw reader.failure("samplesPerPoint", "must be >= 1") }
    guard probes >= 1 else { throw reader.failure("hutchinsonProbes", "must be >= 1") }
    guard batch >= 1 else { throw reader.failure("batchSize", "must be >= 1") }
    for (key, value) in [("lambdaCount", count), ("samplesPerPoint", samples), ("hutchinsonProbes", probes), ("batchSize", batch)] {
      _ = try bounded(reader, key, value)
    }
    let tolerance = try reader.optionalNumber("tolerance")
    if let tolerance, !(tolerance > 0 && tolerance.isFinite) {
      throw reader.failure("tolerance", "must be a positive number (the largest relative standard error of B), got \(tolerance)")
    }
    let cap = try reader.optionalInteger("maxSamplesPerPoint")
    if let cap {
      guard tolerance != nil else { throw reader.failure("maxSamplesPerPoint", "needs a tolerance (it caps the convergence rule)") }
      guard cap >= samples else { throw reader.failure("maxSamplesPerPoint", "must be >= samplesPerPoint (\(samples)), got \(cap)") }
    }
    return StatisticsConfiguration(lambdaCount: count, samplesPerPoint: samples, hutchinsonProbes: probes, batchSize: batch,
      tolerance: tolerance, maxSamplesPerPoint: cap)
  }

  static func evaluationSpecification(_ reader: inout JSONObjectReader, problems: [ProblemSpecification]) throws -> EvaluationSpecification {
    let every = try positive(&reader, "every")
    let nfe = try reader.array("nfe").map { value -> Int in
      guard case .integer(let n) = value, n >= 1, let v = Int(exactly: n) else { throw reader.failure("nfe", "expected positive integers") }
      return v
    }
    guard !nfe.isEmpty, Set(nfe).count == nfe.count else { throw reader.failure("nfe", "needs distinct values") }
    let samples = try positive(&reader, "samples")
    guard samples >= 2 else { throw reader.failure("samples", "must be >= 2 (metrics need a covariance)") }
    let reference = try reader.optionalInteger("referenceSamples") ?? samples
    guard reference >= 2 else { throw reader.failure("referenceSamples", "must be >= 2") }
    let metrics = try reader.array("metrics").map { value -> String in
      guard case .string(let name) = value, knownMetrics.contains(name) else {
        throw reader.failure("metrics", "unknown metric (valid: \(knownMetrics.joined(separator: ", ")))")
      }
      return name
    }
    guard !metrics.isEmpty else { throw reader.failure("metrics", "needs at least one metric") }
    for metric in ["fd-randconv", "fd-effnet", "fd-inception"] where metrics.contains(metric) {
      if problems.contains(where: { !$0.data.isImages }) {
        throw reader.failure("metrics", "\(metric) needs image data; a problem is not images")
      }
    }
    let alignment = try reader.optionalInteger("alignmentSamples") ?? min(256, samples)
    let gapGrid = try reader.optionalInteger("gapGrid") ?? 0
    let gapSamples = try reader.optionalInteger("gapSamples") ?? 512
    let gamma = try reader.optionalNumber("gamma") ?? 0
    guard (0...1).contains(gamma) else { throw reader.failure("gamma", "must be in [0, 1]") }
    guard alignment >= 1, gapGrid >= 0, gapSamples >= 1 else { throw reader.failure("gapGrid", "alignmentSamples, gapGrid and gapSamples must be positive") }
    for (key, value) in [("referenceSamples", reference), ("alignmentSamples", alignment), ("gapGrid", gapGrid), ("gapSamples", gapSamples)] {
      _ = try bounded(reader, key, value)
    }
    let curveSamples = try reader.optionalInteger("curveSamples")
    if let curveSamples, curveSamples < 2 || curveSamples > samples {
      throw reader.failure("curveSamples", "must be in 2...samples (\(samples)), got \(curveSamples)")
    }
    var schedule: EvaluationSchedule? = nil
    if let value = reader.optionalValue("schedule") {
      let usage = "expected {\"geometric\": {\"first\": N, \"ratio\": R}} with N >= 1 and 1.01 <= R <= 4, or a list of positive steps"
      switch value {
      case .array(let elements):
        let steps = try elements.map { element -> Int in
          guard case .integer(let n) = element, n >= 1, let step = Int(exactly: n) else { throw reader.failure("schedule", usage) }
          return step
        }
        guard !steps.isEmpty, steps.count <= 10_000 else { throw reader.failure("schedule", usage) }
        schedule = .steps(steps)
      case .object(let members) where members.count == 1 && members["geometric"] != nil:
        var outer = try reader.object("schedule")
        var geometric = try outer.object("geometric")
        let first = try geometric.integer("first")
        let ratio = try geometric.number("ratio")
        try geometric.finish()
        try outer.finish()
        // R below 1.01 would take millions of iterations to reach a long run's end (and R = 1 + 1e-15
        // forever); finer spacing than 1% is an explicit list's job.
        guard first >= 1, ratio >= 1.01, ratio <= 4 else { throw reader.failure("schedule", usage) }
        schedule = .geometric(first: first, ratio: ratio)
      default:
        throw reader.failure("schedule", usage)
      }
    }
    return EvaluationSpecification(every: every, schedule: schedule, curveSamples: curveSamples, nfe: nfe.sorted(), samples: samples,
      referenceSamples: reference, metrics: metrics, alignmentSamples: alignment, gapGrid: gapGrid, gapSamples: gapSamples, gamma: gamma)
  }
}
