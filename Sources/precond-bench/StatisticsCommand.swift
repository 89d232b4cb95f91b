import Diffusion
import Distillation
import Foundation
import Harness

/// `precond-bench statistics estimate`: the shared Analytic-Precond statistics of a suite's
/// teachers, computed (or found in the cache) ahead of `run`, with what they took.
enum StatisticsEstimateCommand: Subcommand {
  static let spec = CommandSpec(
    name: "statistics estimate", summary: "Estimate (or load from the cache) the Analytic-Precond statistics of a suite's teachers.",
    usage: """
      USAGE: precond-bench statistics estimate [SUITE|PATH] [--problem NAME] [--tolerance T] [--max-samples N]
                                               [--seed S] [--cache DIR] [--teacher-cache DIR] [--json]

      Prepares each problem of the suite (default: fashion-mnist; its network teacher must be trained or is
      trained now), then estimates the statistics of docs/math.md section 5 with the suite's settings, once per
      teacher, as `run` does: with a tolerance the samples per point double until the relative standard
      error of B is below it on every jump of the training grid. Prints the samples, probes, rounds and
      seconds it took and the largest remaining relative standard error of B. A long estimate keeps its
      progress in CACHE/statistics-KEY.partial.json (every 30 s and every round): stopped by a signal or
      at the end of a session, the same command continues it with the same result.

      OPTIONS:
        --problem NAME      only this problem
        --tolerance T       override the suite's statistics.tolerance
        --max-samples N     override the suite's statistics.maxSamplesPerPoint
        --seed S            estimate with seed S instead of the shared statistics seed (to measure the
                            spread of estimates; cached under its own key, never used by runs)
        --cache DIR         statistics cache (default .precond-bench/statistics)
        --teacher-cache DIR teacher cache (default .precond-bench/teachers)
        --json              {"problem", "cost", "jumps": [{"t", "s", "variant", "beta", "relativeError"}]} per line

      EXAMPLE:
        precond-bench statistics estimate fashion-mnist --tolerance 0.01 --threads 2
      """,
    valueOptions: ["--problem", "--tolerance", "--max-samples", "--seed", "--cache", "--teacher-cache"], flags: ["--json"])

  struct Output: Encodable {
    let problem: String
    let cached: Bool
    let cost: StatisticsCost
    let jumps: [JumpError]
  }

  static func run(_ arguments: ParsedArguments) throws -> ExitCode {
    let (suite, problems) = try selectedProblems(arguments, usage: spec.usage)
    var configuration = suite.statistics
    if let tolerance = try arguments.real("--tolerance") {
      guard tolerance > 0 && tolerance.isFinite else { throw CommandFailure.usage("--tolerance must be > 0") }
      configuration.tolerance = tolerance
    }
    if let cap = try arguments.integer("--max-samples", atLeast: configuration.samplesPerPoint) { configuration.maxSamplesPerPoint = cap }
    let seed = try arguments.integer("--seed", atLeast: 0)
    let options = PreparationOptions(teacherCache: arguments.value("--teacher-cache") ?? ".precond-bench/teachers")
    let cache = StatisticsCache(directory: arguments.value("--cache") ?? ".precond-bench/statistics")
    let times = Array(Set(KarrasGrid(count: suite.training.gridCount).times + [NoiseRange.tMin])).sorted()
    for problem in problems {
      let prepared = try PreparedProblem.prepare(problem, student: suite.student, evaluation: suite.evaluation, options: options)
      let progress: (Int, Int, Double) -> Void = { round, samples, error in
        Console.error(String(format: "%@: round %d, %d samples per point, largest relative SE of B %.4g", problem.name, round, samples, error))
      }
      let clock = ContinuousClock()
      var lastLine = clock.now
      let pointProgress: (StatisticsEstimatorState) -> Void = { state in
        guard clock.now - lastLine >= .seconds(60), state.nextPoint > 0 else { return }
        lastLine = clock.now
        Console.error(String(format: "%@: round %d (%d samples per point): %d of %d points, %.0f s so far (%.0f CPU-s)",
          problem.name, state.rounds + 1, state.samplesPerPoint, state.nextPoint, state.lambdaCount, state.seconds, state.cpuSeconds))
      }
      let (estimate, cached) = try cache.estimateOrLoad(problem: prepared, configuration: configuration, jumpTimes: times,
        seed: seed.map(UInt64.init) ?? AnalyticStatistics.estimateSeed, pointProgress: pointProgress, progress: progress)
      let cost = estimate.cost
      if arguments.flag("--json") {
        Console.out(canonicalJSON(Output(problem: problem.name, cached: cached, cost: cost, jumps: estimate.jumpErrors(times: times))))
        continue
      }
      let probes = cost.probesPerSample == 0 ? "exact traces" : "\(cost.probesPerSample) probe(s) per sample"
      let cpu = cost.cpuSeconds.map { String(format: " (%.1f CPU-s)", $0) } ?? ""
      Console.out(String(format: "%@: %d points x %d samples, %@, %d round(s), %.1f s%@%@; largest relative SE of B %.4g (%@)%@",
        problem.name, cost.lambdaCount, cost.samplesPerPoint, probes, cost.rounds, cost.seconds, cpu, cached ? " (cached)" : "",
        cost.maxRelativeErrorB ?? .nan, cost.worstJump.map { "\($0)" } ?? "no jumps",
        cost.converged.map { $0 ? "; converged" : "; DID NOT CONVERGE" } ?? ""))
    }
    return .ok
  }
}
