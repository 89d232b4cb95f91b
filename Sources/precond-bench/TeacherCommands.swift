import Diffusion
import Foundation
import Harness
import NeuralNet

/// `precond-bench teacher train`: trains (or finds in the cache) the network teachers of a suite.
enum TeacherTrainCommand: Subcommand {
  static let spec = CommandSpec(
    name: "teacher train", summary: "Train (or load from the cache) the network teachers of a suite.",
    usage: """
      USAGE: precond-bench teacher train [SUITE|PATH] [--problem NAME] [--cache DIR] [--quiet]

      Prepares each problem of the suite (default: fashion-mnist): loads and downsamples its data, then
      trains its EDM network teacher, or for an exact teacher the network its students start from.
      Training is deterministic and resumable (a killed run continues from its last checkpoint), and the
      result is cached under a hash of its configuration and data, so `run` reuses it.

      OPTIONS:
        --problem NAME   only this problem
        --cache DIR      teacher cache (default .precond-bench/teachers)
        --quiet          no progress lines

      EXAMPLE:
        precond-bench teacher train fashion-mnist --threads 2
      """,
    valueOptions: ["--problem", "--cache"], flags: ["--quiet"])

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    let (suite, problems) = try selectedProblems(arguments, usage: spec.usage)
    let quiet = arguments.flag("--quiet")
    let progress = ProgressLine(enabled: !quiet && Console.stderrIsTerminal)
    let options = PreparationOptions(teacherCache: arguments.value("--cache") ?? ".precond-bench/teachers") { what, step, total, loss in
      progress.update(String(format: "%@: step %d/%d, loss %.4f", what, step, total, loss), fraction: Double(step) / Double(max(total, 1)))
    }
    for problem in problems {
      let clock = ContinuousClock()
      let start = clock.now
      let prepared = try PreparedProblem.prepare(problem, student: suite.student, evaluation: suite.evaluation, options: options)
      progress.finish()
      let elapsed = clock.now - start
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      Console.out(String(format: "%@: %@ teacher ready (%d training samples %@, sigmaData %.4g) in %.1f s",
        problem.name, prepared.teacherKind, prepared.data.shape[0], "\(prepared.sampleShape)", prepared.sigmaData, seconds))
    }
    return .ok
  }
}

/// The suite (positional, default fashion-mnist) and its problems (`--problem NAME`: only that one).
func selectedProblems(_ arguments: ParsedArguments, usage: String) throws -> (SuiteSpecification, [ProblemSpecification]) {
  try arguments.expectPositionals(0...1, usage)
  let suite = try SuiteCatalog.load(arguments.positionals.first ?? "fashion-mnist")
  let problems = suite.problems.filter { p in arguments.value("--problem").map { $0 == p.name } ?? true }
  guard !problems.isEmpty else {
    throw CommandFailure.usage("no problem named '\(arguments.value("--problem") ?? "")' in \(suite.name) (known: \(suite.problems.map { $0.name }.joined(separator: ", ")))")
  }
  return (suite, problems)
}

/// `precond-bench teacher info`: what a teacher checkpoint holds.
enum TeacherInfoCommand: Subcommand {
  static let spec = CommandSpec(
    name: "teacher info", summary: "Describe a teacher checkpoint (configuration, data hash, content hash).",
    usage: """
      USAGE: precond-bench teacher info CHECKPOINT [--json]

      EXAMPLE:
        precond-bench teacher info .precond-bench/teachers/teacher-0123456789abcdef.ckpt
      """,
    flags: ["--json"])

  struct Info: Encodable {
    let path: String
    let configuration: TeacherTrainingConfiguration
    let dataHash: String?
    let cacheKey: String?
    let steps: String?
    let parameters: Int
    let contentHash: String
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    try arguments.expectPositionals(1...1, spec.usage)
    let path = arguments.positionals[0]
    let (configuration, metadata) = try TeacherCache.configuration(of: path)
    let teacher = try TeacherCache.loadTeacher(from: path)
    let hash = try Checkpoint.read(from: path).contentHash()
    let info = Info(path: path, configuration: configuration, dataHash: metadata["dataHash"], cacheKey: metadata["cacheKey"],
      steps: metadata["step"], parameters: teacher.parameters.scalarCount, contentHash: hash)
    if arguments.flag("--json") {
      Console.out(try Console.json(info))
      return .ok
    }
    Console.out("""
      teacher checkpoint \(path)
        network        \(canonicalJSON(configuration.architecture))
        parameters     \(info.parameters)
        training       \(metadata["step"] ?? "?") of \(configuration.steps) steps, batch \(configuration.batchSize), lr \(configuration.optimizer.learningRate), EMA \(configuration.emaRate), seed \(configuration.seed)
        target         \((configuration.fitTarget ?? .data).rawValue)
        sigmaData      \(configuration.sigmaData)
        data hash      \(metadata["dataHash"] ?? "?")
        content hash   \(hash)
      """)
    return .ok
  }
}
