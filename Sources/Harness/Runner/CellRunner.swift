import Diffusion
import Distillation
import Foundation
import NeuralNet
import TensorCore

/// What the runner reports while it works (the CLI turns it into progress lines with an ETA).
public enum RunEvent: Sendable {
  /// A cell starts (`resumedAt` is the checkpoint step of a resumed run).
  case cellStarted(SuiteCell, position: Int, of: Int, resumedAt: Int?)
  /// Training progressed.
  case trained(SuiteCell, step: Int, of: Int, loss: Double)
  /// An evaluation was recorded.
  case evaluated(SuiteCell, step: Int, metrics: [MetricValue])
  /// A cell ended.
  case cellFinished(SuiteCell, outcome: CellOutcome, trainingSeconds: Double)
  /// A problem is being prepared (teacher training and fitting report through here).
  case preparing(String, step: Int, of: Int, loss: Double)
}

/// How a cell ended.
public enum CellOutcome: Sendable, Equatable {
  /// Trained to the end.
  case completed
  /// Stopped at `step` with a non-finite loss or parameters.
  case diverged(step: Int)
  /// An error ended it.
  case failed(String)
  /// Already finished in the database (with `--resume`).
  case skipped(RunStatus)
  /// Stopped at `step` because `RunOptions.shouldStop` said so (SIGINT, SIGTERM): the run is
  /// recorded `interrupted` with a checkpoint at that step, so `--resume` continues it.
  case interrupted(step: Int)
}

/// Options of a run.
public struct RunOptions: Sendable {
  /// Where cell checkpoints live.
  public var checkpointDirectory: String
  /// Where completed runs' students are kept (`StudentFile`); `nil` keeps none. Writing them
  /// changes no recorded number.
  public var studentDirectory: String?
  /// Continue interrupted runs and skip finished ones.
  public var resume: Bool
  /// The machine's fingerprint.
  public var machine: MachineFingerprint
  /// The commit being measured.
  public var commit: CommitInfo
  /// Problem preparation (caches).
  public var preparation: PreparationOptions
  /// Receives progress.
  public var events: @Sendable (RunEvent) -> Void
  /// Asked between training steps and between cells; once it returns true the runner finishes
  /// what it is writing, checkpoints, records the run `interrupted` and returns.
  public var shouldStop: @Sendable () -> Bool

  /// Creates options.
  public init(checkpointDirectory: String = ".precond-bench/checkpoints", studentDirectory: String? = nil, resume: Bool = false,
              machine: MachineFingerprint,
              commit: CommitInfo, preparation: PreparationOptions = PreparationOptions(),
              shouldStop: @escaping @Sendable () -> Bool = { false }, events: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
    self.checkpointDirectory = checkpointDirectory
    self.studentDirectory = studentDirectory
    self.resume = resume
    self.machine = machine
    self.commit = commit
    self.preparation = preparation
    self.events = events
    self.shouldStop = shouldStop
  }
}

/// Runs one cell: estimates the Analytic-Precond statistics (timed), records coefficients and
/// gaps, trains with evaluations at `evaluation.evaluationSteps(total:)` (the training
/// clock paused while evaluating), checkpoints every `checkpointEvery` steps, and stops a run
/// whose loss or parameters become non-finite as `diverged`.
public enum CellRunner {
  /// The cell's record (spec hash, configuration) for `problem`.
  public static func record(_ cell: SuiteCell, suite: SuiteSpecification, problem: PreparedProblem) -> (CellRecord, CellSpecification) {
    let specification = CellSpecification(problem: problem.specification, dataHash: problem.dataHash, teacher: problem.teacherIdentity,
      method: cell.method, preconditioning: cell.preconditioning, seed: cell.seed, student: suite.student, training: suite.training,
      statistics: suite.statistics, evaluation: suite.evaluation, protocolVersion: CellSpecification.currentProtocolVersion,
      statisticsEstimator: cell.preconditioning.needsStatistics ? StatisticsEstimator.version : nil)
    let configuration = specification.canonicalText
    let record = CellRecord(suite: suite.name, dataset: problem.specification.name, teacher: problem.teacherKind,
      method: cell.method.rawValue, preconditioning: cell.preconditioning.rawValue, seed: cell.seed,
      specHash: SpecHash.of(canonicalText: configuration), configuration: configuration)
    return (record, specification)
  }

  /// Runs `cell` and writes its results to `sink`.
  public static func run(
    _ cell: SuiteCell, position: Int, of total: Int, suite: SuiteSpecification, problem: PreparedProblem, evaluator: Evaluator,
    sink: any ResultSink, options: RunOptions
  ) throws -> CellOutcome {
    let (record, specification) = record(cell, suite: suite, problem: problem)
    let checkpointPath = URL(fileURLWithPath: options.checkpointDirectory)
      .appendingPathComponent("\(suite.name)-\(record.specHash.prefix(20)).ckpt").path
    var resumeFrom: (run: RunID, checkpoint: Checkpoint)? = nil
    if options.resume, let latest = try sink.latestRun(of: record) {
      switch latest.status {
      case .completed, .diverged, .failed:
        return .skipped(latest.status)
      case .running, .interrupted:
        if let checkpoint = try? Checkpoint.read(from: checkpointPath), checkpoint.metadata["specHash"] == record.specHash {
          resumeFrom = (latest.id, checkpoint)
        }
      }
    }

    let sampleShape = problem.sampleShape
    let architecture = suite.student.network.architecture(sampleShape: sampleShape)
    let (network, fresh) = architecture.build(timeInputs: 2, seed: UInt64(cell.seed), zeroExtraTimeInputs: true)
    var initial = fresh
    if suite.student.initialization == .teacher, let start = problem.initialNetwork {
      initial.load(from: start.parameters, zeroMissing: true)
    }
    let configuration = specification.configuration(sigmaData: problem.sigmaData)
    // One estimate per teacher and statistics settings, shared by every seed (StatisticsCache).
    var estimate: StatisticsEstimate? = nil
    if cell.preconditioning.needsStatistics {
      estimate = try StatisticsCache(directory: options.preparation.statisticsCache).estimateOrLoad(problem: problem,
        configuration: configuration.statistics, jumpTimes: statisticsJumpTimes(configuration)).estimate
    }
    let statistics = estimate?.statistics
    var trainer = DistillationTrainer(configuration: configuration, teacher: problem.teacher, data: problem.data, network: network,
      initialParameters: initial, statistics: statistics)

    let run: RunID
    var trainingWall = 0.0
    var trainingCPU = 0.0
    var pendingLoss = (sum: 0.0, count: 0)
    if let resumeFrom {
      try trainer.restore(from: resumeFrom.checkpoint)
      trainingWall = Double(resumeFrom.checkpoint.metadata["trainingWallSeconds"] ?? "") ?? 0
      trainingCPU = Double(resumeFrom.checkpoint.metadata["trainingCPUSeconds"] ?? "") ?? 0
      // A checkpoint written on interruption (between evaluations) carries the loss accumulated
      // since the last evaluation, so the next evaluation's loss is the uninterrupted run's.
      pendingLoss = (Double(resumeFrom.checkpoint.metadata["pendingLossSum"] ?? "") ?? 0,
        Int(resumeFrom.checkpoint.metadata["pendingLossCount"] ?? "") ?? 0)
      try sink.resumeRun(resumeFrom.run, keepingEvaluationsThrough: trainer.step, processID: getpid(),
        host: UnameFields.current().nodename)
      run = resumeFrom.run
    } else {
      run = try sink.beginRun(RunStart(cell: record, machine: options.machine, commit: options.commit))
      try sink.recordCoefficients(coefficientRows(trainer.student.jumper, grid: trainer.grid, statistics: statistics, estimate: estimate),
        computeSeconds: estimate?.cost.seconds ?? 0, statistics: estimate?.cost, run: run)
      if suite.evaluation.gapGrid > 0 && cell.seed == suite.seeds.first {
        try sink.recordGaps(gapRows(trainer.student.jumper, problem: problem, evaluation: suite.evaluation), run: run)
      }
    }
    if let cost = estimate?.cost, cost.converged == false {
      let message = "\(StatisticsNotConverged(cost: cost))"
      try sink.finishRun(run, status: .failed, step: trainer.step, message: message)
      options.events(.cellFinished(cell, outcome: .failed(message), trainingSeconds: 0))
      return .failed(message)
    }
    options.events(.cellStarted(cell, position: position, of: total, resumedAt: resumeFrom == nil ? nil : trainer.step))
    let studentFile = options.studentDirectory.map { directory in
      (path: StudentFile.path(directory: directory, suite: suite.name, specHash: record.specHash, seed: cell.seed),
       metadata: StudentFile.metadata(specHash: record.specHash, specification: specification, sampleShape: sampleShape,
         sigmaData: problem.sigmaData, statistics: statistics))
    }
    do {
      return try train(&trainer, cell: cell, run: run, record: record, specification: specification, suite: suite, evaluator: evaluator,
        sink: sink, options: options, checkpointPath: checkpointPath, wall: trainingWall, cpu: trainingCPU,
        divergenceState: resumeFrom?.checkpoint.metadata["divergence"], pendingLoss: pendingLoss, studentFile: studentFile)
    } catch {
      // Leave no run "running" behind an error: record it as failed, then report the error.
      try? sink.finishRun(run, status: .failed, step: trainer.step, message: "\(error)")
      throw error
    }
  }

  static func train(
    _ trainer: inout DistillationTrainer, cell: SuiteCell, run: RunID, record: CellRecord, specification: CellSpecification,
    suite: SuiteSpecification, evaluator: Evaluator, sink: any ResultSink, options: RunOptions, checkpointPath: String,
    wall: Double, cpu: Double, divergenceState: String?, pendingLoss: (sum: Double, count: Int) = (0, 0),
    studentFile: (path: String, metadata: [String: String])? = nil
  ) throws -> CellOutcome {
    var trainingWall = wall
    var trainingCPU = cpu
    let configuration = trainer.configuration

    let steps = configuration.steps
    let evaluationSteps = Set(suite.evaluation.evaluationSteps(total: steps))
    let curveSamples = suite.evaluation.curveSamples
    var lossSum = pendingLoss.sum
    var lossCount = pendingLoss.count
    let clock = ContinuousClock()
    var divergence = DivergenceRule(factor: suite.training.divergenceFactor,
      lossScale: configuration.sigmaData * configuration.sigmaData)
    if let text = divergenceState, !divergence.restore(from: text) {
      throw CheckpointError(path: checkpointPath, reason: "malformed divergence state '\(text)'")
    }
    func diverged(_ reason: String) throws -> CellOutcome {
      try sink.finishRun(run, status: .diverged, step: trainer.step, message: reason)
      try? FileManager.default.removeItem(atPath: checkpointPath)
      options.events(.cellFinished(cell, outcome: .diverged(step: trainer.step), trainingSeconds: trainingWall))
      return .diverged(step: trainer.step)
    }
    while trainer.step < steps {
      if options.shouldStop() {
        // Between steps: every evaluation so far is committed. Checkpoint this exact step (with
        // the loss accumulated since the last evaluation) and record the run interrupted here.
        let checkpoint = trainer.checkpoint(metadata: [
          "specHash": record.specHash, "trainingWallSeconds": "\(trainingWall)", "trainingCPUSeconds": "\(trainingCPU)",
          "pendingLossSum": "\(lossSum)", "pendingLossCount": "\(lossCount)", "divergence": divergence.checkpointText,
        ])
        try checkpoint.write(to: checkpointPath)
        try sink.finishRun(run, status: .interrupted, step: trainer.step,
          message: "interrupted by a signal at step \(trainer.step); continue with --resume")
        options.events(.cellFinished(cell, outcome: .interrupted(step: trainer.step), trainingSeconds: trainingWall))
        return .interrupted(step: trainer.step)
      }
      let wallStart = clock.now
      let cpuStart = processCPUSeconds()
      let report = trainer.trainStep()
      trainingWall += seconds(clock.now - wallStart)
      trainingCPU += processCPUSeconds() - cpuStart
      guard report.isFinite else {
        return try diverged("non-finite loss or parameters at step \(trainer.step) (consistency loss \(report.consistencyLoss))")
      }
      if let reason = divergence.check(loss: report.consistencyLoss, step: trainer.step) { return try diverged(reason) }
      lossSum += report.consistencyLoss
      lossCount += 1
      options.events(.trained(cell, step: trainer.step, of: steps, loss: report.consistencyLoss))
      if evaluationSteps.contains(trainer.step) {
        let evaluationStart = clock.now
        // The curves (and targets) on the first `curveSamples` noises; the last evaluation also
        // on every sample, under the metric names with `-full` appended.
        // fd-effnet (when requested and prepared) only at the last evaluation, on every sample.
        let hasFullSet = curveSamples.map { $0 < suite.evaluation.samples } ?? false
        var metrics = try evaluator.evaluate(student: trainer.student, parameters: trainer.evaluation, sampler: specification.sampler,
          method: cell.method, samples: curveSamples, final: trainer.step == steps && !hasFullSet)
        if let curveSamples, curveSamples < suite.evaluation.samples, trainer.step == steps {
          let full = try evaluator.evaluate(student: trainer.student, parameters: trainer.evaluation, sampler: specification.sampler,
            method: cell.method, final: true)
          metrics += full.map { MetricValue(name: $0.name + EvaluationSpecification.fullSetSuffix, nfe: $0.nfe, value: $0.value) }
        }
        let evaluationSeconds = seconds(clock.now - evaluationStart)
        let evaluation = EvaluationRecord(step: trainer.step, samplesSeen: trainer.step * configuration.batchSize,
          trainingWallSeconds: trainingWall, trainingCPUSeconds: trainingCPU, evaluationSeconds: evaluationSeconds,
          loss: lossSum / Double(max(lossCount, 1)), metrics: metrics, loadAverage: LoadAverage.current())
        try sink.recordEvaluation(evaluation, run: run)
        options.events(.evaluated(cell, step: trainer.step, metrics: metrics))
        lossSum = 0
        lossCount = 0
        if let reason = divergence.check(metrics: metrics.map { ("\($0.name)@\($0.nfe)", $0.value) }, step: trainer.step) {
          return try diverged(reason)
        }
        if trainer.step % suite.checkpointEvery == 0 && trainer.step < steps {
          let checkpoint = trainer.checkpoint(metadata: [
            "specHash": record.specHash, "trainingWallSeconds": "\(trainingWall)", "trainingCPUSeconds": "\(trainingCPU)",
            "divergence": divergence.checkpointText,
          ])
          try checkpoint.write(to: checkpointPath)
        }
      }
    }
    // Keep the student whose numbers were recorded (before the run is marked completed, so a
    // completed run of this options' directory always has its file).
    if let studentFile {
      try StudentFile.write(trainer.evaluation, step: trainer.step, metadata: studentFile.metadata, to: studentFile.path)
    }
    try sink.finishRun(run, status: .completed, step: trainer.step, message: nil)
    try? FileManager.default.removeItem(atPath: checkpointPath)
    options.events(.cellFinished(cell, outcome: .completed, trainingSeconds: trainingWall))
    return .completed
  }

  /// The times whose jumps the statistics' convergence rule checks: the training grid and `tMin`.
  static func statisticsJumpTimes(_ configuration: DistillationConfiguration) -> [Double] {
    Array(Set(KarrasGrid(count: configuration.gridCount).times + [NoiseRange.tMin])).sorted()
  }

  /// Coefficient rows for every grid pair `s <= t` (and `s = tMin`), with the statistics at `t`;
  /// with an `estimate`, the jackknife standard errors of `A`, `B`, `l_t` and `s(lambda_t)` (the
  /// coefficients recomputed on each replicate of the statistics).
  static func coefficientRows(_ jumper: Jumper, grid: [Double], statistics: AnalyticStatistics?,
                              estimate: StatisticsEstimate? = nil) -> [CoefficientRow] {
    let replicates = (estimate?.replicates ?? []).map {
      Jumper(preconditioning: jumper.preconditioning, sigmaData: jumper.edm.sigmaData, statistics: $0, tMin: jumper.tMin)
    }
    let statisticReplicates = estimate?.replicates ?? []
    func error(_ value: (Jumper) -> Double) -> Double? {
      replicates.isEmpty ? nil : StatisticsEstimate.jackknifeError(replicates.map(value))
    }
    func statisticError(_ value: (AnalyticStatistics) -> Double) -> Double? {
      statisticReplicates.isEmpty ? nil : StatisticsEstimate.jackknifeError(statisticReplicates.map(value))
    }
    var rows = [CoefficientRow]()
    for (i, t) in grid.enumerated() {
      for s in grid[(i + 1)...] {
        if jumper.preconditioning == .edm && s != jumper.tMin { continue }
        let c = jumper.coefficients(t: t, s: s)
        let lambda = -log(t)
        rows.append(CoefficientRow(t: t, s: s, a: c.a, b: c.b, l: c.l, sStatistic: statistics.map { $0.s(atLambda: lambda) },
          alpha: c.alpha, beta: c.beta, flagged: jumper.isIllConditioned(t: t, s: s),
          aError: error { $0.coefficients(t: t, s: s).a }, bError: error { $0.coefficients(t: t, s: s).b },
          lError: statisticError { $0.l(atLambda: lambda) }, sStatisticError: statisticError { $0.s(atLambda: lambda) }))
      }
    }
    return rows
  }

  /// The consistency gap and initial jump error on a `gapGrid`-level Karras grid.
  static func gapRows(_ jumper: Jumper, problem: PreparedProblem, evaluation: EvaluationSpecification) -> [GapRow] {
    let times = KarrasGrid(count: evaluation.gapGrid + 1).times
    let clean = problem.data.rows(0..<min(evaluation.gapSamples, problem.data.shape[0]))
    var rows = [GapRow]()
    for (i, t) in times.enumerated() {
      for s in times[(i + 1)...] {
        if jumper.preconditioning == .edm && s != jumper.tMin { continue }
        let g = Diagnostics.consistencyGap(jumper: jumper, teacher: problem.teacher, clean: clean, t: t, s: s,
          seed: Evaluator.evaluationSeed, substeps: 48)
        rows.append(GapRow(t: t, s: s, gap: g.gap, jumpError: g.jumpError))
      }
    }
    return rows
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }
}
