import Distillation
import Foundation

/// The tally of a suite run.
public struct SuiteRunSummary: Sendable {
  /// Cells this shard ran to the end.
  public var completed = 0
  /// Cells that diverged.
  public var diverged = 0
  /// Cells that failed with an error.
  public var failed = 0
  /// Cells skipped because they had already finished (`--resume`).
  public var skipped = 0
  /// Messages of failed cells.
  public var failures: [String] = []
  /// Where the run stopped when `RunOptions.shouldStop` ended it early: the cell being trained
  /// (nil when it stopped between cells) and its step.
  public var interrupted: (cell: String?, step: Int?)? = nil
}

/// Runs a suite's cells (or one shard of them) in canonical order; cells are independent, so
/// shards can run on different machines and be merged.
public enum SuiteRunner {
  /// Runs `suite` into `sink`.
  public static func run(_ suite: SuiteSpecification, sink: any ResultSink, shard: Shard = .all, options: RunOptions) throws -> SuiteRunSummary {
    try sink.registerSuite(suite.record)
    let cells = suite.cells.filter { shard.contains($0) }
    var problems = [String: (PreparedProblem, Evaluator)]()
    var summary = SuiteRunSummary()
    for (position, cell) in cells.enumerated() {
      if options.shouldStop() {
        summary.interrupted = (nil, nil)
        break
      }
      if problems[cell.problem] == nil {
        guard let specification = suite.problems.first(where: { $0.name == cell.problem }) else { continue }
        var preparation = options.preparation
        let events = options.events
        preparation.progress = { what, step, total, loss in events(.preparing(what, step: step, of: total, loss: loss)) }
        let problem = try PreparedProblem.prepare(specification, student: suite.student, evaluation: suite.evaluation, options: preparation)
        let evaluator = Evaluator(problem: problem, specification: suite.evaluation)
        problems[cell.problem] = (problem, evaluator)
        // Rules relative to the teacher: its own values on this evaluation protocol, measured
        // once per teacher (cached beside it) and recorded with the suite.
        let grids = suite.targets.compactMap { $0.relativeTo == .teacher ? $0.teacherGrid : nil }
        if !grids.isEmpty {
          events(.preparing("\(cell.problem): teacher's own values for its target rules", step: 0, of: 0, loss: .nan))
          let values = try TeacherValueCache(directory: options.preparation.teacherCache)
            .values(problem: problem, evaluator: evaluator, grids: grids)
          try sink.recordTeacherValues(values, suite: suite.name)
        }
      }
      guard let (problem, evaluator) = problems[cell.problem] else { continue }
      let outcome: CellOutcome
      do {
        outcome = try CellRunner.run(cell, position: position, of: cells.count, suite: suite, problem: problem, evaluator: evaluator,
          sink: sink, options: options)
      } catch let error as ResultSinkError {
        throw error
      } catch {
        outcome = .failed("\(cell.label): \(error)")
        options.events(.cellFinished(cell, outcome: outcome, trainingSeconds: 0))
      }
      switch outcome {
      case .completed: summary.completed += 1
      case .diverged: summary.diverged += 1
      case .failed(let message):
        summary.failed += 1
        summary.failures.append(message)
      case .skipped: summary.skipped += 1
      case .interrupted(let step):
        summary.interrupted = (cell.label, step)
        return summary
      }
    }
    return summary
  }
}
